/** A self-signed certificate for 127.0.0.1/localhost, made once per test file. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { tempDir } from '../temp-dir';

export interface TestCert {
  readonly key: string;
  readonly cert: string;
  /** The certificate as a CA file for curl --cacert (GHES_EMAIL_CA_BUNDLE). */
  readonly caFile: string;
}

let cached: Promise<TestCert> | undefined;

export function testCert(): Promise<TestCert> {
  cached ??= (async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    const caFile = join(tempDir('ghes-email-ca-'), 'ca.pem');
    writeFileSync(caFile, pems.cert);
    return { key: pems.private, cert: pems.cert, caFile };
  })();
  return cached;
}
