/**
 * Facts about GitHub's AMIs and sizing, from the GHES "Installing on AWS" page
 * and its hardware table (see ../shared/reference/ghes-manage-api.md §5).
 */

/** AWS account that publishes GHES AMIs in commercial regions. */
export const GHES_AMI_OWNER = '895557238572';
/** AWS account that publishes GHES AMIs in GovCloud (US-East/West). */
export const GHES_AMI_OWNER_GOVCLOUD = '025577942450';

/** Documented minimums (trial / up to 10 light users): 4 vCPU, 32 GB RAM, 200 GB root, 150 GB data. */
export const MIN_ROOT_VOLUME_GIB = 200;
export const MIN_DATA_VOLUME_GIB = 150;
/** EBS gp3 upper bound. */
export const MAX_VOLUME_GIB = 16384;

/** Memory-optimized default: 8 vCPU / 64 GiB meets the 10–3,000 user row (8 vCPU, 48 GB). */
export const DEFAULT_INSTANCE_TYPE = 'r6i.2xlarge';

/** The AMI owner for a region: GovCloud regions use GitHub's GovCloud account. */
export function amiOwnerForRegion(region: string): string {
  return region.startsWith('us-gov-') ? GHES_AMI_OWNER_GOVCLOUD : GHES_AMI_OWNER;
}

/**
 * Name filter for a version's AMI. GitHub names them "GitHub Enterprise Server <version>"
 * (as `aws ec2 describe-images --owners 895557238572` lists them); the exact
 * pattern is not a documented contract, so `amiId` can always override it.
 */
export function amiNameFilter(version: string): string {
  return `GitHub Enterprise Server ${version}*`;
}

/** A GHES version such as "3.17.4" (major.minor.patch). */
export const GHES_VERSION = /^3\.\d{1,2}\.\d{1,3}$/;
