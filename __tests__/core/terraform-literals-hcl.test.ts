/**
 * cdktf's HCL output writes strings as they are: our escaping lives in the JSON synthesis (terraform-literals.ts), so
 * an element with text Terraform would read as a template cannot be written as HCL. Synth stops on it with an error
 * that says what to do; a stack with nothing to escape is written, and it is valid HCL (terraform fmt parses it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import { parseConfig } from '../../lib/config/config';
import { GhesEmailStack } from '../../lib/config/ghes-email-stack';
import { HCL_OUTPUT_ERROR } from '../../lib/core/terraform-literals';
import { Json, exampleConfig, existingInstanceConfig } from '../support/stack';
import { tempDir } from '../support/temp-dir';

/** The stack made as `cdktf synth --hcl` makes it: cdktf reads SYNTH_HCL_OUTPUT when a stack is constructed. */
function synthHcl(config: Json): { synth: () => void; stackFile: string } {
  const outdir = tempDir('ghes-email-hcl-');
  const before = process.env.SYNTH_HCL_OUTPUT;
  process.env.SYNTH_HCL_OUTPUT = 'true';
  try {
    const app = new App({ outdir, stackTraces: false });
    new GhesEmailStack(app, 'ghes', parseConfig(config));
    return { synth: () => app.synth(), stackFile: join(outdir, 'stacks', 'ghes', 'cdk.tf') };
  } finally {
    if (before === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = before;
  }
}

test('the boot script (bash ${VAR:-x}) cannot be written as HCL: synth stops, naming the element, and writes nothing', () => {
  const { synth, stackFile } = synthHcl(exampleConfig());
  expect(synth).toThrow(`[ghes/appliance/instance] ${HCL_OUTPUT_ERROR}`);
  expect(existsSync(stackFile)).toBe(false);
});

test('a value that only looks like a template is refused too: %{…} in a TXT record', () => {
  const config = existingInstanceConfig();
  config.senderAuth = { spf: { include: ['_spf.example.net'], otherTxtValues: ['site-verification=%{abc}'] } };
  expect(synthHcl(config).synth).toThrow(HCL_OUTPUT_ERROR);
});

test('a stack with nothing to escape (firewall and DNS for an existing instance) is written as HCL that Terraform parses', () => {
  const config = existingInstanceConfig();
  delete config.smtp;
  delete config.managementConsole;
  const { synth, stackFile } = synthHcl(config);
  synth();
  const hcl = readFileSync(stackFile, 'utf8');
  expect(hcl).toMatch(/resource "aws_route53_record"/);
  // terraform fmt parses the file (no provider needed): exit 0 with the text on stdin.
  const fmt = spawnSync('terraform', ['fmt', '-'], { input: hcl, encoding: 'utf8' });
  expect(fmt.stderr).not.toMatch(/Error/);
  expect(fmt.status).toBe(0);
});

test('JSON, the default, is unaffected: the same appliance stack synthesizes', () => {
  const outdir = tempDir('ghes-email-json-');
  const app = new App({ outdir, stackTraces: false });
  new GhesEmailStack(app, 'ghes', parseConfig(exampleConfig()));
  expect(() => app.synth()).not.toThrow();
  expect(execFileSync('ls', [join(outdir, 'stacks', 'ghes')], { encoding: 'utf8' })).toContain('cdk.tf.json');
});
