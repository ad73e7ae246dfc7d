/**
 * What `ghes-email apply` does with a secret it cannot use: an unreadable one, or one stored as SecretBinary (no
 * text: sending its base64 as the password would configure GHES with garbage). Both are bad input, as in `doctor`:
 * exit 2, the reference named and never a value, nothing sent to the appliance.
 */
import { runApply } from '../../../lib/cli/apply/apply';
import { run } from '../../../lib/cli/main';
import { canary } from '../../support/boot/aws-doubles';
import { ROOT_ARN, SMTP_ARN } from '../../support/boot/rig';
import { leakForms } from '../../support/boot/secret-forms';
import { applyHarness, capture, configFile } from './apply-harness';

const h = applyHarness();
let root: string;
let smtp: string;
beforeEach(() => {
  root = canary('root');
  smtp = canary('smtp');
  h.store({ root, smtp });
});

test.each([
  {
    what: 'SMTP password',
    arn: SMTP_ARN,
    ref: `Secrets Manager secret ${SMTP_ARN}`,
    file: () => configFile((c) => (c.smtp.password = { secretsManagerArn: SMTP_ARN })),
  },
  { what: 'root password', arn: ROOT_ARN, ref: `Secrets Manager secret ${ROOT_ARN}`, file: () => configFile() },
])(
  'the $what stored as SecretBinary: exit 2, names the secret, not its content; no PUT',
  async ({ arn, ref, file }) => {
    const content = `${canary('binary')} in bytes`;
    h.aws().secrets.set(arn, { binary: Buffer.from(content) });
    const m = await h.appliance();
    const c = capture();
    expect(await runApply(h.opts({ config: file() }), c.io)).toBe(2);
    expect(c.err()).toBe(
      `ghes-email apply: cannot read ${ref}: it is a binary secret (SecretBinary); expected text (SecretString)\n`,
    );
    expect(m.puts).toEqual([]);
    for (const f of leakForms([content]))
      expect(`${c.out()}${c.err()}`.includes(f.text) ? f.form : 'clean').toBe('clean');
  },
);

test('an unreadable secret: exit 2 through the CLI too (bad input, as in doctor), nothing sent', async () => {
  const m = await h.appliance();
  h.aws().denied.add(SMTP_ARN);
  const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const args = ['apply', '--config', configFile(), '--manage-url', m.url, '--ca-file', h.cert().caFile, '--yes'];
    expect(await run(args)).toBe(2);
    expect(write.mock.calls.map((a) => String(a[0])).join('')).toMatch(
      new RegExp(
        `^ghes-email apply: cannot read Secrets Manager secret ${SMTP_ARN} \\(JSON key "password"\\): AccessDeniedException`,
      ),
    );
  } finally {
    process.exitCode = undefined;
    write.mockRestore();
    h.aws().denied.delete(SMTP_ARN);
  }
  expect(m.requests).toEqual([]);
});

test('an empty SMTP password: exit 2, names the secret; no PUT', async () => {
  h.aws().secrets.set(SMTP_ARN, { string: JSON.stringify({ password: '' }) });
  const m = await h.appliance();
  const c = capture();
  expect(await runApply(h.opts(), c.io)).toBe(2);
  expect(c.err()).toBe(
    `ghes-email apply: cannot read Secrets Manager secret ${SMTP_ARN} (JSON key "password"): the value is empty\n`,
  );
  expect(m.requests).toEqual([]);
});
