/** Tests are transpiled by swc without type checking; `npm test` runs `tsc --noEmit` once first. */
const { ghesEmail } = require('./package.json');

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/cdktf.out/'],
  reporters: ['default', '<rootDir>/__tests__/support/summary-reporter.js'],
  testTimeout: 30000,
  // The slow suites wait on child processes and sockets, not the CPU: two workers on a 2-core machine
  // (jest's default is cores - 1) take npm test from ~31 s to ~20 s of jest.
  maxWorkers: '100%',
  // A generated flavor (tools/flavor.js) keeps its snapshots in the source tree: flavors/<flavor>/__snapshots__.
  ...(ghesEmail?.flavor ? { snapshotResolver: '<rootDir>/tools/snapshot-resolver.js' } : {}),
};
