/**
 * The config file as bytes: encoding, byte order mark, duplicate keys and
 * numbers JSON cannot carry. Each problem names the dotted path it is at.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfigFile } from '../../lib/config/config';
import { parseJsonDocument } from '../../lib/core/json-document';
import { decodeUtf8 } from '../../lib/core/utf8-text';
import { exampleConfig } from '../support/stack';
import { tempDir } from '../support/temp-dir';

const dir = tempDir('ghes-email-config-file-');
let n = 0;

/** Writes `content` to a fresh file and returns the problems loading it reports (none: []). */
function problemsOfFile(content: string | Buffer): { path: string; message: string }[] {
  const file = join(dir, `c${n++}.json`);
  writeFileSync(file, content);
  try {
    loadConfigFile(file);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
}

/** The example config as compact JSON, for textual edits. */
const exampleText = () => JSON.stringify(exampleConfig());

describe('duplicate keys', () => {
  test('a key given twice is rejected at its path, and the values are not judged', () => {
    // The review's case: the second adminCidrs would silently win and open the admin ports.
    const text = exampleText().replace('"userCidrs":["10.0.0.0/8"]', '"adminCidrs":["0.0.0.0/0"]');
    expect(text).toContain('"adminCidrs":["0.0.0.0/0"]');
    expect(problemsOfFile(text)).toEqual([
      { path: 'appliance.adminCidrs', message: expect.stringMatching(/given twice.*line 1.*keeps only the last/) },
    ]);
  });

  test('at the top level, in nested objects, and spelled with escapes', () => {
    const text = exampleText()
      .replace('"region":"us-east-1"', '"region":"us-east-1","region":"eu-west-1"')
      .replace('"type":"url"', '"type":"url","\\u0074ype":"url"');
    expect(problemsOfFile(text)).toEqual([
      { path: 'region', message: expect.stringMatching(/given twice/) },
      { path: 'smtp.support.type', message: expect.stringMatching(/given twice/) },
    ]);
  });

  test('reports the lines of both keys in a pretty-printed file', () => {
    const lines = JSON.stringify(exampleConfig(), null, 2).split('\n');
    const at = lines.findIndex((l) => l.includes('"hostname"'));
    lines.splice(at + 1, 0, '  "hostname": "other.example.com",');
    expect(problemsOfFile(lines.join('\n'))).toEqual([
      { path: 'hostname', message: expect.stringMatching(new RegExp(`lines ${at + 1} and ${at + 2}`)) },
    ]);
  });

  test('a key with a line break or an escape sequence still gives a one-line, inert path', () => {
    expect(parseJsonDocument('{"a\\nb\\u001b[2J":1,"a\\nb\\u001b[2J":2}').problems).toEqual([
      { path: 'a\\u000ab\\u001b[2J', message: expect.stringMatching(/given twice/) },
    ]);
  });

  test('the same key in sibling objects of an array is fine', () => {
    expect(parseJsonDocument('[{"a":1},{"a":2}]').problems).toEqual([]);
  });
});

describe('numbers JSON cannot carry', () => {
  test('1e400 names the overflow, not "got null"', () => {
    const problems = problemsOfFile(exampleText().replace('"port":587', '"port":1e400'));
    expect(problems).toEqual([
      { path: 'smtp.port', message: expect.stringMatching(/got 1e400, .*too large.*Infinity/) },
    ]);
    expect(problems[0].message).not.toMatch(/null/);
  });

  test('-1e400 and a non-zero number that reads as 0', () => {
    expect(
      problemsOfFile(
        exampleText().replace('"ttl":300', '"ttl":-1e400').replace('"mxPriority":10', '"mxPriority":1e-400'),
      ),
    ).toEqual([
      { path: 'dns.ttl', message: expect.stringMatching(/got -1e400, .*-Infinity/) },
      { path: 'dns.mxPriority', message: expect.stringMatching(/got 1e-400, .*too small.*0/) },
    ]);
  });
});

describe('encoding', () => {
  test('a UTF-8 byte order mark is accepted', () => {
    expect(problemsOfFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(exampleText())]))).toEqual([]);
  });

  test('a Latin-1 byte in a value is rejected at that value, with its line, not sent to GHES as U+FFFD', () => {
    const text = JSON.stringify(exampleConfig(), null, 2);
    const [before, after] = text.split('ghes@example.com');
    const bytes = Buffer.concat([
      Buffer.from(`${before}gh`),
      Buffer.from([0xe9]),
      Buffer.from(`s@example.com${after}`),
    ]);
    const line = before.split('\n').length;
    expect(problemsOfFile(bytes)).toEqual([
      {
        path: 'smtp.username',
        message: expect.stringMatching(
          new RegExp(`not UTF-8: byte 0xE9 at line ${line}, column \\d+.*save the file as UTF-8`),
        ),
      },
    ]);
  });

  test('a bad byte in a key names the key; outside any string, the file', () => {
    const inKey = Buffer.concat([Buffer.from('{"regi'), Buffer.from([0xff]), Buffer.from('on":"us-east-1"}')]);
    expect(problemsOfFile(inKey)).toContainEqual({
      path: 'regi\uFFFDon',
      message: expect.stringMatching(/not UTF-8: byte 0xFF at line 1, column 7/),
    });
    const outside = Buffer.concat([
      Buffer.from('{"region":"us-east-1",'),
      Buffer.from([0xa0]),
      Buffer.from('"hostname":"x"}'),
    ]);
    expect(problemsOfFile(outside)).toEqual([
      { path: '(file)', message: expect.stringMatching(/not UTF-8: byte 0xA0 at line 1, column 23/) },
    ]);
  });

  test('UTF-16 is named as such', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(exampleText(), 'utf16le')]);
    expect(problemsOfFile(utf16)).toEqual([
      { path: '(file)', message: expect.stringMatching(/UTF-16.*save the file as UTF-8/) },
    ]);
  });

  test('a real U+FFFD character (valid UTF-8) is not a decoding error', () => {
    expect(decodeUtf8(Buffer.from('"\uFFFD"')).errors).toEqual([]);
  });

  test('error positions agree with the WHATWG decoder on random bytes', () => {
    // A tiny deterministic generator: the test must fail the same way every run.
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const pool = [
      0x41, 0x0a, 0x80, 0xbf, 0xc0, 0xc2, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90,
    ];
    for (let round = 0; round < 2000; round++) {
      const bytes = Buffer.from(Array.from({ length: 1 + (next() % 12) }, () => pool[next() % pool.length]));
      const whatwg = new TextDecoder('utf-8').decode(bytes);
      const ours = decodeUtf8(bytes);
      expect(ours.text).toBe(whatwg);
      for (const e of ours.errors) expect(whatwg[e.charIndex]).toBe('\uFFFD');
      expect(ours.errors.length).toBe([...whatwg].filter((ch) => ch === '\uFFFD').length);
    }
  });
});

