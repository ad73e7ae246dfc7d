/**
 * Nothing `ghes-email apply` prints decodes back to a secret: the redactor knows every JSON escape form of a character
 * (HTML-safe \u003c as Go's encoding/json and Rails write it, \/, any character as \uXXXX in either hex case) and
 * base64url, against a Manage API double that echoes the settings it got in each of these forms.
 */
import { runApply } from '../../../lib/cli/apply/apply';
import { SecretRedactor } from '../../../lib/cli/secrets/redact-secrets';
import { canary } from '../../support/boot/aws-doubles';
import { ECHO_ENCODERS, basicAuth, decodableLeaks } from '../../support/boot/secret-forms';
import { applyHarness, capture } from './apply-harness';

const h = applyHarness();
let root: string;
let smtp: string;
beforeEach(() => {
  // Every character an encoder treats apart: < > & for HTML, / for PHP, non-ASCII, astral, " and \.
  root = `${canary('root')} <&>/ü`;
  smtp = `${canary('smtp')} <&> / é 😀 "q" \\`;
  h.store({ root, smtp });
});

const secrets = () => [root, `api_key:${root}`, smtp, h.creds.secretAccessKey, h.creds.sessionToken];

describe('SecretRedactor', () => {
  test.each(ECHO_ENCODERS)('$name: the echo keeps its shape, and nothing in it decodes to a secret', ({ encode }) => {
    const redactor = new SecretRedactor([root, `api_key:${root}`, smtp]);
    const out = redactor.redact(`got ${encode({ echo: { password: smtp, authorization: basicAuth(root) } })} end`);
    expect(out).toMatch(/^got \{"echo":\{"password":"<redacted>","authorization":"Basic <redacted>"\}\} end$/);
    expect(decodableLeaks(out, secrets())).toEqual([]);
  });

  test('escapes that carry no secret are printed as they came', () => {
    const redactor = new SecretRedactor([smtp]);
    const text = String.raw`{"note":"\u003cb\u003e \/path \u00e9 \n \\u0041"}`;
    expect(redactor.redact(text)).toBe(text);
  });

  test('a secret that itself holds escape-like text is redacted raw and escaped', () => {
    const odd = String.raw`pw\u0041\/"x`;
    const redactor = new SecretRedactor([odd]);
    expect(redactor.redact(`a ${odd} b ${JSON.stringify(odd)} c`)).toBe('a <redacted> b "<redacted>" c');
    expect(redactor.redact(`d "${String.raw`pw\\u0041\\\/\u0022x`}" e`)).toBe('d "<redacted>" e');
  });
});

test('a PUT rejected with an HTML-safe echo of the settings (Go, Rails): exit 1, the echo shown, redacted', async () => {
  const html = ECHO_ENCODERS.find((e) => e.name.startsWith('HTML-safe'))!;
  const m = await h.appliance({ echoSettings: { status: 422, encode: html.encode } });
  const c = capture();
  expect(await runApply(h.opts(), c.io)).toBe(1);
  expect(c.err()).toMatch(
    /^ghes-email apply failed: PUT config\/settings: HTTP 422 \{"message":"invalid smtp settings","echo":\{"password":"<redacted>","authorization":"Basic <redacted>"/,
  );
  expect(m.puts).toEqual([]);
  expect(decodableLeaks(`${c.out()}${c.err()}`, secrets())).toEqual([]);
});

test('config run events that echo the settings in every encoding: each printed, nothing decodable', async () => {
  const m = await h.appliance({ applyOutcome: 'failure' });
  const echo = { password: smtp, authorization: basicAuth(root) };
  for (const { name, encode } of ECHO_ENCODERS) m.events.push({ ...m.events[1], body: `${name}: ${encode({ echo })}` });
  const c = capture();
  expect(await runApply(h.opts(), c.io)).toBe(1);
  const printed = c
    .err()
    .split('\n')
    .filter((l) => l.includes('"echo"'));
  expect(printed.map((l) => l.replace(/^ {2}ghe ERROR ([^:]+): .*/, '$1'))).toEqual(ECHO_ENCODERS.map((e) => e.name));
  for (const line of printed) expect(line).toMatch(/"password":"<redacted>","authorization":"Basic <redacted>"/);
  expect(decodableLeaks(`${c.out()}${c.err()}`, secrets())).toEqual([]);
});
