/**
 * Every deployment shape the constructs allow has a doctor path (issue 18 item 2). A firewall-and-DNS-only
 * deployment (an existing instance, no smtp) synthesizes from the config file too, emits its cli-settings output,
 * and `doctor inbound` checks it from that output or from flags alone; the commands that need SMTP settings say so
 * (exit 2) instead of failing on a missing field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerraformStack, Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { GhesEmail } from '../../../../lib';
import { parseConfig } from '../../../../lib/config/config';
import { CORRECT, HOSTNAME, LOOP, REPLY } from '../../../support/doctor/config';
import { RunningDns, startDns } from '../../../support/doctor/dns-server';
import { CliResult, json, runCli } from '../../../support/doctor/run-cli';
import { RunningServer, makeCerts, startSmtp } from '../../../support/doctor/smtp-servers';
import { problemsOf } from '../../../support/problems';
import { Json, existingInstanceConfig, synthConfig } from '../../../support/stack';
import { testApp } from '../../../support/test-app';

let dir: string;
let d: RunningDns;
let mx: RunningServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'doctor-inbound-nosmtp-'));
  d = await startDns(CORRECT);
  const certs = await makeCerts(REPLY);
  mx = await startSmtp({ key: certs.key, cert: certs.cert, banner: 'GHES ESMTP Postfix', authOptional: true });
});
afterAll(async () => {
  await Promise.all([d.close(), mx.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** An existing-instance config without smtp, on the loopback zone. */
function configWithoutSmtp(): Json {
  const c = existingInstanceConfig();
  c.hostname = HOSTNAME;
  c.hostedZone = { name: 'example.test' };
  c.existingInstance = { ipv4Address: LOOP, securityGroupIds: ['sg-0123456789abcdef0'] };
  delete c.smtp;
  return c;
}

const outputValues = (synth: string): Json[] =>
  Object.values<Json>(JSON.parse(synth).output ?? {}).map((o) => o.value as Json);

const probeArgs = () => [
  '--dns-server',
  d.address,
  '--connect-to',
  `127.0.0.1:${mx.port}`,
  '--timeout',
  '2000',
  '--dns-timeout',
  '1000',
  '--json',
];
const statuses = (r: CliResult) => Object.fromEntries(json(r).checks.map((c) => [c.id, c.status]));
const PASSING = {
  'dns.reply-address': 'pass',
  'dns.reply-mx': 'pass',
  'dns.noreply-mx': 'pass',
  [`port25.${REPLY}[${LOOP}]`]: 'pass',
  [`port25.${REPLY}[${LOOP}].starttls`]: 'pass',
  [`port25.${HOSTNAME}[${LOOP}]`]: 'pass',
  [`port25.${HOSTNAME}[${LOOP}].starttls`]: 'pass',
};

describe('the config file', () => {
  test('an existing instance without smtp synthesizes, and its cli-settings output has no smtp', () => {
    expect(parseConfig(configWithoutSmtp()).smtp).toBeUndefined();
    const settings = outputValues(synthConfig(configWithoutSmtp())).find((v) => v.kind === 'ghes-email/cli-settings');
    expect(settings).toMatchObject({ hostname: HOSTNAME, addresses: { ipv4: LOOP } });
    expect(settings).not.toHaveProperty('smtp');
  });

  test('an appliance still needs smtp, and senderAuth needs it', () => {
    const c = configWithoutSmtp();
    c.senderAuth = { dmarc: {} };
    expect(problemsOf(c)).toEqual([{ path: 'senderAuth', message: expect.stringContaining('needs "smtp"') }]);
    const withAppliance = existingInstanceConfig();
    delete withAppliance.existingInstance;
    delete withAppliance.smtp;
    withAppliance.appliance = {
      ghesVersion: '3.17.4',
      vpcId: 'vpc-0123456789abcdef0',
      subnetId: 'subnet-0123456789abcdef0',
      adminCidrs: ['10.0.0.0/8'],
    };
    withAppliance.managementConsole = {
      password: { secretsManagerArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:root-AbCdEf' },
    };
    expect(problemsOf(withAppliance)).toEqual([{ path: 'smtp', message: expect.stringContaining('required') }]);
  });
});

describe("a stack built from the constructs: the cli-settings output's deployed values", () => {
  let outputs: string;
  beforeAll(() => {
    const s = new TerraformStack(testApp(), 'fw');
    new AwsProvider(s, 'aws', { region: 'us-east-1' });
    new GhesEmail(s, 'email', {
      hostname: HOSTNAME,
      hostedZone: { name: 'example.test' },
      existingInstance: { ipv4Address: LOOP, securityGroupIds: ['sg-0123456789abcdef0'] },
    });
    const value = outputValues(Testing.synth(s)).find((v) => v.kind === 'ghes-email/cli-settings')!;
    // What `cdktf output --outputs-file` writes after deploy: Terraform references resolved.
    outputs = join(dir, 'outputs.json');
    writeFileSync(outputs, JSON.stringify({ fw: { 'email_cli-settings_ABC123': { ...value, region: 'us-east-1' } } }));
  });

  test('doctor inbound checks the records and port 25 from it', async () => {
    const r = await runCli(['doctor', 'inbound', '--config', outputs, ...probeArgs()]);
    expect(r.stderr).not.toMatch(/smtp/i);
    expect([r.code, statuses(r)]).toEqual([0, PASSING]);
  });

  test.each([
    ['doctor smtp', ['doctor', 'smtp']],
    ['doctor deliverability', ['doctor', 'deliverability']],
    ['apply', ['apply', '--manage-url', 'https://127.0.0.1:1']],
  ])('%s says it needs SMTP settings: exit 2, nothing sent', async (_name, args) => {
    const r = await runCli([...args, '--config', outputs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs the SMTP settings, and there are none');
  });
});

describe('doctor inbound with no config at all', () => {
  test('--hostname and --ipv4 name the records: the same checks, exit 0', async () => {
    const r = await runCli(['doctor', 'inbound', '--hostname', HOSTNAME, '--ipv4', LOOP, ...probeArgs()]);
    expect([r.code, statuses(r)]).toEqual([0, PASSING]);
  });

  test('a missing record fails, and its fix carries --mx-priority', async () => {
    const missing = await startDns({ ...CORRECT, [REPLY]: { A: [LOOP] } });
    try {
      const args = ['doctor', 'inbound', '--hostname', HOSTNAME, '--mx-priority', '20', ...probeArgs()];
      args[args.indexOf('--dns-server') + 1] = missing.address;
      const r = await runCli(args);
      expect(r.code).toBe(1);
      expect(json(r).checks.find((c) => c.id === 'dns.reply-mx')).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining(`"20 ${REPLY}"`),
      });
    } finally {
      await missing.close();
    }
  });

  test('bad flags are all named at once (exit 2); flags beside --config, or neither, are usage errors', async () => {
    const bad = await runCli([
      'doctor',
      'inbound',
      '--hostname',
      'not a host',
      '--reply-record',
      'star',
      '--ipv4',
      '::1',
      '--mx-priority',
      '-1',
    ]);
    expect(bad.code).toBe(2);
    for (const flag of ['--hostname', '--reply-record', '--ipv4', '--mx-priority']) expect(bad.stderr).toContain(flag);
    const mixed = await runCli(['doctor', 'inbound', '--config', 'x.json', '--ipv4', LOOP]);
    expect([mixed.code, mixed.stderr]).toEqual([2, expect.stringContaining('--ipv4 is for use without --config')]);
    const neither = await runCli(['doctor', 'inbound']);
    expect([neither.code, neither.stderr]).toEqual([2, expect.stringContaining('needs --config')]);
  });
});
