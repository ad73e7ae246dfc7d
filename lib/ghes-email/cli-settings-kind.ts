/**
 * Marks the value of the `cli-settings` output (cli-settings-output.ts), so the CLI finds it among a
 * stack's outputs. Its own file: the config loader, and with it the CLI, reads it without construct code.
 */
export const CLI_SETTINGS_KIND = 'ghes-email/cli-settings';
