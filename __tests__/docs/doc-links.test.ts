/**
 * The Markdown we write links only to what exists: every relative link in README.md, CONTRIBUTING.md,
 * CHANGELOG.md (when there is one) and docs/*.md resolves to a file or directory of this repository,
 * relative to the file that holds it, and a `#fragment` names a heading of the target (GitHub's slugs).
 * Links to files the npm package does not ship (CONTRIBUTING.md, examples/, sources) resolve on GitHub,
 * not in an unpacked tarball; the check asks for existence in the repository, nothing more.
 *
 * Paths written as code (`lib/boot/ghes-email-boot.sh`) are root-relative by convention and not links;
 * they are checked to exist too, since a move of a source file leaves them stale as silently.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { tempDir } from '../support/temp-dir';

/**
 * The source tree. A generated flavor (tools/flavor.js) copies the Markdown but not all it links to (.ci/, the
 * lint configs), and names the tree it came from in package.json; the docs are checked there, where they are written.
 */
const packageJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  ghesEmail?: { sourceRoot?: string };
};
const root = packageJson.ghesEmail?.sourceRoot ?? join(__dirname, '..', '..');

/** A file, or a directory with a file somewhere below it (git keeps no empty directory; a move can leave one). */
function existsInRepo(path: string): boolean {
  if (!existsSync(path)) return false;
  if (!statSync(path).isDirectory()) return true;
  return readdirSync(path, { recursive: true, encoding: 'utf8' }).some((f) => !statSync(join(path, f)).isDirectory());
}

/** The Markdown files under test, relative to the repository root. */
function markdownFiles(): string[] {
  const top = ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md'].filter((f) => existsSync(join(root, f)));
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return [...top, ...docs];
}

/** The text with every line of its fenced code blocks blanked (line numbers keep their place). */
function withoutFences(text: string): string {
  let fence: string | undefined;
  return text
    .split('\n')
    .map((line) => {
      const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence === undefined && marker !== undefined) {
        fence = marker;
        return '';
      }
      if (fence !== undefined) {
        if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
        return '';
      }
      return line;
    })
    .join('\n');
}

const CODE_SPAN = /(`+)([\s\S]*?[^`])\1(?!`)/g;

/**
 * The text as prose: fenced code blocks blanked, code spans blanked to spaces of the same length (so
 * `[x](y)` in code is not a link, and line numbers and link texts keep their place).
 */
function prose(text: string): string {
  return withoutFences(text).replace(CODE_SPAN, (span) => span.replace(/[^\n]/g, ' '));
}

/** The code spans outside fenced blocks: their text and line. */
function codeSpans(text: string): { line: number; code: string }[] {
  const t = withoutFences(text);
  return [...t.matchAll(CODE_SPAN)].map((m) => ({ line: lineAt(t, m.index), code: m[2].trim() }));
}

function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/**
 * GitHub's anchor for a heading (github-slugger): the heading's text without Markdown syntax, lower-cased,
 * every character that is not a letter, mark, number, connector (`_`), space or `-` dropped, spaces to `-`.
 */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors of a Markdown text's ATX headings, a repeated one suffixed -1, -2… as GitHub does. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const line of withoutFences(text).split('\n')) {
    const m = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  }
  return found;
}

/** Every link target of the text, inline (`[text](target "title")`, images too) and reference definitions. */
function linkTargets(text: string): { line: number; target: string }[] {
  const p = prose(text);
  const targets: { line: number; target: string }[] = [];
  const inline = /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*(<[^>\n]*>|[^\s()]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
  const definition = /^ {0,3}\[[^\]]+\]:\s*(<[^>\n]*>|\S+)/gm;
  for (const re of [inline, definition])
    for (const m of p.matchAll(re)) targets.push({ line: lineAt(p, m.index), target: m[1].replace(/^<|>$/g, '') });
  return targets.sort((a, b) => a.line - b.line);
}

/** Absolute URLs (http:, https:, mailto:, any scheme) and protocol-relative ones are not ours to check. */
function isRelative(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('//');
}

/**
 * The broken relative links of `text`, which lives at `file` (relative to the repository root): a
 * target that is not a file or directory of the repository, or a fragment that names no heading of the
 * Markdown file it points at. One line each: `file:line: target: what is wrong`.
 */
function brokenLinks(file: string, text: string): string[] {
  const problems: string[] = [];
  for (const { line, target } of linkTargets(text)) {
    if (!isRelative(target)) continue;
    const at = `${file}:${line}: ${target}`;
    const hash = target.indexOf('#');
    const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const fragment = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const resolved = pathPart === '' ? join(root, file) : resolve(root, dirname(file), pathPart);
    const inRepo = relative(root, resolved);
    if (inRepo.startsWith(`..${sep}`) || inRepo === '..') {
      problems.push(`${at}: outside the repository`);
      continue;
    }
    if (pathPart !== '' && !existsInRepo(resolved)) {
      problems.push(`${at}: no such file or directory (${inRepo})`);
      continue;
    }
    if (fragment === undefined) continue;
    if (pathPart !== '' && (!resolved.endsWith('.md') || statSync(resolved).isDirectory())) continue;
    const headings = anchors(pathPart === '' ? text : readFileSync(resolved, 'utf8'));
    if (!headings.has(fragment)) problems.push(`${at}: no heading with the anchor #${fragment} in ${inRepo}`);
  }
  return problems;
}

