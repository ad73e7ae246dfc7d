/**
 * `npm run test:consumer`: packs ghes-email and installs it into a scratch app (see consumer/).
 * Separate from `npm test` because it installs packages and rebuilds dist/.
 */
const base = require('./jest.config.js');
module.exports = {
  ...base,
  roots: ['<rootDir>/consumer'],
  // The fixture is the consumer's source, compiled in the scratch app, not a test.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/consumer/fixture/'],
  // pack (~5 s) and install (~10 s) happen in beforeAll; execFileSync has its own timeouts.
  testTimeout: 15 * 60_000,
};
