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
  mapReadme: (text: string, flavor: Json) => string;
  mapDoc: (text: string, flavor: Json) => string;
}
const { FLAVORS, generate, mapDoc, mapPackageJson, mapReadme, mapSource } = require('../../tools/flavor') as FlavorTool;
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

describe("the flavor's README (its package's front page)", () => {
  // The source tree's README: inside a generated flavor, ROOT holds the flavor's README, already mapped.
  const sourceRoot: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).ghesEmail?.sourceRoot ?? ROOT;
  const source = readFileSync(join(sourceRoot, 'README.md'), 'utf8');
  const readme = mapReadme(source, cdktn);
  // Package names in quotes, built from pieces: tools/flavor.js maps specifiers in this file too when it generates.
  const quoted = (name: string) => `'${name}'`;
  const installLines = (text: string) => text.split('\n').filter((l) => /^npm install\s/.test(l));

  test("imports from 'ghes-email-cdktn', 'cdktn' and '@cdktn/provider-aws', never their cdktf names", () => {
    expect(source).toContain(`from ${quoted('ghes-email')}`);
    for (const name of ['ghes-email', 'cdktf', '@cdktf/provider-aws/lib/provider'])
      expect(readme).not.toContain(`from ${quoted(name)}`);
    for (const name of ['ghes-email-cdktn', 'cdktn', '@cdktn/provider-aws/lib/provider'])
      expect(readme).toContain(`from ${quoted(name)}`);
  });

  test('installs ghes-email-cdktn from its tarball, with the cdktn peers and cdktn-cli; no git dependency', () => {
    const lines = installLines(readme);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toMatch(/\sghes-email(\s|$)|ghes-email-\d|git\+|cdktf/);
    }
    expect(lines).toContainEqual(expect.stringMatching(/\/ghes-email-cdktn-\d+\.\d+\.\d+\.tgz /));
    const tarballLine = lines.find((l) => l.includes('.tgz'))!;
    for (const spec of ['cdktn@0.24', 'cdktn-cli@0.24', "'constructs@>=10.6 <10.8'", '@cdktn/provider-aws@25'])
      expect(tarballLine).toContain(` ${spec}`);
    expect(readme).toContain('node tools/flavor.js cdktn');
  });

  test('names the cdktn commands and Node >= 22.19, not Node 20', () => {
    expect(readme).toMatch(/npx cdktn synth/);
    expect(readme).toMatch(/npx cdktn deploy/);
    expect(readme).not.toMatch(/\bcdktf (synth|deploy|diff|destroy)\b/);
    expect(readme).not.toMatch(/Node 20/);
    expect(readme).toMatch(/\*\*Node 22\*\* \(≥ 22\.19\)/);
  });

  test('mentions cdktf only where it means cdktf (its file names, and the flavor that is not this one)', () => {
    const rest = readme
      .replace(/\bcdktf\.(json|out)\b/g, '')
      .replace(/\[cdktf or cdktn\]/g, '')
      .replace(/the maintained fork of CDK for Terraform \(cdktf\)/g, '')
      .replace(/for cdktf, install `ghes-email`/g, '');
    expect(rest.match(/.{0,40}\bcdktf\b.{0,40}/g) ?? []).toEqual([]);
  });

  test('a README that no longer has the text a rule maps fails generation, naming the rule', () => {
    expect(() => mapReadme('# ghes-email\n', cdktn)).toThrow(/README\.md: .*no longer contains/);
  });

  test('a generated tree has this README, and a flavor generating itself keeps it', () => {
    const out = mkdtempSync(join(tmpdir(), 'ghes-email-flavor-readme-'));
    try {
      generate('cdktn', out);
      expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe(readme);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

test('keywords: the cdktf one becomes cdktn, the rest stay', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const out = mapPackageJson(pkg, 'cdktn', cdktn);
  expect(pkg.keywords).toEqual(expect.arrayContaining(['terraform', 'github-enterprise-server']));
  expect(out.keywords).toContain('cdktn');
  expect(out.keywords).not.toContain('cdktf');
  expect(out.keywords.filter((k: string) => !/cdk/.test(k))).toEqual(
    pkg.keywords.filter((k: string) => !/cdk/.test(k)),
  );
});

describe("the flavor's docs (shipped in its package)", () => {
  const sourceRoot: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).ghesEmail?.sourceRoot ?? ROOT;
  const doc = (root: string, page: string) => readFileSync(join(root, 'docs', page), 'utf8');
  // Specifiers built from pieces: tools/flavor.js maps the quoted ones in this file when it generates a flavor.
  const from = (name: string) => `from '${name}'`;
  const NOTE = '> **ghes-email-cdktn:** this page is written for the cdktf package';

  test('a page that names cdktf gets the note once under its title, its TypeScript mapped; the others are as they are', () => {
    const out = mkdtempSync(join(tmpdir(), 'ghes-email-flavor-docs-'));
    try {
      generate('cdktn', out);
      const constructs = doc(out, 'constructs.md');
      expect(constructs.split('\n').slice(0, 3)).toEqual([
        doc(sourceRoot, 'constructs.md').split('\n')[0],
        '',
        expect.stringContaining(NOTE),
      ]);
      expect(constructs.split(NOTE)).toHaveLength(2);
      expect(constructs).toContain(from('ghes-email' + '-cdktn'));
      for (const cdktf of ['ghes-email', 'cdk' + 'tf', '@cdk' + 'tf/provider-aws/lib/provider'])
        expect(constructs).not.toContain(from(cdktf));
      // About both packages, or not about cdktf at all: byte for byte.
      for (const page of ['flavors.md', 'boot-script.md']) expect(doc(out, page)).toBe(doc(sourceRoot, page));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('only TypeScript blocks are mapped: a shell block and the prose keep their cdktf words', () => {
    const page = [
      '# Page',
      'Run `npx cdktf synth`.',
      '```sh',
      'npm install cdk' + 'tf@0.21',
      '```',
      '```ts',
      `import { App } ${from('cdk' + 'tf')};`,
      '```',
      '',
    ].join('\n');
    expect(mapDoc(page, cdktn).split('\n')).toEqual([
      '# Page',
      '',
      expect.stringContaining(NOTE),
      'Run `npx cdktf synth`.',
      '```sh',
      'npm install cdk' + 'tf@0.21',
      '```',
      '```ts',
      `import { App } ${from('cdktn')};`,
      '```',
      '',
    ]);
    expect(mapDoc('# Page\nNo engine named.\n', cdktn)).toBe('# Page\nNo engine named.\n');
  });
});
