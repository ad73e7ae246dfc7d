/**
 * What GhesAppliance needs from a boot script: its text (EC2 user data) and the
 * secrets it fetches, from which the instance role's policy is derived.
 */
import { SecretRef } from '../core/secret-ref';

export interface IApplianceBootScript {
  /** The complete user data: a bash script, with no secret value in it. */
  render(): string;
  /** The secrets the script fetches at boot; the instance role may read exactly these. */
  readonly secrets: readonly SecretRef[];
}
