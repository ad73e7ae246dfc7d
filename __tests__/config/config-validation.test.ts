/**
 * Every config rule, through the loader: the problem names the dotted path and
 * the value, and every problem comes out at once.
 */
import { readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile, parseConfig } from '../../lib/config/config';
import { Json, exampleConfig, existingInstanceConfig } from '../support/stack';
import { problemsOf } from '../support/problems';
import { tempDir } from '../support/temp-dir';

type Case = [string, (c: Json) => void, string, RegExp];
const cases: Case[] = [
  [
    'hostname not RFC 1123',
    (c) => (c.hostname = 'git_hub.example.com'),
    'hostname',
    /"git_hub\.example\.com".*RFC 1123/,
  ],
  ['hostname with trailing dot', (c) => (c.hostname = 'github.example.com.'), 'hostname', /without a trailing dot/],
  ['hostname single label', (c) => (c.hostname = 'github'), 'hostname', /fully qualified/],
  [
    'zone not containing the hostname',
    (c) => (c.hostedZone = { name: 'example.org' }),
    'hostedZone.name',
    /does not contain the hostname/,
  ],
  [
    'zone with both id and name',
    (c) => (c.hostedZone = { id: 'Z0123456789ABCDEFGHIJ', name: 'example.com' }),
    'hostedZone',
    /exactly one of "id" or "name"/,
  ],
  ['zone id malformed', (c) => (c.hostedZone = { id: 'zone-1' }), 'hostedZone.id', /"zone-1".*Route53 zone id/],
  ['replyRecord unknown', (c) => (c.replyRecord = 'star'), 'replyRecord', /"star".*"reply", "wildcard"/],
  ['region malformed', (c) => (c.region = 'useast1'), 'region', /"useast1".*AWS region/],
  ['smtp.port out of range', (c) => (c.smtp.port = 70000), 'smtp.port', /70000.*from 1 to 65535/],
  ['smtp.port not an integer', (c) => (c.smtp.port = 25.5), 'smtp.port', /25\.5/],
  ['smtp.port as a string', (c) => (c.smtp.port = '587'), 'smtp.port', /got a string; expected number/],
  ['smtp.address not a hostname', (c) => (c.smtp.address = 'smtp example com'), 'smtp.address', /"smtp example com"/],
  ['smtp.domain not a hostname', (c) => (c.smtp.domain = '-bad.example.com'), 'smtp.domain', /"-bad\.example\.com"/],
  [
    'smtp.authentication unknown',
    (c) => (c.smtp.authentication = 'xoauth2'),
    'smtp.authentication',
    /"xoauth2".*"plain", "login", "cram_md5", "none"/,
  ],
  ['smtp.username missing', (c) => delete c.smtp.username, 'smtp.username', /required when authentication is "login"/],
  ['smtp.password missing', (c) => delete c.smtp.password, 'smtp.password', /required when authentication is "login"/],
  [
    'smtp.password with auth none',
    (c) => (c.smtp.authentication = 'none'),
    'smtp.password',
    /must be unset when authentication is "none"/,
  ],
  [
    'smtp.password as plain text',
    (c) => (c.smtp.password = 'hunter2'),
    'smtp.password',
    /got a string; expected object/,
  ],
  [
    'smtp.password with both sources',
    (c) =>
      (c.smtp.password = {
        secretsManagerArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf',
        ssmParameter: '/x',
      }),
    'smtp.password',
    /exactly one of/,
  ],
  [
    'smtp.password ARN malformed',
    (c) => (c.smtp.password = { secretsManagerArn: 'ghes-smtp' }),
    'smtp.password.secretsManagerArn',
    /"ghes-smtp".*Secrets Manager secret ARN/,
  ],
  [
    'smtp.password SSM name malformed',
    (c) => (c.smtp.password = { ssmParameter: 'has space' }),
    'smtp.password.ssmParameter',
    /"has space"/,
  ],
  [
    'smtp.password KMS ARN malformed',
    (c) => (c.smtp.password = { ssmParameter: '/x', kmsKeyArn: 'key-1' }),
    'smtp.password.kmsKeyArn',
    /"key-1"/,
  ],
  [
    'smtp.noreplyAddress not an email',
    (c) => (c.smtp.noreplyAddress = 'noreply'),
    'smtp.noreplyAddress',
    /"noreply".*email address/,
  ],
  [
    'smtp.support email invalid',
    (c) => (c.smtp.support = { type: 'email', address: 'help@' }),
    'smtp.support.address',
    /"help@"/,
  ],
  [
    'smtp.support URL without http(s)',
    (c) => (c.smtp.support = { type: 'url', url: 'ftp://support.example.com' }),
    'smtp.support.url',
    /"ftp:\/\/support\.example\.com".*"http:\/\/" or "https:\/\/"/,
  ],
  [
    'smtp.support URL without scheme',
    (c) => (c.smtp.support = { type: 'url', url: 'support.example.com' }),
    'smtp.support.url',
    /starts with "http:\/\/"/,
  ],
  [
    'smtp.support type unknown',
    (c) => (c.smtp.support = { type: 'phone', number: '1' }),
    'smtp.support.type',
    /"email", "url"/,
  ],
  [
    'smtp.extraSettings overriding a typed key',
    (c) => (c.smtp.extraSettings = { port: '25' }),
    'smtp.extraSettings.port',
    /typed setting/,
  ],
  [
    'smtp.extraSettings non-scalar',
    (c) => (c.smtp.extraSettings = { tls_mode: { a: 1 } }),
    'smtp.extraSettings.tls_mode',
    /expected/,
  ],
  ['dns.ttl negative', (c) => (c.dns.ttl = -1), 'dns.ttl', /-1.*TTL/],
  ['dns.mxPriority too large', (c) => (c.dns.mxPriority = 70000), 'dns.mxPriority', /70000.*MX priority/],
  [
    'inboundMail CIDR invalid',
    (c) => (c.inboundMail.allowedCidrs = ['0.0.0.0/0', '300.1.1.1/8']),
    'inboundMail.allowedCidrs[1]',
    /"300\.1\.1\.1\/8".*CIDR/,
  ],
  [
    'inboundMail IPv6 CIDR invalid',
    (c) => (c.inboundMail.allowedCidrs = ['2001:db8::/129']),
    'inboundMail.allowedCidrs[0]',
    /"2001:db8::\/129"/,
  ],
  [
    'inboundMail empty',
    (c) => (c.inboundMail.allowedCidrs = []),
    'inboundMail.allowedCidrs',
    /nothing could deliver replies/,
  ],
  [
    'inboundMail duplicate',
    (c) => (c.inboundMail.allowedCidrs = ['0.0.0.0/0', '0.0.0.0/0']),
    'inboundMail.allowedCidrs[1]',
    /twice/,
  ],
  [
    'inboundMail IPv6 duplicate in another spelling',
    (c) => (c.inboundMail.allowedCidrs = ['2001:db8::/32', '2001:DB8::/32']),
    'inboundMail.allowedCidrs[1]',
    /"2001:DB8::\/32", the same block as \[0\] "2001:db8::\/32".*remove one/,
  ],
  [
    'inboundMail IPv6 duplicate, uncompressed',
    (c) => (c.inboundMail.allowedCidrs = ['2001:db8::/32', '::/0', '2001:0db8:0:0:0:0:0:0/32']),
    'inboundMail.allowedCidrs[2]',
    /same block as \[0\]/,
  ],
  [
    'inboundMail prefix list twice',
    (c) => (c.inboundMail.prefixListIds = ['pl-0123456789abcdef0', 'pl-0123456789abcdef0']),
    'inboundMail.prefixListIds[1]',
    /twice/,
  ],
  [
    'a CIDR with a leading zero',
    (c) => (c.inboundMail.allowedCidrs = ['010.0.0.0/8']),
    'inboundMail.allowedCidrs[0]',
    /"010\.0\.0\.0\/8".*leading zero.*octal.*expected "10\.0\.0\.0\/8"/,
  ],
  [
    'a CIDR in hexadecimal',
    (c) => (c.appliance.userCidrs = ['0x0a.0.0.0/8']),
    'appliance.userCidrs[0]',
    /hexadecimal.*expected "10\.0\.0\.0\/8"/,
  ],
  [
    'a CIDR with fewer than four parts',
    (c) => (c.appliance.adminCidrs = ['10.1/16']),
    'appliance.adminCidrs[0]',
    /fewer than four parts.*expected "10\.1\.0\.0\/16"/,
  ],
  [
    'a CIDR prefix length with a leading zero',
    (c) => (c.appliance.adminCidrs = ['10.0.0.0/08']),
    'appliance.adminCidrs[0]',
    /expected "10\.0\.0\.0\/8"/,
  ],
  [
    'a CIDR with host bits set',
    (c) => (c.appliance.adminCidrs = ['10.1.2.3/8']),
    'appliance.adminCidrs[0]',
    /"10\.1\.2\.3\/8".*host bits.*expected "10\.0\.0\.0\/8"/,
  ],
  [
    'a short CIDR whose padding leaves host bits',
    (c) => (c.appliance.adminCidrs = ['10.1/8']),
    'appliance.adminCidrs[0]',
    /fewer than four parts.*host bits.*expected "10\.0\.0\.0\/8"/,
  ],
  [
    'an IPv6 CIDR with host bits set',
    (c) => (c.inboundMail.allowedCidrs = ['2001:db8::1/32']),
    'inboundMail.allowedCidrs[0]',
    /host bits.*expected "2001:db8::\/32"/,
  ],
  [
    'an IPv6 CIDR with a zone',
    (c) => (c.inboundMail.allowedCidrs = ['fe80::%eth0/64']),
    'inboundMail.allowedCidrs[0]',
    /"fe80::%eth0\/64".*CIDR/,
  ],
  [
    'appliance.adminCidrs twice',
    (c) => (c.appliance.adminCidrs = ['10.0.0.0/8', '192.0.2.0/24', '10.0.0.0/8']),
    'appliance.adminCidrs[2]',
    /"10\.0\.0\.0\/8" twice \(also at \[0\]\)/,
  ],
  [
    'appliance.userCidrs twice in IPv6 spellings',
    (c) => (c.appliance.userCidrs = ['2001:db8::/32', '2001:DB8:0::/32']),
    'appliance.userCidrs[1]',
    /same block as \[0\]/,
  ],
  [
    'appliance.adminCidrs open to the internet',
    (c) => (c.appliance.adminCidrs = ['10.0.0.0/8', '0.0.0.0/0']),
    'appliance.adminCidrs[1]',
    /"0\.0\.0\.0\/0".*8443.*122.*whole internet.*allowPublicAdmin/,
  ],
  [
    'appliance.adminCidrs open to the IPv6 internet',
    (c) => (c.appliance.adminCidrs = ['::/0']),
    'appliance.adminCidrs[0]',
    /whole internet/,
  ],
  [
    'appliance.allowPublicAdmin not a boolean',
    (c) => (c.appliance.allowPublicAdmin = 'yes'),
    'appliance.allowPublicAdmin',
    /got a string; expected boolean/,
  ],
  ['smtp.port Infinity', (c) => (c.smtp.port = Infinity), 'smtp.port', /got Infinity;/],
  [
    'smtp.address as a bracketed IPv6 literal',
    (c) => (c.smtp.address = '[2001:db8::25]'),
    'smtp.address',
    /without the brackets: "2001:db8::25"/,
  ],
  [
    'smtp.address internationalized',
    (c) => (c.smtp.address = 'smtp.bücher.example'),
    'smtp.address',
    /internationalized.*punycode form "smtp\.xn--bcher-kva\.example"/,
  ],
  [
    'hostname internationalized',
    (c) => (c.hostname = 'github.bücher.example'),
    'hostname',
    /punycode form "github\.xn--bcher-kva\.example"/,
  ],
  [
    'smtp.noreplyAddress with an internationalized domain',
    (c) => (c.smtp.noreplyAddress = 'noreply@bücher.example'),
    'smtp.noreplyAddress',
    /punycode form "noreply@xn--bcher-kva\.example"/,
  ],
  [
    'smtp.support URL with a space',
    (c) => (c.smtp.support = { type: 'url', url: 'https://support.example.com/get help' }),
    'smtp.support.url',
    /spaces or line breaks.*%20/,
  ],
  [
    'smtp.support URL with a newline',
    (c) => (c.smtp.support = { type: 'url', url: 'https://support.example.com/\nhelp' }),
    'smtp.support.url',
    /spaces or line breaks/,
  ],
  [
    'smtp.support URL with credentials',
    (c) => (c.smtp.support = { type: 'url', url: 'https://admin:s3cret@support.example.com/' }),
    'smtp.support.url',
    /^got "https:\/\/\*\*\*@support\.example\.com\/".*credentials/,
  ],
  [
    'smtp.password KMS alias ARN',
    (c) => (c.smtp.password = { ssmParameter: '/x', kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:alias/ghes' }),
    'smtp.password.kmsKeyArn',
    /alias.*cannot grant kms:Decrypt.*key ARN/,
  ],
  [
    'inboundMail prefix list malformed',
    (c) => (c.inboundMail.prefixListIds = ['prefix-1']),
    'inboundMail.prefixListIds[0]',
    /"prefix-1".*"pl-"/,
  ],
  ['appliance.vpcId malformed', (c) => (c.appliance.vpcId = 'vpc-123'), 'appliance.vpcId', /"vpc-123".*"vpc-"/],
  [
    'appliance.subnetId malformed',
    (c) => (c.appliance.subnetId = 'sn-0123456789abcdef0'),
    'appliance.subnetId',
    /"subnet-"/,
  ],
  ['appliance.amiId malformed', (c) => (c.appliance.amiId = 'ami-XYZ'), 'appliance.amiId', /"ami-XYZ"/],
  [
    'appliance.ghesVersion malformed',
    (c) => (c.appliance.ghesVersion = '3.17'),
    'appliance.ghesVersion',
    /"3\.17".*"3\.17\.4"/,
  ],
  [
    'appliance without version or AMI',
    (c) => delete c.appliance.ghesVersion,
    'appliance.ghesVersion',
    /required unless amiId/,
  ],
  ['appliance.instanceType malformed', (c) => (c.appliance.instanceType = 'big'), 'appliance.instanceType', /"big"/],
  [
    'appliance.dataVolumeGiB below the documented minimum',
    (c) => (c.appliance.dataVolumeGiB = 100),
    'appliance.dataVolumeGiB',
    /100.*at least 150/,
  ],
  [
    'appliance.rootVolumeGiB below the documented minimum',
    (c) => (c.appliance.rootVolumeGiB = 50),
    'appliance.rootVolumeGiB',
    /at least 200/,
  ],
  ['appliance.adminCidrs missing', (c) => delete c.appliance.adminCidrs, 'appliance.adminCidrs', /required/],
  ['appliance.adminCidrs empty', (c) => (c.appliance.adminCidrs = []), 'appliance.adminCidrs', /empty list/],
  [
    'appliance.userCidrs invalid',
    (c) => (c.appliance.userCidrs = ['10.0.0.0']),
    'appliance.userCidrs[0]',
    /"10\.0\.0\.0".*CIDR/,
  ],
  [
    'appliance and existingInstance both',
    (c) => (c.existingInstance = { ipv4Address: '203.0.113.10', securityGroupIds: ['sg-0123456789abcdef0'] }),
    '(root)',
    /exactly one of "appliance"/,
  ],
  [
    'managementConsole missing with an appliance',
    (c) => delete c.managementConsole,
    'managementConsole',
    /required with "appliance"/,
  ],
  [
    'managementConsole.license missing with initialize',
    (c) => (c.managementConsole.initialize = true),
    'managementConsole.license',
    /required when initialize is true/,
  ],
  [
    'managementConsole.license from SSM',
    (c) => (c.managementConsole.license = { ssmParameter: '/ghes/license' }),
    'managementConsole.license',
    /Secrets Manager \(binary\) secret/,
  ],
  [
    'managementConsole.waitForInitMinutes zero',
    (c) => (c.managementConsole.waitForInitMinutes = 0),
    'managementConsole.waitForInitMinutes',
    /from 1 to 10080/,
  ],
  [
    'backend.s3.bucket malformed',
    (c) => (c.backend = { s3: { bucket: 'Bad_Bucket', key: 'k', region: 'us-east-1' } }),
    'backend.s3.bucket',
    /"Bad_Bucket"/,
  ],
  ['a required key missing', (c) => delete c.hostname, 'hostname', /required \(string\)/],
  ['a wrong type', (c) => (c.smtp.enabled = 'yes'), 'smtp.enabled', /got a string; expected boolean/],
  ['an unknown top-level key', (c) => (c.hostnmae = 'x'), 'hostnmae', /unknown key \(did you mean "hostname"\?\)/],
  ['a misspelt smtp key', (c) => (c.smtp.pasword = c.smtp.password), 'smtp.pasword', /did you mean "password"\?/],
  ['a key like none we know', (c) => (c.smtp.colour = 'x'), 'smtp.colour', /^unknown key \(a typo\?\); see the config/],
  [
    'a misspelt key inside monitoring.port25',
    (c) => (c.monitoring = { port25: { emials: ['a@example.com'] } }),
    'monitoring.port25.emials',
    /did you mean "emails"\?/,
  ],
  ['an unknown nested key', (c) => (c.smtp.prot = 25), 'smtp.prot', /unknown key/],
];

describe.each(cases)('%s', (_name, mutate, path, message) => {
  test('is reported with its path and what is expected', () => {
    const c = exampleConfig();
    mutate(c);
    const problems = problemsOf(c);
    expect(problems).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});

test('existing instance rules', () => {
  const c = existingInstanceConfig();
  c.existingInstance = {
    ipv4Address: '203.0.113.999',
    ipv6Address: '203.0.113.1',
    securityGroupIds: ['sg-1'],
    networkInterfaceId: 'eni-0123456789abcdef0',
  };
  expect(problemsOf(c)).toEqual([
    { path: 'existingInstance.ipv4Address', message: expect.stringMatching(/"203\.0\.113\.999".*IPv4/) },
    { path: 'existingInstance.ipv6Address', message: expect.stringMatching(/"203\.0\.113\.1".*IPv6/) },
    {
      path: 'existingInstance',
      message: expect.stringMatching(/exactly one of "securityGroupIds".*or "networkInterfaceId"/),
    },
    { path: 'existingInstance.securityGroupIds[0]', message: expect.stringMatching(/"sg-1"/) },
  ]);
});

test('the example config and the existing-instance variant are valid', () => {
  expect(parseConfig(exampleConfig()).smtp!.port).toBe(587);
  expect(parseConfig(existingInstanceConfig()).config.existingInstance?.ipv4Address).toBe('203.0.113.10');
});

test('all problems are reported at once, structural and value problems together', () => {
  const c = exampleConfig();
  c.smtp.port = 0;
  c.hostname = 'bad_host';
  c.dns.ttl = 'long';
  c.typo = true;
  const paths = problemsOf(c)
    .map((p) => p.path)
    .sort();
  expect(paths).toEqual(['dns.ttl', 'hostname', 'smtp.port', 'typo']);
});

test('smtp.address may be an IPv4 or IPv6 literal, as GHES accepts', () => {
  for (const address of ['192.0.2.25', '2001:db8::25']) {
    const c = exampleConfig();
    c.smtp.address = address;
    expect(parseConfig(c).smtp!.toManagePayload().address).toBe(address);
  }
});

test('appliance.allowPublicAdmin accepts an admin CIDR open to the internet', () => {
  const c = exampleConfig();
  c.appliance.adminCidrs = ['0.0.0.0/0', '::/0'];
  c.appliance.allowPublicAdmin = true;
  expect(parseConfig(c).config.appliance?.allowPublicAdmin).toBe(true);
});

test('a support URL with credentials never echoes the password', () => {
  const c = exampleConfig();
  c.smtp.support = { type: 'url', url: 'https://admin:s3cret-canary@support.example.com/' };
  expect(JSON.stringify(problemsOf(c))).not.toMatch(/s3cret-canary|admin:/);
});

test('a plain-text secret in the config is rejected without echoing it', () => {
  const canary = `canary-${Math.random().toString(36).slice(2)}`;
  const c = exampleConfig();
  c.smtp.password = canary;
  c.managementConsole.password = { secretsManagerArn: canary };
  let message = '';
  try {
    parseConfig(c);
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message).toMatch(/smtp\.password: got a string; expected object/);
  // The ARN check quotes the bad ARN (it is a reference, not a value); the password is never quoted.
  expect(message.split(canary).length - 1).toBe(1);
  expect(message).toMatch(new RegExp(`managementConsole\\.password\\.secretsManagerArn: got "${canary}"`));
});

describe('config files', () => {
  const dir = tempDir('ghes-email-config-');

  test('invalid JSON names the file', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "region": ');
    expect(() => loadConfigFile(file)).toThrow(/\(file\): not valid JSON/);
  });

  test('a missing file says so', () => {
    expect(() => loadConfigFile(join(dir, 'nope.json'))).toThrow(/cannot read .*nope\.json/);
  });

  test('main.ts exits non-zero on a bad config and writes nothing to the output folder', () => {
    const file = join(dir, 'bad.json');
    const c = exampleConfig();
    c.smtp.port = 0;
    writeFileSync(file, JSON.stringify(c));
    const outdir = join(dir, 'cdktf.out');
    const env = { ...process.env };
    process.env.GHES_EMAIL_CONFIG = file;
    process.env.CDKTF_OUTDIR = outdir;
    const exit = jest.spyOn(process, 'exit').mockImplementation(((code: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() => jest.isolateModules(() => require('../../main'))).toThrow('exit 1');
      expect(errors.mock.calls.flat().join('\n')).toMatch(/smtp\.port: got 0; expected a TCP port from 1 to 65535/);
      expect(existsSync(outdir) ? readdirSync(outdir) : []).toEqual([]);
    } finally {
      exit.mockRestore();
      errors.mockRestore();
      process.env = env;
    }
  });
});
