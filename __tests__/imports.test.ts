/** The provider's package root loads ~2,200 modules (seconds, hundreds of MB): shipped code imports by deep path only. */
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
