/**
 * The parts of the boot script a config does not use are cut out of its user data (lib/boot/boot-features.ts), so
 * that the SES example keeps 2 KiB of EC2's 16,384 bytes plain (issue 18). What runs is tested by boot-run, whose
 * initialize, SSM, unsafePlainText and enforceTls tests each render with their own parts; here: the cutting itself,
 * that every combination is a script bash parses, that the leanest one is shellcheck-clean, and the bytes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { App } from 'cdktf';
import { BOOT_SCRIPT_PATH, MAX_USER_DATA_BYTES } from '../../lib/boot/boot-script';
import { BOOT_FEATURES, BootFeature, cutFeatures } from '../../lib/boot/boot-features';
import { parseConfig } from '../../lib/config/config';
import { GhesEmailStack } from '../../lib/config/ghes-email-stack';
import { SecretRef } from '../../lib/core/secret-ref';
import { LICENSE_ARN, bootScript, smtp } from '../support/boot/rig';
import { sesConfig } from '../support/relay/ses-config';
import { shellcheck } from '../support/shellcheck';
import { userDataBytes } from '../../lib/boot/user-data-size';

const template = readFileSync(BOOT_SCRIPT_PATH, 'utf8');
const CONFIG_FEATURES = BOOT_FEATURES.filter((f) => f !== 'template');

describe('cutFeatures', () => {
  const script = [
    'a',
    '  # @@ONLY ssm@@',
    '  b',
    '  # @@END ssm@@',
    'c',
    '# @@ONLY initialize@@',
    'd',
    '# @@END initialize@@',
  ].join('\n');

  test('keeps the parts of the features kept, cuts the others, and drops every marker line', () => {
    expect(cutFeatures(script, new Set<BootFeature>(['ssm']))).toBe('a\n  b\nc');
    expect(cutFeatures(script, new Set<BootFeature>(['initialize']))).toBe('a\nc\nd');
    expect(cutFeatures(script, new Set<BootFeature>())).toBe('a\nc');
  });

  test.each([
    ['an unknown feature', '# @@ONLY ipv6@@\nx\n# @@END ipv6@@', "line 1: unknown feature 'ipv6'"],
    ['a marker out of shape', 'x\n  # @@ONLY ssm\n', 'line 2: not a marker: # @@ONLY ssm'],
    [
      'a part inside a part',
      '# @@ONLY ssm@@\n# @@ONLY initialize@@',
      "line 2: 'initialize' opens inside 'ssm' (line 1)",
    ],
    ['an END for another part', '# @@ONLY ssm@@\n# @@END initialize@@', 'line 2: END initialize closes ssm'],
    ['an END with nothing open', 'x\n# @@END ssm@@', 'line 2: END ssm closes nothing'],
    ['a part never closed', 'x\n# @@ONLY ssm@@\ny', "line 2: 'ssm' is never closed"],
  ])('refuses %s, naming the line', (_what, text, message) => {
    expect(() => cutFeatures(text, new Set())).toThrow(`boot script ${message}`);
  });
});

describe('the template', () => {
  test('has a part for every feature, and nothing else that looks like a marker', () => {
    const named = [...template.matchAll(/# @@ONLY ([A-Za-z]+)@@/g)].map((m) => m[1]);
    expect(new Set(named)).toEqual(new Set(BOOT_FEATURES));
    expect(template.match(/@@(ONLY|END)/g)).toHaveLength(2 * named.length);
  });

  const subsets = Array.from({ length: 1 << CONFIG_FEATURES.length }, (_, bits) =>
    CONFIG_FEATURES.filter((_f, i) => bits & (1 << i)),
  );
  test.each(subsets.map((s) => [s.join(', ') || '(none)', s]))('with %s: bash parses it', (_name, kept) => {
    const script = cutFeatures(template, new Set(kept as BootFeature[]));
    expect(() => execFileSync('bash', ['-n'], { input: script, stdio: ['pipe', 'pipe', 'pipe'] })).not.toThrow();
  });

  test('with no part at all: shellcheck finds only the variables that the cut parts read', async () => {
    // The template, every part in, is linted clean in boot-shellcheck.test.ts.
    const findings = await shellcheck(cutFeatures(template, new Set()));
    expect(findings.map((f) => /SC2034 \(warning\): (\w+) appears unused/.exec(f)?.[1] ?? f)).toEqual([
      'ENFORCE_TLS',
      'LICENSE_REF',
      'tried',
    ]);
  });
});

describe('what a config gets', () => {
  test('the features follow the settings', () => {
    expect([...bootScript().features()]).toEqual(['enforceTls']);
    const all = bootScript(smtp({ password: SecretRef.fromSsmParameter('/ghes/smtp'), enforceTls: true }), {
      password: SecretRef.unsafePlainText('x'),
      initialize: true,
      license: SecretRef.fromSecretsManager(LICENSE_ARN),
    });
    expect([...all.features()].sort()).toEqual([...CONFIG_FEATURES].sort());
  });

  test('a part is in the user data exactly when its setting is on', () => {
    const plain = bootScript(smtp({ enforceTls: false })).render();
    for (const text of ['config/init', 'AmazonSSM.GetParameter', 'unsafePlainText', 'ACTION NEEDED', 'bare template'])
      expect(plain).not.toContain(text);
    const initialize = bootScript(smtp(), { initialize: true, license: SecretRef.fromSecretsManager(LICENSE_ARN) });
    expect(initialize.render()).toContain('config/init');
    expect(bootScript(smtp({ password: SecretRef.fromSsmParameter('/ghes/smtp') })).render()).toContain(
      'AmazonSSM.GetParameter',
    );
    expect(bootScript(smtp({ enforceTls: true })).render()).toContain('ACTION NEEDED');
  });

  test("a setting's value that reads like a marker is a value: rendered as it is, nothing cut", () => {
    const value = '\n  # @@ONLY ssm@@\n# @@END initialize@@ @@ONLY';
    const script = bootScript(smtp({ extraSettings: { note: value } })).render();
    expect(script).toContain(JSON.stringify({ note: value }).slice(1, -1));
    expect(script).toBe(bootScript(smtp({ extraSettings: { note: value } })).script());
  });

  test('the SES example keeps at least 2 KiB of plain headroom (issue 18: it had 203 bytes)', () => {
    const stack = new GhesEmailStack(new App({ stackTraces: false }), 'ses', parseConfig(sesConfig()));
    const plain = userDataBytes(stack.email.bootScript!.script());
    expect(MAX_USER_DATA_BYTES - plain).toBeGreaterThanOrEqual(2048);
  });
});
