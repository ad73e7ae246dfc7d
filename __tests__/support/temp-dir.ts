/**
 * Temporary directories that a test file leaves nothing of: each one is removed in an afterAll of
 * the test file that made it (jest gives every test file its own instance of this module).
 *
 * The afterAll is registered when this module is first imported, not when a directory is first made:
 * jest accepts hooks only while it collects a file's tests, and many directories are made inside a
 * test. Imported at the top of a test file (directly or through a support module), the hook sits on
 * the file's root block: it runs after every test and every describe block's afterAll, but before
 * the root-level afterAll hooks the file itself defines (jest runs a block's hooks in the order they
 * were added), so those must not need these directories.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under os.tmpdir() named `${prefix}XXXXXX`, removed (with its content) after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
