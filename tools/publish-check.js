#!/usr/bin/env node
/**
 * `prepublishOnly` (both flavors): the package.json fields a published package must not go without. A real
 * `npm publish` stops here, naming every field that is missing and what to write; `npm publish --dry-run` prints the
 * same lines and goes on, so that a dry run says what the real one would stop on instead of looking clean.
 *
 * `repository` is the field missing today: this repository has no remote, and a made-up URL on npm would send users
 * to someone else's code. Tested by __tests__/tools/publish-check.test.ts.
 */
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

/** Each field `pkg` (a package.json) lacks, as `field: what to write`. */
function publishProblems(pkg) {
  const problems = [];
  const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (!url)
    problems.push(
      'repository: not set; add "repository": {"type": "git", "url": "git+https://github.com/<owner>/<repo>.git"} ' +
        '(the GitHub repository this package is published from: npm links to it as the source)',
    );
  if (!Array.isArray(pkg.keywords) || pkg.keywords.length === 0)
    problems.push('keywords: none; add the words people search npm with');
  if (!pkg.exports?.['.']) problems.push('exports: no "." entry; the public surface is lib/index.ts (docs/api.md)');
  if (!pkg.license) problems.push('license: not set');
  return problems;
}

function main() {
  const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8'));
  const problems = publishProblems(pkg);
  if (problems.length === 0) return 0;
  const dry = process.env.npm_config_dry_run === 'true';
  const head = dry
    ? `publish-check: a real npm publish of ${pkg.name} would stop here:`
    : `publish-check: ${pkg.name} is not ready to publish:`;
  process.stderr.write([head, ...problems.map((p) => `  ${p}`), ''].join('\n'));
  return dry ? 0 : 1;
}

if (require.main === module) process.exitCode = main();

module.exports = { publishProblems };
