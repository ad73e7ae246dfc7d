/**
 * The props of GhesAppliance and their checks, apart from the construct so that config
 * validation (and with it the CLI) loads no construct code.
 */
import type { IApplianceBootScript } from '../boot/boot-script-seam';
import { Problems, show } from '../core/problems';
import { GHES_VERSION, MAX_VOLUME_GIB, MIN_DATA_VOLUME_GIB, MIN_ROOT_VOLUME_GIB } from './ghes-ami';
import {
  checkAwsId,
  checkCidrList,
  checkIntRange,
  checkNonEmpty,
  isToken,
  wholeInternetCidrs,
} from '../core/value-rules';

/** Admin ports: Management Console / Manage API over HTTPS, and administrative SSH. */
export const ADMIN_PORTS = [
  { port: 8443, what: 'Management Console and Manage API (HTTPS)' },
  { port: 122, what: 'administrative SSH' },
] as const;
/** The admin ports in words, for messages. */
export const ADMIN_PORTS_TEXT = 'the Management Console (8443) and admin SSH (122)';
/** User ports: web and Git. 80 only redirects to 443 once TLS is on; 9418 is unencrypted git://. */
export const USER_PORTS = [
  { port: 443, what: 'web and Git over HTTPS' },
  { port: 80, what: 'HTTP (redirects to HTTPS)' },
  { port: 22, what: 'Git over SSH' },
  { port: 9418, what: 'git:// protocol' },
] as const;

export interface GhesApplianceProps {
  /** VPC of the subnet. */
  readonly vpcId: string;
  /** Subnet for the instance (a public subnet for the Elastic IP to be reachable). */
  readonly subnetId: string;
  /**
   * CIDRs allowed to the admin ports 8443 and 122. Required, no default: these ports must never be open by accident.
   */
  readonly adminCidrs: string[];
  /**
   * Accept 0.0.0.0/0 or ::/0 in adminCidrs, which opens 8443 and 122 to the whole internet; synth then warns. @default
   * false
   */
  readonly allowPublicAdmin?: boolean;
  /** CIDRs allowed to the user ports 443, 80, 22 and 9418. @default - none: user ports stay closed */
  readonly userCidrs?: string[];
  /** GHES version whose AMI to look up, e.g. "3.17.4". @default - required unless amiId is given */
  readonly ghesVersion?: string;
  /** Explicit AMI id; skips the lookup. @default - looked up from GitHub's account by ghesVersion */
  readonly amiId?: string;
  /** Account that owns the AMI (025577942450 in GovCloud). @default '895557238572' */
  readonly amiOwner?: string;
  /** EC2 instance type. @default 'r6i.2xlarge' */
  readonly instanceType?: string;
  /** Size of the encrypted root volume in GiB. @default 200 */
  readonly rootVolumeGiB?: number;
  /** Size of the encrypted data volume (/dev/xvdf) in GiB. @default 150 */
  readonly dataVolumeGiB?: number;
  /** KMS key for both volumes. @default - the AWS-managed EBS key */
  readonly volumeKmsKeyId?: string;
  /** Give the instance one IPv6 address (the subnet must have an IPv6 block). @default false */
  readonly ipv6?: boolean;
  /** Protect the instance from API termination. @default true */
  readonly terminationProtection?: boolean;
  /** Boot script run at first boot (user data). @default - none; GhesEmail sets one with useBootScript */
  readonly bootScript?: IApplianceBootScript;
  /**
   * Name tag of the instance and its resources, and prefix of its group and IAM names. @default - the hostname of the
   * GhesEmail that uses the appliance, else the construct id
   */
  readonly name?: string;
}

/** Records every problem with the props under `p`. */
export function validateGhesApplianceProps(p: Problems, props: GhesApplianceProps): void {
  checkAwsId(p, 'vpcId', props.vpcId, 'vpc');
  checkAwsId(p, 'subnetId', props.subnetId, 'subnet');
  checkAwsId(p, 'amiId', props.amiId, 'ami');
  if (props.adminCidrs === undefined)
    p.add('adminCidrs', 'required: the CIDRs allowed to reach ports 8443 and 122 (there is no default)');
  checkNonEmpty(p, 'adminCidrs', props.adminCidrs, 'CIDR');
  const admin = checkCidrList(p, 'adminCidrs', props.adminCidrs);
  // Refused unless asked for by name: the console and admin SSH open to everyone is never a safe accident.
  if (props.allowPublicAdmin !== true) {
    for (const { index, reading } of wholeInternetCidrs(admin)) {
      p.at('adminCidrs').add(
        index,
        `got ${show(props.adminCidrs[index])}, which opens ${ADMIN_PORTS_TEXT} to the whole internet; expected your admin networks, or allowPublicAdmin set to true to accept ${reading.canonical}`,
      );
    }
  }
  checkCidrList(p, 'userCidrs', props.userCidrs);
  if (props.ghesVersion === undefined && props.amiId === undefined)
    p.add('ghesVersion', 'required unless amiId is given: the GHES version whose AMI to use, e.g. "3.17.4"');
  if (props.ghesVersion !== undefined && !isToken(props.ghesVersion) && !GHES_VERSION.test(props.ghesVersion)) {
    p.add('ghesVersion', `got ${show(props.ghesVersion)}; expected a GHES version such as "3.17.4"`);
  }
  if (props.amiOwner !== undefined && !isToken(props.amiOwner) && !/^\d{12}$/.test(props.amiOwner)) {
    p.add('amiOwner', `got ${show(props.amiOwner)}; expected a 12-digit AWS account id`);
  }
  if (
    props.instanceType !== undefined &&
    !isToken(props.instanceType) &&
    !/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(props.instanceType)
  ) {
    p.add('instanceType', `got ${show(props.instanceType)}; expected an EC2 instance type such as "r6i.2xlarge"`);
  }
  checkIntRange(
    p,
    'rootVolumeGiB',
    props.rootVolumeGiB,
    MIN_ROOT_VOLUME_GIB,
    MAX_VOLUME_GIB,
    'a size in GiB (GHES needs at least 200)',
  );
  checkIntRange(
    p,
    'dataVolumeGiB',
    props.dataVolumeGiB,
    MIN_DATA_VOLUME_GIB,
    MAX_VOLUME_GIB,
    'a size in GiB (GHES needs at least 150)',
  );
}
