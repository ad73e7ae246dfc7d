/**
 * The GHES EC2 appliance: GitHub's AMI, encrypted root and data volumes (the
 * data volume survives the instance), IMDSv2, an Elastic IP, an instance role
 * that may read exactly the secrets its boot script fetches, and security
 * groups for admin (8443, 122) and user (443, 80, 22, 9418) ports.
 * https://docs.github.com/en/enterprise-server@latest/admin/installing-your-enterprise-server/setting-up-a-github-enterprise-server-instance/installing-github-enterprise-server-on-aws
 */
import { Annotations, Fn, TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { DataAwsAmi } from '@cdktf/provider-aws/lib/data-aws-ami';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { EipAssociation } from '@cdktf/provider-aws/lib/eip-association';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { IApplianceBootScript } from './boot-script-seam';
import { addIngressRules } from './ingress-rules';
import { secretReadPolicy } from './instance-role-policy';
import { GhesConstruct } from './terraform-literals';
import { Problems, show } from './problems';
import { DEFAULT_INSTANCE_TYPE, GHES_AMI_OWNER, GHES_VERSION, MAX_VOLUME_GIB, MIN_DATA_VOLUME_GIB, MIN_ROOT_VOLUME_GIB, amiNameFilter } from './ghes-ami';
import { checkAwsId, checkCidrList, checkIntRange, checkNonEmpty, isToken, sourceSlug, wholeInternetCidrs } from './value-rules';

/** Admin ports: Management Console / Manage API over HTTPS, and administrative SSH. */
export const ADMIN_PORTS = [
  { port: 8443, what: 'Management Console and Manage API (HTTPS)' },
  { port: 122, what: 'administrative SSH' },
] as const;
const ADMIN_PORTS_TEXT = 'the Management Console (8443) and admin SSH (122)';
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
  /** CIDRs allowed to the admin ports 8443 and 122. Required, no default: these ports must never be open by accident. */
  readonly adminCidrs: string[];
  /** Accept 0.0.0.0/0 or ::/0 in adminCidrs, which opens 8443 and 122 to the whole internet; synth then warns. @default false */
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
  /** Name tag of the instance and its resources, and prefix of its group and IAM names. @default - the hostname of the GhesEmail that uses the appliance, else the construct id */
  readonly name?: string;
}

/** Records every problem with the props under `p`. */
export function validateGhesApplianceProps(p: Problems, props: GhesApplianceProps): void {
  checkAwsId(p, 'vpcId', props.vpcId, 'vpc');
  checkAwsId(p, 'subnetId', props.subnetId, 'subnet');
  checkAwsId(p, 'amiId', props.amiId, 'ami');
  if (props.adminCidrs === undefined) p.add('adminCidrs', 'required: the CIDRs allowed to reach ports 8443 and 122 (there is no default)');
  checkNonEmpty(p, 'adminCidrs', props.adminCidrs, 'CIDR');
  const admin = checkCidrList(p, 'adminCidrs', props.adminCidrs);
  // Refused unless asked for by name: the console and admin SSH open to everyone is never a safe accident.
  if (props.allowPublicAdmin !== true) {
    for (const { index, reading } of wholeInternetCidrs(admin)) {
      p.at('adminCidrs').add(index, `got ${show(props.adminCidrs[index])}, which opens ${ADMIN_PORTS_TEXT} to the whole internet; expected your admin networks, or allowPublicAdmin set to true to accept ${reading.canonical}`);
    }
  }
  checkCidrList(p, 'userCidrs', props.userCidrs);
  if (props.ghesVersion === undefined && props.amiId === undefined) p.add('ghesVersion', 'required unless amiId is given: the GHES version whose AMI to use, e.g. "3.17.4"');
  if (props.ghesVersion !== undefined && !isToken(props.ghesVersion) && !GHES_VERSION.test(props.ghesVersion)) {
    p.add('ghesVersion', `got ${show(props.ghesVersion)}; expected a GHES version such as "3.17.4"`);
  }
  if (props.amiOwner !== undefined && !isToken(props.amiOwner) && !/^\d{12}$/.test(props.amiOwner)) {
    p.add('amiOwner', `got ${show(props.amiOwner)}; expected a 12-digit AWS account id`);
  }
  if (props.instanceType !== undefined && !isToken(props.instanceType) && !/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(props.instanceType)) {
    p.add('instanceType', `got ${show(props.instanceType)}; expected an EC2 instance type such as "r6i.2xlarge"`);
  }
  checkIntRange(p, 'rootVolumeGiB', props.rootVolumeGiB, MIN_ROOT_VOLUME_GIB, MAX_VOLUME_GIB, 'a size in GiB (GHES needs at least 200)');
  checkIntRange(p, 'dataVolumeGiB', props.dataVolumeGiB, MIN_DATA_VOLUME_GIB, MAX_VOLUME_GIB, 'a size in GiB (GHES needs at least 150)');
}

