/**
 * The example app: `npx cdktf synth` builds one stack from a JSON config.
 * GHES_EMAIL_CONFIG=path picks the operator's file; the default is the bundled example.
 */
import { App } from 'cdktf';
import { join } from 'node:path';
import { ConfigError, loadConfigFile } from './lib/config';
import { GhesEmailStack } from './lib/ghes-email-stack';
import { ValidationError } from './lib/problems';

// Compiled to dist/main.js; the example sits at the repository root.
const DEFAULT_CONFIG = join(__dirname, __dirname.endsWith('dist') ? '..' : '.', 'examples', 'ghes-email.config.json');

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
    throw err;
  }
}

main();
