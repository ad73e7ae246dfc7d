/**
 * `npm run bench`: the plain user-data size of three configs, as EC2 counts it (a Terraform reference counted as
 * TOKEN_BYTES), against the 16,384 bytes EC2 accepts. Past that the user data is packed (gzip+base64 in a stub),
 * which works but hides the script from the EC2 console; the headroom says how close each config is.
 * Built from dist/ (npm run bench builds it); no synth, no Terraform.
 */
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const dist = (path) => require(join(root, 'dist', 'lib', path));

const example = () => JSON.parse(readFileSync(join(root, 'examples', 'ghes-email.config.json'), 'utf8'));

/** The example relaying through Amazon SES in eu-west-1 (examples/ghes-email-ses.config.json, as the tests use it). */
const sesExample = () => JSON.parse(readFileSync(join(root, 'examples', 'ghes-email-ses.config.json'), 'utf8'));

/** The largest realistic config we know of (issue 18): SES, a long hostname, long secret ARNs, initialize + license. */
function largest() {
  const host = 'github-enterprise-server.engineering-platform.eu-west-1.example-corporation.com';
  const arn = (name) =>
    `arn:aws:secretsmanager:eu-west-1:111122223333:secret:ghes/${host}/management-console/${name}-AbCdEf`;
  const c = sesExample();
  c.hostname = host;
  c.hostedZone = { name: 'example-corporation.com', private: false };
  c.managementConsole = {
    password: { secretsManagerArn: arn('root-site-administrator-password') },
    license: { secretsManagerArn: arn('enterprise-license-file') },
    initialize: true,
  };
  c.smtp = {
    ...c.smtp,
    domain: host,
    noreplyAddress: `noreply@${host}`,
    support: { type: 'url', url: `https://support.${host}/contact-the-platform-team` },
  };
  return c;
}

/** [name, plain bytes, rendered bytes, packed?] for each config. */
function userDataSizes() {
  const { App } = require('cdktf');
  const { parseConfig } = dist('config/config.js');
  const { GhesEmailStack } = dist('config/ghes-email-stack.js');
  const { userDataBytes, MAX_USER_DATA_BYTES } = dist('boot/user-data-size.js');
  return [
    ['example (examples/ghes-email.config.json)', example()],
    ['SES example (examples/ghes-email-ses.config.json)', sesExample()],
    ['largest realistic (SES, long names, license)', largest()],
  ].map(([name, config]) => {
    const stack = new GhesEmailStack(new App({ stackTraces: false }), 'bench', parseConfig(config));
    const boot = stack.email.bootScript;
    const plain = userDataBytes(boot.script());
    const rendered = userDataBytes(boot.render());
    return { name, plain, rendered, packed: plain > MAX_USER_DATA_BYTES, headroom: MAX_USER_DATA_BYTES - plain };
  });
}

module.exports = { userDataSizes };
