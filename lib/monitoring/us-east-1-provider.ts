/**
 * The AWS provider configuration for us-east-1, where Route 53 publishes its
 * health-check metrics (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html:
 * "Route 53 metrics are not available if you select any other region"). An
 * alarm on them, and the SNS topic it notifies, must live there too, whatever
 * the region of the rest of the stack.
 */
import { TerraformProvider, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { US_EAST_1, literalRegion } from '../core/provider-region';
import { defaultAwsProvider } from '../core/stack-region';

export { US_EAST_1, literalRegion };

/** Construct id (at stack level) and alias of the provider this library adds when a stack needs one. */
export const US_EAST_1_PROVIDER_ID = 'ghes-email-aws-us-east-1';
export const US_EAST_1_PROVIDER_ALIAS = 'ghes-email-us-east-1';

/**
 * The provider for resources that must be in us-east-1, one per stack however
 * many constructs ask: the stack's default AWS provider when its region is
 * literally us-east-1; else an aliased copy of it (same credentials, assumed
 * role, default tags, endpoints: the alarm must be in the account that owns the
 * health check, or it never gets a data point) with the region replaced.
 *
 * The copy takes the default provider as configured when it is made; pass your
 * own provider to the construct for anything else (another account, a profile
 * set later).
 */
export function usEast1Provider(scope: IConstruct): TerraformProvider {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(US_EAST_1_PROVIDER_ID);
  if (existing !== undefined) {
    if (!TerraformProvider.isTerraformProvider(existing)) {
      throw new Error(
        `${stack.node.path}/${US_EAST_1_PROVIDER_ID} is taken by something that is not a provider; ghes-email keeps that id for its us-east-1 AWS provider`,
      );
    }
    return existing;
  }
  const base = defaultAwsProvider(stack);
  if (base !== undefined && literalRegion(base) === US_EAST_1) return base;

  const provider = new AwsProvider(stack, US_EAST_1_PROVIDER_ID, {
    region: US_EAST_1,
    alias: US_EAST_1_PROVIDER_ALIAS,
  });
  if (base !== undefined) {
    // Every argument of the default configuration but its region: raw Terraform keys, tokens left to resolve.
    const block = (base.toTerraform() as { provider?: { aws?: unknown } }).provider?.aws;
    const attrs = (Array.isArray(block) ? block[0] : block) as Record<string, unknown> | undefined;
    for (const [key, value] of Object.entries(attrs ?? {})) {
      if (key !== 'region' && key !== 'alias') provider.addOverride(key, value);
    }
  }
  return provider;
}
