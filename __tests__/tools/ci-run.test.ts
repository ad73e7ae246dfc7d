/**
 * `.ci/run` runs what the README, CONTRIBUTING.md and docs/flavors.md say CI runs: the consumer check, the cdktn
 * flavor, the cdktf flavor under Node 22 (the baseline) and the Node 24 checks, with `npm test` last; and the package
 * scripts those depend on exist. A generated flavor has no .ci/: it reads the source tree's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const sourceRoot: string = pkg.ghesEmail?.sourceRoot ?? ROOT;
const source = JSON.parse(readFileSync(join(sourceRoot, 'package.json'), 'utf8'));
const ci = readFileSync(join(sourceRoot, '.ci', 'run'), 'utf8');
/** The npm commands .ci/run runs, in order: `npm ci` → 'ci', `npm run test:x` → 'test:x', `npm test` → 'test'. */
const npmSteps = [...ci.matchAll(/^npm (?:run )?(\S+)/gm)].map((m) => m[1]);

test('CI runs the consumer check, the cdktn flavor, Node 22 and Node 24, each an npm script, and npm test last', () => {
  expect(npmSteps).toEqual(expect.arrayContaining(['ci', 'test:consumer', 'test:cdktn', 'test:node22', 'test:node24']));
  expect(npmSteps.at(-1)).toBe('test');
  for (const step of npmSteps.filter((s) => s.startsWith('test:'))) expect(source.scripts[step]).toMatch(/^\S/);
});

test('a git dependency gets dist/ built (prepare), and a pack starts from an empty dist/ (prepack, then prepare)', () => {
  expect(source.scripts.prepare).toBe('npm run build');
  expect(source.scripts.prepack).toMatch(/rmSync\('dist'/);
  // prepack runs before prepare on pack and publish: a build in prepack would be done twice.
  expect(source.scripts.prepack).not.toMatch(/build/);
});
