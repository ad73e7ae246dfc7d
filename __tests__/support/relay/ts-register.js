/**
 * `node -r __tests__/support/relay/ts-register.js file.ts`: runs TypeScript the way jest does (swc strips the types,
 * CommonJS out, no type check), so a test can spawn the real CLI (lib/cli/main.ts) as its own process and send it
 * signals. Plain JS because it must load before any TypeScript can.
 */
'use strict';
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
