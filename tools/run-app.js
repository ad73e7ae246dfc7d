#!/usr/bin/env node
/**
 * The app command `cdktf synth` runs (cdktf.json): main.ts without a tsc step.
 * Type checking stays in `npm test`; here esbuild only strips types.
 *
 * Two bundles under dist/app/, each run with a V8 code cache beside it:
 * - app.js: main.ts and lib/ (ours, small). Rebuilt when one of its inputs changed
 *   (mtime and size of every input esbuild reported last time).
 * - vendor.js: every package app.js imports (cdktf, constructs, the provider's deep
 *   classes, zod, ...), exported as one map. Rebuilt only when that list of imports or
 *   package-lock.json changes, so an edit never pays for compiling cdktf again.
 * Without a code cache, compiling cdktf's ~380 modules is most of a synth; with it, a
 * synth costs about what `require('cdktf')` alone does. `npm run bench` measures both.
 */
'use strict';
const {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} = require('node:fs');
const { basename, dirname, join, relative } = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

const ROOT = join(__dirname, '..');
// Below the root, like dist/lib: lib/boot/boot-script.ts looks for lib/boot/ in the folders above.
const OUT = join(ROOT, 'dist', 'app');
const APP = join(OUT, 'app.js');
const VENDOR = join(OUT, 'vendor.js');
const MANIFEST = join(OUT, 'manifest.json');

const fingerprint = (file) => {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
};

function readManifest() {
  try {
    return JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
}

/** True when app.js was built from exactly the inputs that are on disk now. */
function appFresh(manifest) {
  if (!manifest || !existsSync(APP) || !existsSync(VENDOR)) return false;
  return Object.entries(manifest.inputs).every(([file, print]) => fingerprint(join(ROOT, file)) === print);
}

/** Writes a file whole or not at all, and drops the code caches that belonged to the old one. */
function replace(file, text) {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
  const name = basename(file);
  for (const f of readdirSync(OUT))
    if (f.startsWith(`${name}.`) && f.endsWith('.v8cache')) rmSync(join(OUT, f), { force: true });
}

function build(previous) {
  const esbuild = require('esbuild');
  const started = process.hrtime.bigint();
  const app = esbuild.buildSync({
    entryPoints: [join(ROOT, 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    metafile: true,
    // Every package stays a require() that vendor.js answers; only our own files are bundled here.
    packages: 'external',
    logLevel: 'error',
  });
  const inputs = Object.keys(app.metafile.inputs);
  const externals = [
    ...new Set(
      Object.values(app.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path)),
    ),
  ]
    // Relative "externals" are TypeScript type-only imports, which esbuild drops from the output.
    .filter((id) => !id.startsWith('.') && !Module.isBuiltin(id))
    .sort();
  const lock = fingerprint(join(ROOT, 'package-lock.json'));
  mkdirSync(OUT, { recursive: true });
  const vendorKey = `${lock} ${externals.join(' ')}`;
  if (!previous || previous.vendorKey !== vendorKey || !existsSync(VENDOR)) {
    const entry = `module.exports = {\n${externals.map((id) => `  ${JSON.stringify(id)}: () => require(${JSON.stringify(id)}),`).join('\n')}\n};\n`;
    const vendor = esbuild.buildSync({
      stdin: { contents: entry, resolveDir: ROOT, loader: 'js', sourcefile: 'vendor-entry.js' },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      write: false,
      logLevel: 'error',
    });
    replace(VENDOR, vendor.outputFiles[0].text);
  }
  replace(APP, app.outputFiles[0].text);
  const manifest = { inputs: Object.fromEntries(inputs.map((f) => [f, fingerprint(join(ROOT, f))])), vendorKey };
  writeFileSync(MANIFEST, JSON.stringify(manifest));
  if (process.env.GHES_EMAIL_APP_VERBOSE) {
    process.stderr.write(
      `run-app: rebuilt in ${Number(process.hrtime.bigint() - started) / 1e6} ms (${relative(ROOT, OUT)})\n`,
    );
  }
}

/**
 * V8 rejects a code cache made under other flags, and the cdktf CLI runs the app with
 * NODE_OPTIONS=--max-old-space-size=4096: one cache per Node version and flag set, so a
 * synth through the CLI and a direct `node tools/run-app.js` do not keep evicting each other.
 */
const FLAVOR = require('node:crypto')
  .createHash('sha256')
  .update(JSON.stringify([process.version, process.execArgv, process.env.NODE_OPTIONS ?? '']))
  .digest('hex')
  .slice(0, 8);

/** Runs a CommonJS file through vm.Script with its V8 code cache; writes the cache after the first run. */
function load(file, requireFor) {
  const cacheFile = `${file}.${FLAVOR}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dirname(file));
  const req = requireFor(mod);
  if (!cachedData || script.cachedDataRejected) {
    // After the run, so the functions that ran are compiled into the cache too.
    process.once('exit', () => {
      try {
        writeFileSync(cacheFile, script.createCachedData());
      } catch {
        // A read-only checkout still synthesizes, only slower.
      }
    });
  }
  script.runInThisContext().call(mod.exports, mod.exports, req, mod, file, dirname(file));
  return mod.exports;
}

function plainRequire(mod) {
  const req = (id) => mod.require(id);
  req.resolve = (id) => Module._resolveFilename(id, mod);
  req.cache = Module._cache;
  return req;
}

const manifest = readManifest();
if (!appFresh(manifest)) build(manifest);
const vendor = load(VENDOR, plainRequire);
const cache = new Map();
load(APP, (mod) => {
  const req = (id) => {
    if (!(id in vendor)) return mod.require(id);
    if (!cache.has(id)) cache.set(id, vendor[id]());
    return cache.get(id);
  };
  req.resolve = (id) => Module._resolveFilename(id, mod);
  req.cache = Module._cache;
  return req;
});