export class GhesAppliance extends GhesConstruct {
  public readonly vpcId: string;
  public readonly instance: Instance;
  public readonly eip: Eip;
  public readonly role: IamRole;
  /** Security group for the admin and user ports (and all egress). */
  public readonly securityGroup: SecurityGroup;
  /** Public IPv4 address (the Elastic IP): what DNS points at. */
  public readonly publicIp: string;
  /** The instance's IPv6 address, when ipv6 is on. */
  public readonly ipv6Address?: string;
  private readonly securityGroupIds: string[];
  private readonly profile: IamInstanceProfile;
  private readonly outputs: { what: string; output: TerraformOutput }[];
  private readonly nameGiven: boolean;
  private bootScript?: IApplianceBootScript;

  constructor(scope: Construct, id: string, props: GhesApplianceProps) {
    super(scope, id);
    const p = new Problems(this.node.path);
    validateGhesApplianceProps(p, props);
    p.throwIfAny('Invalid GhesAppliance props');
    // The props are valid here, so 0.0.0.0/0 or ::/0 in adminCidrs means allowPublicAdmin is true: say so at every synth.
    const open = wholeInternetCidrs(checkCidrList(new Problems(), 'adminCidrs', props.adminCidrs)).map((c) => c.reading.canonical);
    if (open.length > 0) {
      Annotations.of(this).addWarning(`adminCidrs includes ${open.join(' and ')}: ${ADMIN_PORTS_TEXT} are open to the whole internet (allowPublicAdmin is true). Narrow adminCidrs to your admin networks when you can.`);
    }

    this.vpcId = props.vpcId;
    this.securityGroup = new SecurityGroup(this, 'access', {
      description: 'GHES admin (8443, 122) and user (443, 80, 22, 9418) ports',
      vpcId: props.vpcId,
      lifecycle: { createBeforeDestroy: true },
    });
    this.allowPorts('admin', ADMIN_PORTS, props.adminCidrs);
    this.allowPorts('user', USER_PORTS, props.userCidrs ?? []);
    // The appliance reaches the SMTP relay, Secrets Manager/SSM, NTP and GitHub's update servers.
    for (const cidr of ['0.0.0.0/0', '::/0']) {
      new VpcSecurityGroupEgressRule(this, `egress-${cidr.includes(':') ? 'ipv6' : 'ipv4'}`, {
        securityGroupId: this.securityGroup.id,
        ipProtocol: '-1',
        ...(cidr.includes(':') ? { cidrIpv6: cidr } : { cidrIpv4: cidr }),
        description: 'all outbound traffic',
      });
    }
    this.securityGroupIds = [this.securityGroup.id];

    this.role = new IamRole(this, 'role', {
      description: 'GHES appliance: reads the secrets its boot script fetches',
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    this.profile = new IamInstanceProfile(this, 'profile', { role: this.role.name });

    const ami =
      props.amiId ??
      new DataAwsAmi(this, 'ami', {
        owners: [props.amiOwner ?? GHES_AMI_OWNER],
        mostRecent: true,
        filter: [
          { name: 'name', values: [amiNameFilter(props.ghesVersion!)] },
          { name: 'architecture', values: ['x86_64'] },
        ],
      }).id;

    const encrypted = { encrypted: true, volumeType: 'gp3', ...(props.volumeKmsKeyId ? { kmsKeyId: props.volumeKmsKeyId } : {}) };
    this.instance = new Instance(this, 'instance', {
      ami,
      instanceType: props.instanceType ?? DEFAULT_INSTANCE_TYPE,
      subnetId: props.subnetId,
      vpcSecurityGroupIds: this.securityGroupIds,
      iamInstanceProfile: this.profile.name,
      disableApiTermination: props.terminationProtection ?? true,
      ...(props.ipv6 ? { ipv6AddressCount: 1 } : {}),
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
      rootBlockDevice: { volumeSize: props.rootVolumeGiB ?? MIN_ROOT_VOLUME_GIB, deleteOnTermination: true, ...encrypted },
      // Attached at launch so GHES finds it at first boot; kept when the instance is terminated.
      ebsBlockDevice: [{ deviceName: '/dev/xvdf', volumeSize: props.dataVolumeGiB ?? MIN_DATA_VOLUME_GIB, deleteOnTermination: false, ...encrypted }],
      // User data runs only at first boot; a change must neither replace nor stop the
      // instance (day-2 changes go through `ghes-email apply`). A newer AMI from the
      // lookup must not replace the appliance either (upgrades are GHES's own process),
      // nor a data-volume resize (grow the EBS volume in place, then run ghe-storage-extend).
      userDataReplaceOnChange: false,
      lifecycle: { ignoreChanges: ['user_data', 'user_data_base64', 'ami', 'ebs_block_device'] },
    });

    this.eip = new Eip(this, 'eip', { domain: 'vpc' });
    new EipAssociation(this, 'eip-association', { allocationId: this.eip.allocationId, instanceId: this.instance.id });
    this.publicIp = this.eip.publicIp;
    if (props.ipv6) this.ipv6Address = Fn.element(this.instance.ipv6Addresses, 0);

    this.outputs = [
      { what: 'Elastic IP of the GHES appliance', output: new TerraformOutput(this, 'public-ip', { value: this.publicIp }) },
      { what: 'EC2 instance id', output: new TerraformOutput(this, 'instance-id', { value: this.instance.id }) },
      { what: 'Management Console', output: new TerraformOutput(this, 'management-console-url', { value: `https://${this.publicIp}:8443/setup` }) },
    ];
    this.nameGiven = props.name !== undefined;
    this.applyName(props.name ?? this.node.id);

    if (props.bootScript) this.useBootScript(props.bootScript);
  }

  /** Names the appliance after the hostname it serves, unless the props gave a name. GhesEmail calls this. */
  useHostname(hostname: string): void {
    if (!this.nameGiven) this.applyName(hostname);
  }

  /** Name tags, group and IAM name prefixes, and output descriptions, all from one name. */
  private applyName(name: string): void {
    this.securityGroup.namePrefix = `${name}-access-`;
    this.securityGroup.tags = { Name: `${name}-access` };
    // IAM name_prefix: at most 38 characters of [A-Za-z0-9+=,.@_-] (Terraform appends a 26-character suffix).
    const iamPrefix = `${name.replace(/[^A-Za-z0-9+=,.@_-]+/g, '-').slice(0, 37)}-`;
    this.role.namePrefix = iamPrefix;
    this.profile.namePrefix = iamPrefix;
    this.instance.tags = { Name: name };
    this.eip.tags = { Name: name };
    for (const { what, output } of this.outputs) output.description = `${name}: ${what}`;
  }

  /** Attaches another security group (e.g. InboundMailFirewall's) to the instance. */
  addSecurityGroup(securityGroupId: string): void {
    this.securityGroupIds.push(securityGroupId);
    this.instance.vpcSecurityGroupIds = [...this.securityGroupIds];
  }

  /** Sets the first-boot script and grants the instance role read access to exactly its secrets. Once only. */
  useBootScript(script: IApplianceBootScript): void {
    if (this.bootScript) throw new Error(`${this.node.path}: a boot script is already set; an appliance runs one user-data script`);
    this.bootScript = script;
    this.instance.userData = script.render();
    if (script.secrets.some((s) => s.isPlainText)) {
      Annotations.of(this).addWarning(
        'A secret given with SecretRef.unsafePlainText is written in plain text into user data and Terraform state. Use Secrets Manager or SSM Parameter Store.',
      );
    }
    secretReadPolicy(this, 'secret-read', this.role, script.secrets);
  }

  private allowPorts(kind: string, ports: readonly { port: number; what: string }[], cidrs: string[]): void {
    for (const { port, what } of ports) {
      addIngressRules(this, {
        port,
        securityGroupIds: [this.securityGroup.id],
        cidrs,
        ruleId: (cidr, i) => `${kind}-${port}-from-${isToken(cidr) ? String(i) : sourceSlug(cidr)}`,
        describe: (cidr) => `GHES ${what} from ${cidr}`,
      });
    }
  }
}
