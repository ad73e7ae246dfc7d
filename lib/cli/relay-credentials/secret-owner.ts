/**
 * Before anything changes: the relay's secret must be readable, and ours to write. The SesRelay construct tags it
 * ghes-email:credentials = terraform (smtpPasswordInState: Terraform writes the value and owns the access key) or
 * relay-credentials. Given only --user-name and --secret-arn, the tag is the one way to tell; with an outputs file,
 * the ses-relay output says it too, and a tag that contradicts it wins.
 */
import { SES_CREDENTIALS_TAG } from '../../smtp/ses-smtp';
import { show } from '../../core/problems';
import { RelayAws, awsError } from './relay-aws';
import { RelayTarget } from './relay-target';

/** Why the secret is refused (exit 2: nothing changed), or undefined when it may be written. */
export async function secretRefusal(
  aws: RelayAws,
  target: RelayTarget,
  fromOutputs: boolean,
  stop: AbortSignal | undefined,
): Promise<string | undefined> {
  const arn = target.secretArn;
  let writer: string | undefined;
  try {
    writer = (await aws.describeSecret(stop)).writer;
  } catch (e) {
    return `cannot read ${arn}: ${awsError(e)}; nothing changed. relay-credentials needs secretsmanager:DescribeSecret and PutSecretValue on the relay's secret (the secretArn of its ses-relay output)`;
  }
  if (writer === 'terraform')
    return `${arn} is tagged ${SES_CREDENTIALS_TAG}=terraform: the relay has smtpPasswordInState, so Terraform owns its access key and secret value; nothing changed. Rotate with Terraform (replace the relay's aws_iam_access_key), or drop smtpPasswordInState, deploy, and run this command`;
  if (writer === undefined && !fromOutputs)
    return `${arn} has no ${SES_CREDENTIALS_TAG} tag, so there is no telling whether Terraform writes it (smtpPasswordInState); nothing changed. Pass --config outputs.json (its ses-relay output says), or deploy again with this ghes-email, which tags the secret`;
  if (writer !== undefined && writer !== 'relay-credentials')
    return `${arn} is tagged ${SES_CREDENTIALS_TAG}=${show(writer)}; expected relay-credentials or terraform; nothing changed`;
  return undefined;
}
