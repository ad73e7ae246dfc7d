/** The provider's package root loads ~2,200 modules (seconds, hundreds of MB): shipped code imports by deep path only. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');
/** The provider package of this flavor (@cdktf/provider-aws, or @cdktn/provider-aws in the cdktn flavor). */
const provider = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).peerDependencies).find((d) => d.endsWith('/provider-aws'))!;
const quoted = provider.replace(/[/]/g, '\\/');
const ROOT_IMPORT = new RegExp(`from ['"]${quoted}['"]|require\\(['"]${quoted}['"]\\)`);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) ? [path] : [];
  });
}

test('lib/ and main.ts never import the provider package from its root', () => {
  expect(provider).toMatch(/^@cdkt[fn]\/provider-aws$/);
  const offenders = [join(root, 'main.ts'), ...sources(join(root, 'lib'))]
    .filter((file) => ROOT_IMPORT.test(readFileSync(file, 'utf8')))
    .map((file) => relative(root, file));
  expect(offenders).toEqual([]);
});

test('the guard sees a root import when there is one', () => {
  expect(ROOT_IMPORT.test(`import { Instance } from '${provider}';`)).toBe(true);
  expect(ROOT_IMPORT.test(`const aws = require('${provider}');`)).toBe(true);
  expect(ROOT_IMPORT.test(`import { Instance } from '${provider}/lib/instance';`)).toBe(false);
});
