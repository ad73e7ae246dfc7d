/**
 * Jest snapshots of a generated flavor (tools/flavor.js) live in the source tree, in
 * flavors/<flavor>/__snapshots__/, where they are committed and reviewed like the cdktf
 * ones; the flavor's build directory is thrown away. Only differences between the engines
 * belong there (e.g. required_providers: "aws" 6.25.0 vs "hashicorp/aws" 6.66.0).
 */
'use strict';
const { basename, join } = require('node:path');

const { ghesEmail = {} } = require('../package.json');
const dir = join(ghesEmail.sourceRoot ?? join(__dirname, '..'), 'flavors', ghesEmail.flavor ?? 'cdktf', '__snapshots__');
const testsDir = join(__dirname, '..', '__tests__');

module.exports = {
  resolveSnapshotPath: (testPath, extension) => join(dir, basename(testPath) + extension),
  resolveTestPath: (snapshotPath, extension) => join(testsDir, basename(snapshotPath, extension)),
  testPathForConsistencyCheck: join(testsDir, 'example.test.ts'),
};
