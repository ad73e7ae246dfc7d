#!/usr/bin/env node
/**
 * One source tree, one package per CDK engine. `node tools/flavor.js cdktn [outDir]`
 * writes the CDK Terrain (cdktn) flavor of this repository to build/cdktn: the same
 * files, with module specifiers, package metadata, the README and the docs' TypeScript mapped, nothing else. cdktn is
 * the maintained fork of cdktf (archived in Dec 2025); it needs Node >= 22.
 * Tested by __tests__/tools/flavor.test.ts; used by tools/test-flavor.js.
 */
'use strict';
const {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} = require('node:fs');
const { extname, join, relative } = require('node:path');

const ROOT = join(__dirname, '..');

const FLAVORS = {
  cdktn: {
    packageName: 'ghes-email-cdktn',
    description: ' Built for CDK Terrain (cdktn), the maintained fork of cdktf.',
    /** Package roots, mapped with their subpaths ('cdktf/lib/x' → 'cdktn/lib/x'). */
    specifiers: { cdktf: 'cdktn', '@cdktf/provider-aws': '@cdktn/provider-aws', 'ghes-email': 'ghes-email-cdktn' },
    // cdktn 0.24 and @cdktn/provider-aws 25.x (= hashicorp/aws 6.66) want constructs >=10.6 <10.8.
    peerDependencies: { cdktn: '^0.24.0', constructs: '>=10.6.0 <10.8.0', '@cdktn/provider-aws': '^25.0.0' },
    devDependencies: { cdktn: '0.24.0', 'cdktn-cli': '0.24.0', constructs: '10.7.2', '@cdktn/provider-aws': '25.7.0' },
    dropDevDependencies: ['cdktf', '@cdktf/provider-aws', 'cdktf-cli'],
    engines: { node: '>=22.19.0' },
    cli: 'cdktn',
    keywords: { cdktf: 'cdktn' },
    readme: require('./flavor-readme-cdktn'),
  },
};

/** What a flavor is made of: everything the package, its tests, its bench and its CI check need. */
const PARTS = [
  'main.ts',
  'lib',
  '__tests__',
  'tools',
  'bench',
  'consumer',
  'examples',
  'docs',
  'README.md',
  'CHANGELOG.md',
  'CONTRIBUTING.md',
  'LICENSE',
  'jest.config.js',
  'jest.consumer.config.js',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.typecheck.json',
  'cdktf.json',
  '.gitignore',
  // Lockfiles (snapshots stay in the source tree): a flavor can generate itself again, as its flavor test does.
  'flavors',
];
const CODE = new Set(['.ts', '.js', '.mjs', '.cjs']);

/** A module specifier in the given flavor: a mapped package root keeps its subpath. */
function mapSpecifier(spec, flavor) {
  for (const [from, to] of Object.entries(flavor.specifiers)) {
    if (spec === from || spec.startsWith(`${from}/`)) return to + spec.slice(from.length);
  }
  return spec;
}

/**
 * Maps the specifiers of import/export-from, side-effect imports, require(), import()
 * and jest.mock(); other strings are left alone. Linear: no nested quantifiers.
 */
