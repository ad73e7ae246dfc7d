/** Tests are transpiled by swc without type checking; `npm test` runs `tsc --noEmit` once first. */
const { availableParallelism } = require('node:os');
const { ghesEmail } = require('./package.json');

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/cdktf.out/'],
  // The AWS SDK's 8-line Node 20 warning is kept out of the test output (support/jest-setup.ts).
  setupFiles: ['<rootDir>/__tests__/support/jest-setup.ts'],
  reporters: ['default', '<rootDir>/__tests__/support/summary-reporter.js'],
  testTimeout: 30000,
  // Suites wait on child processes, sockets and timers part of the time, so one worker more than cores
  // keeps both cores busy: on 2 cores, 3 workers took npm test from a median 28.6 s to 26.3 s (4
  // interleaved rounds each), and passed under an extra busy loop too. Terraform runs are capped at 2
  // per worker (support/engine/terraform-cli.ts), so a suite's burst of plans cannot starve the others.
  // A number, not '150%': jest reads a percentage over 100 as a worker count (150 workers).
  maxWorkers: Math.max(2, Math.floor(availableParallelism() * 1.5)),
  // A generated flavor (tools/flavor.js) keeps its snapshots in the source tree: flavors/<flavor>/__snapshots__.
  ...(ghesEmail?.flavor ? { snapshotResolver: '<rootDir>/tools/snapshot-resolver.js' } : {}),
};