/** Code spans that name a path of the repository (`lib/…`, `__tests__/…`, …) that does not exist. */
function missingCodePaths(file: string, text: string): string[] {
  const repoPath = /^(?:lib|__tests__|tools|bench|consumer|examples|docs|flavors|\.ci)\/[\w.@/-]*$/;
  return codeSpans(text)
    .filter(({ code }) => repoPath.test(code) && !existsInRepo(join(root, code)))
    .map(({ line, code }) => `${file}:${line}: ${code}: no such file or directory`);
}

const files = markdownFiles();
const read = (file: string) => readFileSync(join(root, file), 'utf8');

test('every relative link in the README, CONTRIBUTING.md, CHANGELOG.md and docs/*.md resolves', () => {
  expect(files).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'docs/doctor.md', 'docs/config.md']));
  const checked = files.flatMap((f) => linkTargets(read(f)).filter(({ target }) => isRelative(target)));
  expect(checked.length).toBeGreaterThan(50);
  expect(files.flatMap((f) => brokenLinks(f, read(f)))).toEqual([]);
});

test('every repository path written as code in them exists', () => {
  expect(files.flatMap((f) => missingCodePaths(f, read(f)))).toEqual([]);
});

test('README.md has at most 250 lines', () => {
  const text = read('README.md');
  const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
  expect(lines).toBeLessThanOrEqual(250);
});

test('README.md links every doc and CONTRIBUTING.md', () => {
  const linked = new Set(linkTargets(read('README.md')).map(({ target }) => target.replace(/#.*$/, '')));
  const expected = [...files.filter((f) => f.startsWith('docs/')), 'CONTRIBUTING.md'];
  expect(expected.filter((f) => !linked.has(f))).toEqual([]);
});

describe('the checker', () => {
  const doc = [
    '# A title',
    '',
    '## Troubleshooting: `ghes-email doctor`',
    '',
    'Fine: [config](config.md), [its DNS records](config.md#dns-records), [here](#a-title), [doctor](#troubleshooting-ghes-email-doctor),',
    '[GitHub](https://github.com), [mail](mailto:someone@example.com), [up](../README.md#the-two-commands).',
    'Broken: [gone](no-such-file.md) and [bad anchor](config.md#no-such-heading), [self](#nowhere),',
    '[too far](../../outside.md), ![picture](missing.png "a title")',
    '',
    '[ref]: ./also-missing.md',
    '',
    'In code, not links: `[x](nowhere.md)` and `lib/no/such/file.ts`; `lib/boot/ghes-email-boot.sh` exists.',
    '',
    '```md',
    '[fenced](fenced-missing.md)',
    '# not a heading',
    '```',
  ].join('\n');

  test('reports a link to a missing file, a missing heading and a path outside the repository', () => {
    expect(brokenLinks('docs/fake.md', doc)).toEqual([
      'docs/fake.md:7: no-such-file.md: no such file or directory (docs/no-such-file.md)',
      'docs/fake.md:7: config.md#no-such-heading: no heading with the anchor #no-such-heading in docs/config.md',
      'docs/fake.md:7: #nowhere: no heading with the anchor #nowhere in docs/fake.md',
      'docs/fake.md:8: ../../outside.md: outside the repository',
      'docs/fake.md:8: missing.png: no such file or directory (docs/missing.png)',
      'docs/fake.md:10: ./also-missing.md: no such file or directory (docs/also-missing.md)',
    ]);
  });

  test('reports a repository path in code that does not exist', () => {
    expect(missingCodePaths('docs/fake.md', doc)).toEqual([
      'docs/fake.md:12: lib/no/such/file.ts: no such file or directory',
    ]);
  });

  test('takes an empty directory for a missing one, as git does', () => {
    const dir = join(tempDir('ghes-email-doc-links-'), 'moved-away');
    mkdirSync(join(dir, 'empty'), { recursive: true });
    expect(existsInRepo(dir)).toBe(false);
    writeFileSync(join(dir, 'empty', 'file.md'), '');
    expect(existsInRepo(dir)).toBe(true);
    expect(existsInRepo(join(dir, 'nothing.md'))).toBe(false);
  });

  test("makes GitHub's anchors, numbering repeated headings", () => {
    expect(slug('Troubleshooting: `ghes-email doctor`')).toBe('troubleshooting-ghes-email-doctor');
    expect(slug('Sender authentication (SPF, DMARC)')).toBe('sender-authentication-spf-dmarc');
    expect(slug('cdktf or cdktn: two flavors from one source')).toBe('cdktf-or-cdktn-two-flavors-from-one-source');
    expect(slug('Port-25 monitoring')).toBe('port-25-monitoring');
    expect(slug('Changing settings later: `ghes-email apply`')).toBe('changing-settings-later-ghes-email-apply');
    expect([...anchors('# Tests\n## Tests\n### Tests\n```\n# Tests\n```\n')]).toEqual(['tests', 'tests-1', 'tests-2']);
  });
});
