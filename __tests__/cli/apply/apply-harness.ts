/**
 * What the `ghes-email apply` tests share: the Secrets Manager double behind the real AWS SDK, a Manage API double per
 * test, a config file naming their secrets, and captured output. `applyHarness()` registers the jest hooks; call it
 * at the top of a test file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplyIo, ApplyOptions } from '../../../lib/cli/apply/apply';
import { AwsDouble, canary, RoleCredentials, useAwsDoubleForSdk } from '../../support/boot/aws-doubles';
import { ManageDouble, ManageFaults } from '../../support/boot/manage-double';
import { ROOT_ARN, SMTP_ARN } from '../../support/boot/rig';
import { testCert, TestCert } from '../../support/boot/tls';
import { exampleConfig } from '../../support/stack';
import { tempDir } from '../../support/temp-dir';

export interface Captured {
  io: ApplyIo;
  out: () => string;
  err: () => string;
}

export function capture(extra: Partial<ApplyIo> = {}): Captured {
  let out = '';
  let err = '';
  return {
    io: { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', ...extra },
    out: () => out,
    err: () => err,
  };
}

/** A config file from the example, its SMTP password in SMTP_ARN (JSON key "password"), its root password ROOT_ARN. */
export function configFile(mutate: (c: Record<string, any>) => void = () => undefined): string {
  const c = exampleConfig();
  c.smtp.password = { secretsManagerArn: SMTP_ARN, jsonKey: 'password' };
  c.managementConsole.password = { secretsManagerArn: ROOT_ARN };
  mutate(c);
  const file = join(tempDir('ghes-email-apply-'), 'config.json');
  writeFileSync(file, JSON.stringify(c));
  return file;
}

export interface ApplyHarness {
  readonly creds: RoleCredentials;
  readonly aws: () => AwsDouble;
  readonly cert: () => TestCert;
  /** A Manage API double for this test (stopped after it), its root password the stored one. */
  readonly appliance: (faults?: ManageFaults) => Promise<ManageDouble>;
  /** Options for the current appliance: its URL, the test CA, --yes, a short poll. */
  readonly opts: (o?: Partial<ApplyOptions>) => ApplyOptions;
  /** Stores the secrets apply reads for this test. */
  readonly store: (secrets: { root: string; smtp: string }) => void;
}

export function applyHarness(): ApplyHarness {
  const creds: RoleCredentials = {
    accessKeyId: 'AKIDOPERATOR',
    secretAccessKey: canary('operator-key'),
    sessionToken: canary('operator-token'),
  };
  let restoreEnv: () => void = () => undefined;
  let cert: TestCert;
  let aws: AwsDouble;
  let manage: ManageDouble | undefined;
  let root = '';
  beforeAll(async () => {
    cert = await testCert();
    aws = await new AwsDouble(undefined, creds).start();
    // The SDK's own region is neither the config's (us-east-1) nor a secret's, so a test sees which one signed.
    restoreEnv = useAwsDoubleForSdk(aws, creds, { AWS_REGION: 'ap-south-1', AWS_ENDPOINT_URL_SSM: aws.url });
  });
  afterAll(async () => {
    restoreEnv();
    await aws.stop();
  });
  afterEach(async () => {
    await manage?.stop();
    manage = undefined;
  });
  return {
    creds,
    aws: () => aws,
    cert: () => cert,
    appliance: async (faults = {}) => {
      manage = await new ManageDouble(cert, {
        rootPassword: root,
        faults,
        smtp: { enabled: false, address: 'old.example.com', port: '25', password: 'old' },
      }).start();
      return manage;
    },
    opts: (o = {}) => ({
      config: configFile(),
      manageUrl: manage!.url,
      caFile: cert.caFile,
      yes: true,
      pollSeconds: 0.01,
      ...o,
    }),
    store: (secrets) => {
      aws.signatures.length = 0;
      root = secrets.root;
      aws.secrets.set(ROOT_ARN, { string: secrets.root });
      aws.secrets.set(SMTP_ARN, { string: JSON.stringify({ password: secrets.smtp }) });
    },
  };
}
