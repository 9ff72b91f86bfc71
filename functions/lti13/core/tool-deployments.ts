/**
 * Which deployments of a platform may launch (Core 1.3 §5.3.3; docs/product.md "Who is who at a
 * launch"), for the login and the launch; apart from the admin code of `./tool-platforms.ts`, so that
 * their bundles carry no zod.
 */
import type { Platform } from '../../academy/model';

/** Core 1.3 §5.3.3: a platform with no deployment list accepts every deployment (and remembers it). */
export function acceptsDeployment(platform: Platform, deploymentId: string): boolean {
  return platform.deploymentIds.length === 0 || platform.deploymentIds.includes(deploymentId);
}

/** What an LMS administrator reads when a deployment is not in the platform's list: which id to add, and where. */
export function unlistedDeployment(platform: Platform, deploymentId: string): string {
  return (
    `The deployment ${deploymentId} is not one of those registered for the platform ${platform.name}. ` +
    `If it is yours, add ${JSON.stringify(deploymentId)} to the platform's deploymentIds in the academy's LTI settings.`
  );
}
