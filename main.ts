/**
 * The example app: `npx cdktf synth` builds one stack from a JSON config.
 * GHES_EMAIL_CONFIG=path picks the operator's file; the default is the bundled example.
 */
import { App } from 'cdktf';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfigFile } from './lib/config/config';
import { GhesEmailStack } from './lib/config/ghes-email-stack';
import { ValidationError } from './lib/core/problems';

// Run from the source, from dist/main.js or from the bundle in dist/app (tools/run-app.js): the example sits at the
// repository root.
const EXAMPLE = join('examples', 'ghes-email.config.json');
const DEFAULT_CONFIG =
  [join(__dirname, EXAMPLE), join(__dirname, '..', EXAMPLE), join(__dirname, '..', '..', EXAMPLE)].find((p) =>
    existsSync(p),
  ) ?? EXAMPLE;

function main(): void {
  const path = process.env.GHES_EMAIL_CONFIG ?? DEFAULT_CONFIG;
  try {
    const loaded = loadConfigFile(path);
    // Stack traces for every construct cost ~10 ms of a ~250 ms synth; errors here are ours, with their own messages.
    const app = new App({ stackTraces: false });
    new GhesEmailStack(app, 'ghes-email', loaded);
    app.synth();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ValidationError) {
      // Validation happens before app.synth(), so nothing was written to cdktf.out.
      console.error(err.message);
      process.exit(1);
    }
    // An ERROR annotation (ours: HCL output, lib/core/terraform-literals.ts) stops cdktf before it writes the stack;
    // its message says what to do, a stack trace would only bury it.
    if (err instanceof Error && err.message.startsWith('Encountered Annotations with level "ERROR"')) {
      console.error(err.message.trimEnd());
      process.exit(1);
    }
    throw err;
  }
}

main();
