/** The stack's default AWS provider and its region, for constructs that must agree with it. Construct code. */
import { TerraformProvider, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { literalRegion } from './provider-region';

/** The stack's default (unaliased) AWS provider configuration, when there is exactly one. */
export function defaultAwsProvider(stack: TerraformStack): TerraformProvider | undefined {
  const found = stack.node
    .findAll()
    .filter(
      (c): c is TerraformProvider =>
        TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === 'aws' && c.alias === undefined,
    );
  return found.length === 1 ? found[0] : undefined;
}

/** The literal region of the default AWS provider of `scope`'s stack; undefined when unknown at synth. */
export function stackRegion(scope: IConstruct): string | undefined {
  const provider = defaultAwsProvider(TerraformStack.of(scope));
  return provider && literalRegion(provider);
}

/** The default AWS provider's region as configured: a literal, a token (known at plan), or undefined. */
export function stackRegionExpression(scope: IConstruct): string | undefined {
  const provider = defaultAwsProvider(TerraformStack.of(scope));
  const region = (provider as { region?: unknown } | undefined)?.region;
  return typeof region === 'string' ? region : undefined;
}
