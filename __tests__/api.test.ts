/**
 * The public surface is what lib/index.ts names, and docs/api.md lists exactly that: a name added to
 * one and not the other fails here. The consumer check holds the installed package to the same list.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentedApi, exportedNames } from './support/api';

const root = join(__dirname, '..');
const index = readFileSync(join(root, 'lib', 'index.ts'), 'utf8');
const doc = readFileSync(join(root, 'docs', 'api.md'), 'utf8');

test('lib/index.ts names every export: no export *', () => {
  expect(index).not.toMatch(/^export \*/m);
});

test('docs/api.md lists exactly what lib/index.ts exports, values and types apart', () => {
  const exported = exportedNames(index);
  const documented = documentedApi(doc);
  expect(documented.values).toEqual(exported.values);
  expect(documented.types).toEqual(exported.types);
});

test('at run time the package exports exactly the documented values', () => {
  const lib = require('../lib') as Record<string, unknown>;
  expect(Object.keys(lib).sort()).toEqual(documentedApi(doc).values);
});

test('the readers see a missing or extra name', () => {
  const src = "export { A, b } from './a';\nexport type {\n  C,\n  D,\n} from './c';\n";
  expect(exportedNames(src)).toEqual({ values: ['A', 'b'], types: ['C', 'D'] });
  const md = '## Values\n\n| name | kind |\n| --- | --- |\n| `A` | class |\n\n## Types\n\n| name |\n| --- |\n| `C` |\n';
  expect(documentedApi(md)).toEqual({ values: ['A'], types: ['C'] });
});
