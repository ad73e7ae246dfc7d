/**
 * Runs before each test file (jest.config.js setupFiles). Test processes load AWS SDK clients in-process on Node 20,
 * and the SDK then prints its 8-line NodeVersionSupportWarning once per worker, in the middle of the test output. The
 * CLI's replacement is installed here with nothing to say (the CLI's one line is tested in cli/node-support.test.ts);
 * other warnings pass through. Once per worker process: the replacement outlives each file's module registry.
 */
import { replaceSdkNodeWarning } from '../../lib/cli/node-support';

const INSTALLED = Symbol.for('ghes-email.test.sdk-node-warning');
const proc = process as NodeJS.Process & { [INSTALLED]?: true };
if (!proc[INSTALLED]) {
  replaceSdkNodeWarning(() => undefined);
  proc[INSTALLED] = true;
}
