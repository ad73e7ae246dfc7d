/**
 * ~3.8 KB of settings read off an appliance: with them the plain boot script is well over EC2's 16 KB, so its user data
 * is packed (boot-packed.test.ts, boot-packed-integrity.test.ts). Each value carries what Terraform or bash could read
 * as syntax.
 */
export const EXTRA_SETTINGS_COUNT = 48;

export const EXTRA_SETTINGS: Record<string, string> = Object.fromEntries(
  Array.from({ length: EXTRA_SETTINGS_COUNT }, (_, i) => [
    `setting_${i}`,
    `value ${i} ${'x'.repeat(40)} "quoted" \\ \${HOME} %{x}`,
  ]),
);
