/**
 * `npm run test:consumer`: ghes-email as a user gets it. Packs this repository, installs the tarball
 * into a scratch cdktf app next to the app's own cdktf, constructs and AWS provider, then compiles and
 * synthesizes consumer/fixture/main.ts there. Not part of `npm test`: it installs packages (from the
 * npm cache our own `npm ci` warmed, ~10 s) and rebuilds dist/.
 */
import { existsSync, lstatSync, readFileSync, realpathSync, rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentedApi } from '../__tests__/support/api';
import { engineCheck } from '../__tests__/support/engine/run-engine';
import { filesBelow, gitSnapshot, publishDryRun, satisfies, tarballInstallLines } from './install-ways';
import { CLI, CLI_PACKAGE, OURS, PEERS, Packed, REPO, createApp, installedVersion, pack, timed } from './scratch-app';

const ms: Record<string, number> = {};
let packDir: string;
let packed: Packed;
let app: string;

beforeAll(() => {
  packDir = mkdtempSync(join(tmpdir(), 'ghes-email-pack-'));
  packed = pack(packDir);
  ms.pack = packed.ms;
  app = createApp(packed.tarball);
  ms.install = timed('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app).ms;
});

afterAll(() => {
  process.stderr.write(`\nconsumer check timings (ms): ${JSON.stringify(ms)}\n`);
  if (process.env.KEEP_CONSUMER_APP) process.stderr.write(`scratch app kept at ${app}\n`);
  else for (const dir of [app, packDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the tarball ships the compiled library, the boot script, README, LICENSE and docs, and no tests', () => {
  const files = packed.files;
  for (const f of [
    'LICENSE',
    'README.md',
    'CHANGELOG.md',
    'package.json',
    'dist/lib/index.js',
    'dist/lib/index.d.ts',
    'dist/lib/cli/main.js',
    'lib/boot/ghes-email-boot.sh',
    'docs/boot-script.md',
    'docs/doctor.md',
  ]) {
    expect(files).toContain(f);
  }
  // README links docs/*.md; every link target must ship.
  for (const [, target] of readFileSync(join(REPO, 'README.md'), 'utf8').matchAll(/\]\((docs\/[^)#]+)/g))
    expect(files).toContain(target);
  expect(
    files.filter(
      (f) =>
        !/^(dist\/lib\/.*\.(js|d\.ts)|lib\/boot\/[^/]+\.sh|docs\/[^/]+\.md|README\.md|CHANGELOG\.md|LICENSE|package\.json)$/.test(
          f,
        ),
    ),
  ).toEqual([]);
  expect(files.filter((f) => /^(__tests__|bench|consumer)\//.test(f))).toEqual([]);
});

test('`npm publish --dry-run` is clean: the files of the tarball, no warning but not being logged in and the missing repository', () => {
  const published = publishDryRun(REPO, OURS.name);
  ms.publishDryRun = published.ms;
  expect(published.files).toEqual(packed.files);
  expect(published.warnings.filter((w) => !/requires you to be logged in/.test(w))).toEqual([]);
  // A real publish would stop only on `repository`, unknown here (tools/publish-check.js, prepublishOnly).
  const hasRepository = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).repository !== undefined;
  expect(published.notReady).toEqual(hasRepository ? [] : [expect.stringMatching(/^repository: not set; add /)]);
});

// A generated flavor's README is mapped to it, its docs are not: there docs/flavors.md has the flavor's install line,
// and docs/constructs.md keeps the cdktf one.
const INSTALL_DOCS =
  OURS.name === 'ghes-email' ? ['README.md', 'docs/constructs.md'] : ['README.md', 'docs/flavors.md'];
test.each(INSTALL_DOCS)(
  `%s's install line installs what this app does: the tarball, the peers and ${CLI_PACKAGE}, in these versions`,
  (doc) => {
    const lines = tarballInstallLines(readFileSync(join(REPO, doc), 'utf8'));
    expect(lines.map((l) => l.tarball)).toEqual([
      expect.stringMatching(new RegExp(`/${OURS.name}-${OURS.version}\\.tgz$`)),
    ]);
    const [{ line, specs }] = lines;
    expect(specs.map((s) => s.name).sort()).toEqual([...PEERS, CLI_PACKAGE].sort());
    for (const { name, range } of specs) {
      const version = installedVersion(name);
      if (!satisfies(version, range))
        throw new Error(`${doc}: \`${line}\`: ${name}@${range} does not admit ${version}, which this app installs`);
    }
  },
);

test("the install is real and the peers resolve to the app's single copy", () => {
  const pkg = join(app, 'node_modules', OURS.name);
  // A file: tarball is extracted, not linked: we test what the registry would serve.
  expect(lstatSync(pkg).isSymbolicLink()).toBe(false);
  for (const peer of PEERS) {
    expect(existsSync(join(pkg, 'node_modules', peer))).toBe(false);
    const fromUs = require.resolve(`${peer}/package.json`, { paths: [pkg] });
    expect(realpathSync(fromUs)).toBe(realpathSync(join(app, 'node_modules', peer, 'package.json')));
  }
});

test('the installed package exports exactly the documented API (docs/api.md), and no deep paths', () => {
  const api = documentedApi(readFileSync(join(REPO, 'docs', 'api.md'), 'utf8'));
  const keys = `process.stdout.write(JSON.stringify(Object.keys(require('${OURS.name}')).sort()))`;
  expect(JSON.parse(timed('node', ['-e', keys], app).stdout)).toEqual(api.values);
  // Every documented type resolves from the package root under the app's strict settings.
  writeFileSync(
    join(app, 'api-types.ts'),
    `import type { ${api.types.join(', ')} } from '${OURS.name}';\n` +
      `export type Everything = [${api.types.join(', ')}];\n`,
  );
  writeFileSync(
    join(app, 'tsconfig.api.json'),
    JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, files: ['api-types.ts'] }),
  );
  timed(join(app, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.api.json'], app);
  // Internals are not part of the package: a deep import fails at run time.
  const deep = `try { require('${OURS.name}/dist/lib/core/problems'); } catch (e) { process.stdout.write(e.code); }`;
  expect(timed('node', ['-e', deep], app).stdout).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
});

test('the installed package knows its version', () => {
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  expect(timed(join(app, 'node_modules', '.bin', 'ghes-email'), ['--version'], app).stdout).toBe(`${version}\n`);
});

test('the consumer app compiles under strict TypeScript', () => {
  ms.tsc = timed(join(app, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], app).ms;
});

test('our declaration files type-check on their own (skipLibCheck off, no @types/node)', () => {
  ms.tscLibCheck = timed(join(app, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.libcheck.json'], app).ms;
});

describe('synthesized stacks', () => {
  const stack = (name: string) =>
    JSON.parse(readFileSync(join(app, 'cdktf.out', 'stacks', name, 'cdk.tf.json'), 'utf8'));
  const count = (json: any, type: string) => Object.keys(json.resource?.[type] ?? {}).length;

  test(`npx ${CLI} synth (the app's own ${CLI_PACKAGE}) writes both stacks`, () => {
    expect(existsSync(join(app, 'main.js'))).toBe(true); // false: the compile test above failed
    ms.synth = timed(join(app, 'node_modules', '.bin', CLI), ['synth'], app).ms;
    const pair = stack('pair');
    expect(count(pair, 'aws_instance')).toBe(2);
    expect(count(pair, 'aws_route53_record')).toBe(6);
    const tokens = stack('tokens');
    expect(count(tokens, 'aws_instance')).toBe(1);
    expect(Object.keys(tokens.variable)).toEqual(expect.arrayContaining(['admin_cidrs', 'mail_cidrs']));
    expect(tokens.data.aws_instance).toBeDefined();
    // The installed package found its boot script: its first function stands in the user data.
    const script = readFileSync(join(app, 'node_modules', OURS.name, 'lib', 'boot', 'ghes-email-boot.sh'), 'utf8');
    const firstFunction = /^[a-z_]+\(\) \{$/m.exec(script)![0];
    for (const instance of Object.values<any>(pair.resource.aws_instance))
      expect(instance.user_data).toContain(firstFunction);
  });

  // The Terraform CLI over each stack (provider resources mapped to terraform_data): strings it cannot
  // parse or evaluate, and variables it cannot use where the lists go, fail here as they would at deploy.
  // "tokens" is validated, not planned: its rule count depends on a data source, which real Terraform
  // reads during plan but the harness cannot (engine-tokens.test.ts plans the same shapes from variables).
  const RUNS: Record<string, { vars?: Record<string, unknown>; plan: boolean }> = {
    pair: { plan: true },
    tokens: { vars: { admin_cidrs: ['10.0.0.0/8', '2001:db8::/32'], mail_cidrs: ['0.0.0.0/0', '::/0'] }, plan: false },
  };
  test.each(Object.keys(RUNS))(
    'Terraform validates (and, without data-source counts, plans) stack %s',
    async (name) => {
      const start = performance.now();
      const result = await engineCheck(
        readFileSync(join(app, 'cdktf.out', 'stacks', name, 'cdk.tf.json'), 'utf8'),
        RUNS[name],
      );
      ms[`engine:${name}`] = Math.round(performance.now() - start);
      expect(result.errors.map((d) => `${d.stage} ${d.address ?? ''}: ${d.summary}: ${d.detail}`)).toEqual([]);
      expect(result.valid).toBe(true);
      if (RUNS[name].plan) expect(result.plan).toBeDefined();
    },
  );
});

// A git dependency builds dist/ in npm's own clone through our `prepare` script (npm installs our devDependencies
// there first: the slow part). Installed into the same app, replacing the tarball, after the tests above.
if (OURS.name === 'ghes-email') {
  describe('as a git dependency (npm install git+file://…#HEAD)', () => {
    let repo: string;
    beforeAll(() => {
      repo = gitSnapshot(REPO);
      const url = `git+file://${repo}#HEAD`;
      ms.gitInstall = timed('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', url], app).ms;
    });
    afterAll(() => {
      if (repo) rmSync(repo, { recursive: true, force: true });
    });

    test('npm built dist/ with the prepare script: the commit has none, the package has the same files as the tarball', () => {
      expect(existsSync(join(repo, 'dist'))).toBe(false);
      const pkg = join(app, 'node_modules', OURS.name);
      expect(lstatSync(pkg).isSymbolicLink()).toBe(false);
      expect(filesBelow(pkg)).toEqual(packed.files);
    });

    test('the git-installed package works: its CLI, its API, and a synth of both stacks', () => {
      expect(timed(join(app, 'node_modules', '.bin', 'ghes-email'), ['--version'], app).stdout).toBe(
        `${OURS.version}\n`,
      );
      const keys = `process.stdout.write(JSON.stringify(Object.keys(require('${OURS.name}')).sort()))`;
      const api = documentedApi(readFileSync(join(REPO, 'docs', 'api.md'), 'utf8'));
      expect(JSON.parse(timed('node', ['-e', keys], app).stdout)).toEqual(api.values);
      rmSync(join(app, 'cdktf.out'), { recursive: true, force: true });
      timed(join(app, 'node_modules', '.bin', CLI), ['synth'], app);
      expect(existsSync(join(app, 'cdktf.out', 'stacks', 'pair', 'cdk.tf.json'))).toBe(true);
    });
  });
} else {
  test(`${OURS.name} is generated, not served by a git repository: its README offers the tarball only`, () => {
    expect(readFileSync(join(REPO, 'README.md'), 'utf8')).not.toMatch(/git\+/);
  });
}
