/**
 * What a launch tells the academy as tool about its context's roster (NRPS 2.0 §3.6.1): the
 * `namesroleservice` claim's memberships URL, kept with the platform and the context it belongs to
 * so that a roster sync reads every context that launched the activity (docs/nrps.md).
 */
import type { JWTPayload } from 'jose';
import type { Platform } from '../../academy/model';
import type { RosterSource } from '../../ports';
import { claims } from '../core/claims';
import { nrpsClaim, nrpsServiceVersion } from './vocabulary';

/**
 * The launch's roster source: its memberships URL (an absolute http(s) URL; the outbound client
 * refuses http and internal addresses on AWS), when the claim names version 2.0 or no versions at
 * all, for the launch's context (its id; the URL itself when the launch has no context claim).
 */
export function rosterSourceOf(platform: Platform, claimSet: JWTPayload): RosterSource | undefined {
  const service = claimSet[nrpsClaim] as { context_memberships_url?: unknown; service_versions?: unknown } | undefined;
  if (typeof service !== 'object' || service === null) return undefined;
  const url = service.context_memberships_url;
  if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/i.test(url) || url.length > 2000) return undefined;
  const versions = service.service_versions;
  if (Array.isArray(versions) && versions.length > 0 && !versions.includes(nrpsServiceVersion)) return undefined;
  const context = claimSet[claims.context] as { id?: unknown } | undefined;
  const contextId = typeof context?.id === 'string' && context.id.trim() !== '' ? context.id : url;
  return { platformId: platform.id, contextId, membershipsUrl: url };
}
