/**
 * Testing.app() with its output folder in a temporary directory removed after the test file.
 * Testing.app() alone makes a new cdktf.outdir.* folder under os.tmpdir() on every call and never
 * removes it. Testing.synth writes nothing there (it returns the JSON), so the apps of one test file
 * share one folder.
 */
import { App, Testing } from 'cdktf';
import { tempDir } from './temp-dir';

let outdir: string | undefined;

export function testApp(): App {
  outdir ??= tempDir('cdktf.outdir.');
  return Testing.app({ outdir });
}
