/** The provider's package root loads ~2,200 modules (seconds, hundreds of MB): shipped code imports by deep path only. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) ? [path] : [];
  });
}

test('lib/ and main.ts never import @cdktf/provider-aws from its root', () => {
  const offenders = [join(root, 'main.ts'), ...sources(join(root, 'lib'))]
    .filter((file) => /from ['"]@cdktf\/provider-aws['"]|require\(['"]@cdktf\/provider-aws['"]\)/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(root, file));
  expect(offenders).toEqual([]);
});

test('the guard sees a root import when there is one', () => {
  const pkg = ['@cdktf', 'provider-aws'].join('/'); // not written out, so repository greps for root imports stay quiet
  expect(/from ['"]@cdktf\/provider-aws['"]/.test(`import { Instance } from '${pkg}';`)).toBe(true);
  expect(/from ['"]@cdktf\/provider-aws['"]/.test(`import { Instance } from '${pkg}/lib/instance';`)).toBe(false);
});
