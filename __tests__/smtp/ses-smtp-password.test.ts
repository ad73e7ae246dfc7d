/**
 * The SES SMTP password derivation against AWS's published procedure
 * (https://docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html#smtp-credentials-convert).
 * AWS publishes the steps, not an output: the vectors below were computed from
 * those steps with the openssl CLI (support/relay/ses-password-openssl.ts),
 * which this test also runs, so a pinned value is never just our own output.
 */
import { randomBytes } from 'node:crypto';
import { sesSmtpPassword } from '../../lib/smtp/ses-smtp';
import { opensslSesSmtpPassword } from '../support/relay/ses-password-openssl';

/** The example secret access key of AWS's pseudocode. */
const AWS_EXAMPLE_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const VECTORS: [region: string, password: string][] = [
  ['us-west-2', 'BF2PynzbSCAjX08zhZZnP/kW+T9P5zs/1Er0pi5vTEmd'],
  ['us-east-1', 'BLBM/9hSUELfq8Gw+rU1YcBjkOxGbhT2XG763xVLGWL9'],
];

test.each(VECTORS)('known vector: the AWS example key in %s', (region, password) => {
  // The literal is checked against the second implementation too, so it cannot drift with ours.
  expect(opensslSesSmtpPassword(AWS_EXAMPLE_KEY, region)).toBe(password);
  expect(sesSmtpPassword(AWS_EXAMPLE_KEY, region)).toBe(password);
});

test('random keys in several regions: the same password as the openssl chain', () => {
  const regions = ['eu-west-1', 'ap-southeast-2', 'us-gov-west-1', 'ca-central-1'];
  for (const region of regions) {
    // Secret access keys are 40 characters of base64; "/" and "+" included.
    const key = randomBytes(30).toString('base64');
    expect(`${region} ${sesSmtpPassword(key, region)}`).toBe(`${region} ${opensslSesSmtpPassword(key, region)}`);
  }
});

test('shape: version byte 0x04 then a 32-byte HMAC, and the password belongs to one region', () => {
  const bytes = Buffer.from(sesSmtpPassword(AWS_EXAMPLE_KEY, 'eu-west-1'), 'base64');
  expect({ version: bytes[0], length: bytes.length }).toEqual({ version: 4, length: 33 });
  expect(sesSmtpPassword(AWS_EXAMPLE_KEY, 'eu-west-1')).not.toBe(sesSmtpPassword(AWS_EXAMPLE_KEY, 'eu-west-2'));
});
