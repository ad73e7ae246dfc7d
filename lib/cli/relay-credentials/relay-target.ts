/**
 * Which SES relay `relay-credentials` works on: the `ses-relay` output of a
 * deployed stack (`cdktf output --outputs-file`, `terraform output -json`), or
 * the IAM user and secret named on the command line.
 */
import { readFileSync } from 'node:fs';
import { Problems, formatProblems, show } from '../../core/problems';
import { SecretRef } from '../../core/secret-ref';
import { SES_RELAY_KIND } from '../../smtp/ses-smtp';
import { outputsOfKind } from '../../core/outputs-of-kind';
import { checkRegion, isRegion } from '../../core/value-rules';

/** The relay's names: nothing here is a secret. */
export interface RelayTarget {
  readonly iamUserName: string;
  readonly secretArn: string;
  /** The SES region: the SMTP password is derived for it, and the endpoint lives there. */
  readonly region: string;
  /** Who writes the secret: `terraform` with smtpPasswordInState. */
  readonly credentials?: string;
  readonly domain?: string;
  /** Where the region comes from, for messages: "the outputs file" or "the region of --secret-arn". */
  readonly regionSource: string;
}

export interface RelayTargetOptions {
  /** Outputs of the deployed stack. */
  readonly config?: string;
  /** With several relays in the outputs: the sending domain of the one to use. */
  readonly domain?: string;
  readonly userName?: string;
  readonly secretArn?: string;
  /** @default - the relay's region (outputs), else the secret ARN's region */
  readonly region?: string;
}

/** Bad usage: exit 2, nothing was touched. */
export class RelayUsageError extends Error {}

function fromOutputs(path: string, domain: string | undefined): RelayTarget {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RelayUsageError(`--config: cannot read ${path} as JSON: ${(err as Error).message}`);
  }
  const all = outputsOfKind(raw, SES_RELAY_KIND);
  const domains = all.map((r) => String(r.domain));
  const chosen = domain === undefined && all.length === 1 ? all[0] : all.find((r) => r.domain === domain);
  if (!chosen) {
    if (all.length === 0) {
      throw new RelayUsageError(
        `--config: ${path} has no ses-relay output. Pass the deployed stack's outputs (cdktf output --outputs-file outputs.json, or terraform output -json > outputs.json) of a stack with smtp.relay.ses, or give --user-name and --secret-arn`,
      );
    }
    throw new RelayUsageError(
      domain === undefined
        ? `--config: ${path} holds ${all.length} SES relays (${domains.join(', ')}); pick one with --domain`
        : `--config: ${path} has no SES relay for --domain ${domain}; it has ${domains.join(', ')}`,
    );
  }
  return {
    iamUserName: String(chosen.iamUserName),
    secretArn: String(chosen.secretArn),
    region: String(chosen.region),
    credentials: typeof chosen.credentials === 'string' ? chosen.credentials : undefined,
    domain: String(chosen.domain),
    regionSource: 'the outputs file',
  };
}

/** The target, checked; throws RelayUsageError with one line per problem. */
export function relayTarget(opts: RelayTargetOptions): RelayTarget {
  const named = opts.userName !== undefined || opts.secretArn !== undefined;
  if ((opts.config !== undefined) === named) {
    throw new RelayUsageError(
      "give --config <outputs.json> (the deployed stack's outputs), or --user-name and --secret-arn",
    );
  }
  const target: RelayTarget =
    opts.config !== undefined
      ? fromOutputs(opts.config, opts.domain)
      : {
          iamUserName: opts.userName ?? '',
          secretArn: opts.secretArn ?? '',
          region: opts.secretArn?.split(':')[3] ?? '',
          regionSource: 'the region of --secret-arn',
        };
  const t = { ...target, region: opts.region ?? target.region };
  const p = new Problems();
  // The password is derived for one region and works only there: a different --region would store a dead one.
  if (opts.region !== undefined && opts.region !== target.region && isRegion(target.region))
    p.add(
      '--region',
      `got ${show(opts.region)}, but the SES relay is in ${target.region} (${target.regionSource}); drop --region, or name the relay of that region`,
    );
  if (!/^[\w+=,.@-]{1,64}$/.test(t.iamUserName))
    p.add(
      '--user-name',
      `got ${JSON.stringify(t.iamUserName)}; expected an IAM user name (up to 64 of letters, digits and +=,.@_-)`,
    );
  SecretRef.fromSecretsManager(t.secretArn).validate(p.at('--secret-arn'));
  checkRegion(p, '--region', t.region);
  if (p.all.length > 0) throw new RelayUsageError(`bad relay description:\n${formatProblems(p.all)}`);
  return t;
}
