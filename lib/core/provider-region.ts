/**
 * The region of an AWS provider configuration, read without loading provider classes (the config
 * checks, and with them the CLI, use it). us-east-1-provider.ts re-exports both names.
 */
import type { TerraformProvider } from 'cdktf';
import { isToken } from './value-rules';

export const US_EAST_1 = 'us-east-1';

/** The literal region of an AWS provider; undefined when it is a token or not set. */
export function literalRegion(provider: TerraformProvider): string | undefined {
  const region = (provider as { region?: unknown }).region;
  return typeof region === 'string' && !isToken(region) ? region : undefined;
}
