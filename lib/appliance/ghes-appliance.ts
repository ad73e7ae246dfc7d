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
import { IApplianceBootScript } from '../boot/boot-script-seam';
import { addIngressRules } from '../inbound/ingress-rules';
import { secretReadPolicy } from './instance-role-policy';
import { GhesConstruct } from '../core/terraform-literals';
import { Problems } from '../core/problems';
import {
  DEFAULT_INSTANCE_TYPE,
  GHES_AMI_OWNER,
  MIN_DATA_VOLUME_GIB,
  MIN_ROOT_VOLUME_GIB,
  amiNameFilter,
} from './ghes-ami';
import { checkCidrList, isToken, sourceSlug, wholeInternetCidrs } from '../core/value-rules';
import {
  ADMIN_PORTS,
  ADMIN_PORTS_TEXT,
  USER_PORTS,
  GhesApplianceProps,
  validateGhesApplianceProps,
} from './ghes-appliance-props';

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
    // The props are valid here, so 0.0.0.0/0 or ::/0 in adminCidrs means allowPublicAdmin is true: say so at every
    // synth.
    const open = wholeInternetCidrs(checkCidrList(new Problems(), 'adminCidrs', props.adminCidrs)).map(
      (c) => c.reading.canonical,
    );
    if (open.length > 0) {
      Annotations.of(this).addWarning(
        `adminCidrs includes ${open.join(' and ')}: ${ADMIN_PORTS_TEXT} are open to the whole internet (allowPublicAdmin is true). Narrow adminCidrs to your admin networks when you can.`,
      );
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

    const encrypted = {
      encrypted: true,
      volumeType: 'gp3',
      ...(props.volumeKmsKeyId ? { kmsKeyId: props.volumeKmsKeyId } : {}),
    };
    this.instance = new Instance(this, 'instance', {
      ami,
      instanceType: props.instanceType ?? DEFAULT_INSTANCE_TYPE,
      subnetId: props.subnetId,
      vpcSecurityGroupIds: this.securityGroupIds,
      iamInstanceProfile: this.profile.name,
      disableApiTermination: props.terminationProtection ?? true,
      ...(props.ipv6 ? { ipv6AddressCount: 1 } : {}),
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
      rootBlockDevice: {
        volumeSize: props.rootVolumeGiB ?? MIN_ROOT_VOLUME_GIB,
        deleteOnTermination: true,
        ...encrypted,
      },
      // Attached at launch so GHES finds it at first boot; kept when the instance is terminated.
      ebsBlockDevice: [
        {
          deviceName: '/dev/xvdf',
          volumeSize: props.dataVolumeGiB ?? MIN_DATA_VOLUME_GIB,
          deleteOnTermination: false,
          ...encrypted,
        },
      ],
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
    if (props.ipv6) this.ipv6Address = Fn.element(this.instance.ipv6Addresses, 0) as string;

    this.outputs = [
      {
        what: 'Elastic IP of the GHES appliance',
        output: new TerraformOutput(this, 'public-ip', { value: this.publicIp }),
      },
      { what: 'EC2 instance id', output: new TerraformOutput(this, 'instance-id', { value: this.instance.id }) },
      {
        what: 'Management Console',
        output: new TerraformOutput(this, 'management-console-url', { value: `https://${this.publicIp}:8443/setup` }),
      },
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
    if (this.bootScript)
      throw new Error(`${this.node.path}: a boot script is already set; an appliance runs one user-data script`);
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
