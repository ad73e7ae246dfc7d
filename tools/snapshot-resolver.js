/**
 * Jest snapshots of a generated flavor (tools/flavor.js) live in the source tree, in
 * flavors/<flavor>/__snapshots__/, where they are committed and reviewed like the cdktf
 * ones; the flavor's build directory is thrown away. Only differences between the engines
 * belong there (e.g. required_providers: "aws" 6.25.0 vs "hashicorp/aws" 6.66.0).
 * Snapshot files are named after their test file; test file names are unique across __tests__/.
 */
'use strict';
const { readdirSync } = require('node:fs');
const { basename, join } = require('node:path');

const { ghesEmail = {} } = require('../package.json');
const dir = join(
  ghesEmail.sourceRoot ?? join(__dirname, '..'),
  'flavors',
  ghesEmail.flavor ?? 'cdktf',
  '__snapshots__',
);
const testsDir = join(__dirname, '..', '__tests__');

/** Test files by base name, for the way back from a snapshot to its test. */
const tests = new Map(
  readdirSync(testsDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => [basename(f), join(testsDir, f)]),
);

module.exports = {
  resolveSnapshotPath: (testPath, extension) => join(dir, basename(testPath) + extension),
  resolveTestPath: (snapshotPath, extension) => {
    const name = basename(snapshotPath, extension);
    return tests.get(name) ?? join(testsDir, name);
  },
  testPathForConsistencyCheck: join(testsDir, 'example.test.ts'),
};
