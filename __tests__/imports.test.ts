/**
 * The provider's package root loads ~2,200 modules (seconds, hundreds of MB): shipped code imports by deep path only.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');
/** The provider package of this flavor (@cdktf/provider-aws, or @cdktn/provider-aws in the cdktn flavor). */
const provider = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).peerDependencies).find((d) =>
  d.endsWith('/provider-aws'),
)!;
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

/**
 * The imports a module runs when it loads: `import … from` and `export … from` at the top of the
 * file, except `import type` / `export type` (erased). A specifier list of types only must say so
 * with `import type`, or it is counted: the check does not guess what a compiler would erase.
 */
function runtimeImports(source: string): string[] {
  const found: string[] = [];
  const statement = /^(?:import|export)\s+(?!type\s)(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (let m = statement.exec(source); m !== null; m = statement.exec(source)) found.push(m[1]);
  return found;
}

/** Every module the CLI loads at start, following relative imports from lib/cli/main.ts, and the packages they load. */
function cliLoads(): { files: string[]; packages: Map<string, string> } {
  const files: string[] = [];
  const packages = new Map<string, string>();
  const pending = [join(root, 'lib', 'cli', 'main.ts')];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    for (const spec of runtimeImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const base = join(file, '..', spec);
        pending.push(
          [`${base}.ts`, join(base, 'index.ts')].find((f) => {
            try {
              return statSync(f).isFile();
            } catch {
              return false;
            }
          })!,
        );
      } else if (!packages.has(spec)) packages.set(spec, relative(root, file));
    }
  }
  return { files, packages };
}

test('the CLI loads no construct code: not the cdktf root, not constructs, not a provider class', () => {
  // `ghes-email --version` took 0.26 s (0.31 s CPU) when the CLI's config checks loaded the constructs.
  const { packages } = cliLoads();
  const heavy = [...packages].filter(
    ([spec]) =>
      spec === 'cdktf' || spec === 'cdktn' || spec === 'constructs' || /^@cdkt[fn]\/provider-aws(\/|$)/.test(spec),
  );
  expect(heavy.map(([spec, by]) => `${spec} (from ${by})`)).toEqual([]);
});

test('the import scanner sees what a module loads and skips what is erased', () => {
  const src = [
    "import { A } from 'pkg-a';",
    "import type { B } from 'pkg-b';",
    "export { C } from './c';",
    "export type { D } from './d';",
    "import 'side-effect';",
    "import {\n  E,\n  F,\n} from '@scope/pkg-e/lib/e';",
    "const lazy = () => import('late');",
  ].join('\n');
  expect(runtimeImports(src)).toEqual(['pkg-a', './c', 'side-effect', '@scope/pkg-e/lib/e']);
});

/**
 * Folders of lib/, lowest first: a folder imports only from itself and from folders before it, so a
 * reader can learn the tree bottom-up and nothing low depends on something high. The CLI sits on top.
 */
const LAYERS = [
  'core',
  'records',
  'inbound',
  'smtp',
  'boot',
  'appliance',
  'sender-auth',
  'monitoring',
  'ghes-email',
  'config',
  'cli',
];

/** Every relative import of a file, types included (a type import is a dependency a reader follows too). */
function relativeImports(file: string): string[] {
  const found: string[] = [];
  const statement = /^(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.[^'"]*)['"]/gm;
  const source = readFileSync(file, 'utf8');
  for (let m = statement.exec(source); m !== null; m = statement.exec(source)) {
    const base = join(file, '..', m[1]);
    found.push([`${base}.ts`, join(base, 'index.ts')].find((f) => statSync(f, { throwIfNoEntry: false })?.isFile())!);
  }
  return found;
}

/** The layer folder of a file under lib/ ('cli' for everything below lib/cli), or undefined for lib/index.ts. */
function layerOf(file: string): string | undefined {
  const parts = relative(join(root, 'lib'), file).split('/');
  return parts.length > 1 ? parts[0] : undefined;
}

/** Imports that reach a higher layer, or lib/index.ts, from inside lib/: `imports` maps a file to what it imports. */
function layerViolations(imports: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [file, targets] of imports) {
    const from = layerOf(file);
    if (from === undefined) continue;
    for (const target of targets) {
      const to = layerOf(target);
      const ok = to !== undefined && LAYERS.indexOf(to) <= LAYERS.indexOf(from);
      if (!ok) out.push(`${relative(root, file)} (${from}) imports ${relative(root, target)} (${to ?? 'index'})`);
    }
  }
  return out;
}

test('every folder of lib/ is a known layer, and imports only from its own layer or those below it', () => {
  const files = sources(join(root, 'lib'));
  const folders = [...new Set(files.map(layerOf).filter((f) => f !== undefined))].sort();
  expect(folders).toEqual([...LAYERS].sort());
  expect(layerViolations(new Map(files.map((f) => [f, relativeImports(f)])))).toEqual([]);
});

test('lib/ has no import cycles', () => {
  const files = sources(join(root, 'lib'));
  const edges = new Map(files.map((f) => [f, relativeImports(f)]));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(root, f)).join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  expect(cycles).toEqual([]);
});

test('the layer check sees an import from a higher layer, and from the package surface', () => {
  const lib = join(root, 'lib');
  const imports = new Map([
    [join(lib, 'core', 'problems.ts'), [join(lib, 'ghes-email', 'ghes-email.ts')]],
    [join(lib, 'smtp', 'ses-relay.ts'), [join(lib, 'index.ts'), join(lib, 'core', 'value-rules.ts')]],
  ]);
  expect(layerViolations(imports)).toEqual([
    'lib/core/problems.ts (core) imports lib/ghes-email/ghes-email.ts (ghes-email)',
    'lib/smtp/ses-relay.ts (smtp) imports lib/index.ts (index)',
  ]);
});
