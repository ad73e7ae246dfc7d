/** Stacks fed with Terraform tokens where a user would pass them (list-tokens and engine-tokens tests). */
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { testApp } from './test-app';
import { DataAwsInstance } from '@cdktf/provider-aws/lib/data-aws-instance';
import { GhesAppliance, GhesEmail, SecretRef, SmtpSettings } from '../../lib';

/**
 * An existing instance whose groups and address come from a data source, and an
 * appliance, both with CIDR lists from variables (and a scalar token CIDR).
 * `groupsFromVariable` takes the groups from a variable instead, so an offline
 * plan can expand every rule (a data source stays unknown in the engine harness).
 */
export function listTokenStack(groupsFromVariable = false): { stack: TerraformStack; synth: () => string } {
  const stack = new TerraformStack(testApp(), 'tokens');
  const mailCidrs = new TerraformVariable(stack, 'mail_cidrs', { type: 'list(string)' }).listValue;
  const adminCidrs = new TerraformVariable(stack, 'admin_cidrs', { type: 'list(string)' }).listValue;
  const instance = new DataAwsInstance(stack, 'existing', { instanceId: 'i-0123456789abcdef0' });
  new GhesEmail(stack, 'existing-email', {
    hostname: 'git.example.org',
    hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
    existingInstance: {
      ipv4Address: instance.publicIp,
      securityGroupIds: groupsFromVariable
        ? new TerraformVariable(stack, 'groups', { type: 'list(string)' }).listValue
        : instance.vpcSecurityGroupIds,
    },
    inboundMail: { allowedCidrs: mailCidrs },
  });
  const appliance = new GhesAppliance(stack, 'appliance', {
    vpcId: 'vpc-0123456789abcdef0',
    subnetId: 'subnet-0123456789abcdef0',
    ghesVersion: '3.17.4',
    adminCidrs,
    userCidrs: ['10.0.0.0/8', new TerraformVariable(stack, 'office', { type: 'string' }).stringValue],
  });
  new GhesEmail(stack, 'email', {
    hostname: 'github.example.com',
    hostedZone: { id: 'Z0123456789ABCDEFGHIJ' },
    appliance,
    inboundMail: { allowedCidrs: mailCidrs },
    managementConsole: { password: SecretRef.fromSsmParameter('/ghes/root') },
    smtp: new SmtpSettings({
      address: 'smtp.example.com',
      domain: 'example.com',
      username: 'ghes',
      password: SecretRef.fromSsmParameter('/ghes/smtp'),
      noreplyAddress: 'noreply@github.example.com',
      support: { type: 'email', address: 'help@example.com' },
    }),
  });
  return { stack, synth: () => Testing.synth(stack) };
}
