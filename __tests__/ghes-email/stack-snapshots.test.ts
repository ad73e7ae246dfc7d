/**
 * Whole-stack snapshots for representative configs. They pin construct ids
 * (= Terraform addresses: a rename destroys and recreates a resource) and every
 * property. A changed snapshot is a reviewed change: say why in the commit.
 */
import { exampleConfig, existingInstanceConfig, forSnapshot, synthConfig } from '../support/stack';

test('appliance + explicit reply record (the bundled example)', () => {
  expect(forSnapshot(synthConfig(exampleConfig()))).toMatchSnapshot();
});

test('appliance + wildcard record + IPv6', () => {
  const c = exampleConfig();
  c.replyRecord = 'wildcard';
  c.appliance.ipv6 = true;
  c.hostedZone = { id: 'Z0123456789ABCDEFGHIJ' };
  expect(forSnapshot(synthConfig(c))).toMatchSnapshot();
});

test('existing instance', () => {
  expect(forSnapshot(synthConfig(existingInstanceConfig()))).toMatchSnapshot();
});

test('private zone lookup, S3 backend, SSM secret with a KMS key', () => {
  const c = exampleConfig();
  c.hostedZone = { name: 'example.com', private: true };
  c.backend = { s3: { bucket: 'ghes-tfstate', key: 'ghes-email.tfstate', region: 'us-east-1' } };
  c.smtp.password = {
    ssmParameter: '/ghes/smtp-password',
    kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  };
  expect(forSnapshot(synthConfig(c))).toMatchSnapshot();
});