describe('the scanner is linear and never recurses', () => {
  test('200,000 nested arrays and 200,000 keys parse without a stack overflow', () => {
    const deep = parseJsonDocument(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(deep.problems).toEqual([]);
    const keys = Array.from({ length: 200_000 }, (_, i) => `"k${i}":${i}`).join(',');
    const wide = parseJsonDocument(`{${keys},"k7":0}`);
    expect(wide.problems).toEqual([{ path: 'k7', message: expect.stringMatching(/given twice/) }]);
    expect(wide.steps).toBeLessThan(12 * (keys.length + 20));
  });

  test("a syntax error names its line and column, on one line (V8's message may quote the text over several)", () => {
    const [problem] = problemsOfFile('{\n  "region": \n}');
    expect(problem).toEqual({
      path: '(file)',
      message:
        'not valid JSON: "}" at line 3, column 1; expected a value (object, array, string, number, true, false or null)',
    });
    expect(problemsOfFile('{"region": "x",}')).toEqual([
      {
        path: '(file)',
        message: expect.stringMatching(/a trailing comma before "}" \(JSON allows none\) at line 1, column 16/),
      },
    ]);
    expect(problemsOfFile('{"region": "x" // eu\n}')).toEqual([
      { path: '(file)', message: expect.stringMatching(/"\/" \(JSON has no comments\) at line 1, column 16/) },
    ]);
  });
});

describe("a deployed stack's ses-relay output", () => {
  test('is read beside cli-settings for the same no-reply address: MAIL FROM domain and DKIM tokens', () => {
    const dir = tempDir('ghes-email-outputs-');
    const settings = {
      kind: 'ghes-email/cli-settings',
      region: 'eu-west-1',
      hostname: 'github.example.com',
      addresses: { ipv4: '203.0.113.10' },
      smtp: {
        address: 'email-smtp.eu-west-1.amazonaws.com',
        port: 587,
        authentication: 'login',
        domain: 'github.example.com',
        noreplyAddress: 'noreply@github.example.com',
        support: { type: 'email', address: 'help@example.com' },
        credentials: { secretsManagerArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ses-AbCdEf' },
      },
    };
    const relay = (noreplyAddress: string) => ({
      kind: 'ghes-email/ses-relay',
      noreplyAddress,
      mailFromDomain: `bounce.${noreplyAddress.split('@')[1]}`,
      dkimTokens: ['tok1', 'tok2', 'tok3'],
    });
    const outputs = {
      ghes: {
        'email_cli-settings_1': settings,
        'other_ses-relay_2': relay('noreply@other.example.com'),
        'email_ses-relay_3': relay('noreply@github.example.com'),
      },
    };
    const file = join(dir, 'outputs.json');
    writeFileSync(file, JSON.stringify(outputs));
    expect(loadConfigFile(file).sesRelayOutput).toEqual({
      mailFromDomain: 'bounce.github.example.com',
      dkimTokens: ['tok1', 'tok2', 'tok3'],
    });
    // Before `cdktf deploy` fills them in, or from an older stack: nothing is made up.
    delete (outputs.ghes as Record<string, unknown>)['email_ses-relay_3'];
    writeFileSync(file, JSON.stringify(outputs));
    expect(loadConfigFile(file).sesRelayOutput).toBeUndefined();
  });
});
