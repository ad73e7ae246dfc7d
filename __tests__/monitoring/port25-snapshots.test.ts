/**
 * Whole-stack snapshots with port-25 monitoring. They pin the construct ids (= Terraform
 * addresses: a rename destroys the health check and alarm, and drops the topic's
 * confirmed subscriptions) and the aliased us-east-1 provider. A changed snapshot is a reviewed change.
 */
import { existingMonitoredConfig, restrictedEuConfig } from '../support/port25-stacks';
import { forSnapshot, synthConfig } from '../support/stack';

test('appliance in eu-west-1, restricted senders, two email subscribers', () => {
  expect(forSnapshot(synthConfig(restrictedEuConfig()))).toMatchSnapshot();
});

test('existing instance in eu-central-1, tuned thresholds, no subscribers', () => {
  expect(forSnapshot(synthConfig(existingMonitoredConfig()))).toMatchSnapshot();
});