const SPECIFIER =
  /(\bfrom\s+|\bimport\s+|\brequire\s*\(\s*|\bimport\s*\(\s*|\bjest\.mock\s*\(\s*)(['"])([^'"\r\n]*)\2/g;
function mapSource(text, flavor) {
  return text.replace(SPECIFIER, (_m, lead, quote, spec) => `${lead}${quote}${mapSpecifier(spec, flavor)}${quote}`);
}

function mapPackageJson(pkg, name, flavor) {
  const out = { ...pkg, name: flavor.packageName, description: `${pkg.description}${flavor.description}` };
  if (pkg.keywords) out.keywords = pkg.keywords.map((k) => flavor.keywords[k] ?? k);
  out.peerDependencies = flavor.peerDependencies;
  const dev = { ...pkg.devDependencies };
  for (const d of flavor.dropDevDependencies) delete dev[d];
  out.devDependencies = Object.fromEntries(
    Object.entries({ ...dev, ...flavor.devDependencies }).sort(([a], [b]) => a.localeCompare(b)),
  );
  out.engines = flavor.engines;
  out.scripts = Object.fromEntries(
    Object.entries(pkg.scripts).map(([k, v]) => [k, v.replace(/\bcdktf synth\b/g, `${flavor.cli} synth`)]),
  );
  // sourceRoot: where tools/snapshot-resolver.js keeps this flavor's snapshots (flavors/<name>/__snapshots__).
  out.ghesEmail = { ...(pkg.ghesEmail ?? {}), flavor: name, cli: flavor.cli, sourceRoot: ROOT };
  return out;
}

/** A rule's text as a pattern: literal, except that any run of whitespace matches any other (line wraps move). */
const loosely = (text) =>
  new RegExp(
    text
      .trim()
      .split(/\s+/)
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\s+'),
    'g',
  );

/**
 * The flavor's README (its package's front page) from this tree's: flavor.readme.rules rewrite the sentences that
 * name the engine, the Node requirement or the way to install (each must still match, or generation fails, naming
 * it); then the install specs, the import specifiers (mapSource), the tarball name and every remaining word `cdktf`
 * are mapped. What a rule wrote, and cdktf.json / cdktf.out (cdktn keeps those names), is left as it is.
 */
function mapReadme(text, flavor) {
  const kept = [];
  const keep = (s) => `\u0000${kept.push(s) - 1}\u0000`;
  let out = text;
  for (const [from, to] of flavor.readme.rules) {
    const next = out.replace(loosely(from), () => keep(to));
    if (next === out) {
      throw new Error(
        `README.md: no longer contains ${JSON.stringify(from)}, which the ${flavor.packageName} README rewrites (${flavor.readme.source}); update the rule with the README`,
      );
    }
    out = next;
  }
  out = out.replace(/\bcdktf\.(json|out)\b|\[cdktf or cdktn\]/g, keep);
  for (const [from, to] of Object.entries(flavor.readme.installSpecs)) {
    const spec = new RegExp(`(?<![\\w@/'-])${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w.])`, 'g');
    if (out.search(spec) === -1) {
      throw new Error(`README.md: no longer contains the install spec ${from} (${flavor.readme.source} installSpecs)`);
    }
    out = out.replace(spec, () => keep(to));
  }
  out = mapSource(out, flavor)
    .replace(/\bghes-email-(\d+\.\d+\.\d+[\w.-]*\.tgz)/g, `${flavor.packageName}-$1`)
    .replace(/\bcdktf\b/g, flavor.cli);
  return out.replace(/\u0000(\d+)\u0000/g, (_m, i) => kept[Number(i)]);
}

/**
 * A page of docs/ in a flavor: under its title, a note that the page is written for the cdktf package and what to
 * write instead, and the import specifiers of its TypeScript blocks mapped (mapSource). Only pages that name cdktf
 * get the note; docs/flavors.md, which is about both packages, and the prose are left as they are.
 */
function mapDoc(text, flavor) {
  if (!/\bcdktf\b/.test(text)) return text;
  const note =
    `> **${flavor.packageName}:** this page is written for the cdktf package \`ghes-email\`. With this package, ` +
    `import from \`${flavor.packageName}\`, \`${flavor.specifiers.cdktf}\` and ` +
    `\`${flavor.specifiers['@cdktf/provider-aws']}\` (as its TypeScript does) and run \`npx ${flavor.cli}\` where ` +
    `it says \`npx cdktf\`; [Flavors](flavors.md) has the install line and the Node versions.`;
  const lines = text.split('\n');
  const title = lines.findIndex((l) => l.startsWith('# '));
  lines.splice(title + 1, 0, '', note);
  return lines.join('\n').replace(/^```(ts|typescript)\n[\s\S]*?^```$/gm, (block) => mapSource(block, flavor));
}

function copyTree(from, to, flavor) {
  const s = statSync(from);
  if (s.isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from)) {
      // Snapshots are per flavor (tools/snapshot-resolver.js), dependencies are installed anew.
      if (entry === 'node_modules' || entry === '__snapshots__') continue;
      copyTree(join(from, entry), join(to, entry), flavor);
    }
    return;
  }
  if (CODE.has(extname(from))) writeFileSync(to, mapSource(readFileSync(from, 'utf8'), flavor));
  else cpSync(from, to);
}

/** Writes the flavor to outDir (emptied first); returns the mapped package.json. */
function generate(name, outDir) {
  const flavor = FLAVORS[name];
  if (!flavor) throw new Error(`unknown flavor ${JSON.stringify(name)}; known: ${Object.keys(FLAVORS).join(', ')}`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const part of PARTS) if (existsSync(join(ROOT, part))) copyTree(join(ROOT, part), join(outDir, part), flavor);
  const source = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const pkg = mapPackageJson(source, name, flavor);
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  // The package's own README; a flavor generating itself again already has it.
  if (source.ghesEmail?.flavor !== name) {
    writeFileSync(join(outDir, 'README.md'), mapReadme(readFileSync(join(ROOT, 'README.md'), 'utf8'), flavor));
  }
  // Its docs, mapped once: a flavor generating itself again already has them.
  if (source.ghesEmail?.flavor !== name) {
    for (const page of readdirSync(join(outDir, 'docs')).filter((f) => f.endsWith('.md') && f !== 'flavors.md')) {
      const path = join(outDir, 'docs', page);
      writeFileSync(path, mapDoc(readFileSync(path, 'utf8'), flavor));
    }
  }
  // The flavor's own lockfile, committed in flavors/<name>/, so its `npm ci` is reproducible.
  const lock = join(ROOT, 'flavors', name, 'package-lock.json');
  if (existsSync(lock)) cpSync(lock, join(outDir, 'package-lock.json'));
  return pkg;
}

module.exports = { FLAVORS, PARTS, generate, mapDoc, mapPackageJson, mapReadme, mapSource, mapSpecifier };

if (require.main === module) {
  const [name = 'cdktn', out] = process.argv.slice(2);
  const outDir = out ?? join(ROOT, 'build', name);
  generate(name, outDir);
  process.stdout.write(`${relative(process.cwd(), outDir) || '.'}: ${name} flavor written\n`);
}
