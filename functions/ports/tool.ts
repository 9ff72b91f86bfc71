/** The academy as LTI 1.3 tool: the platforms that may launch it, and what its launches read. */
import type { ExternalId } from '../academy/model';
import type { Platform } from '../academy/model';
import type { Page, PageRequest } from './core';
import type { LaunchPrefetch } from './academy';

/** A deployment of the academy's tool that launched from a platform, remembered (docs/product.md "Who is who"). */
export interface DeploymentSeen {
  readonly id: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

/** Academy as LTI 1.3 tool: the platform registrations of an environment. */
export interface PlatformRegistrationStore {
  get(environmentId: string, id: string): Promise<Platform | undefined>;
  list(environmentId: string): Promise<Platform[]>;
  /** One page of the environment's platforms, in id order. */
  page(environmentId: string, request: PageRequest): Promise<Page<Platform>>;
  /** The platforms registered for an issuer (and client id, when given). */
  findByIssuer(environmentId: string, issuer: string, clientId?: string): Promise<Platform[]>;
  /**
   * Creates a platform; (issuer, clientId) is unique within the environment, enforced by a
   * conditional write of a claim item: throws `ConditionFailedError` (reason `issuer-client-taken`)
   * when another platform holds it. Nothing is left half-written.
   */
  create(platform: Platform): Promise<void>;
  /** Replaces `previous` (conditional on its `updatedAt`), moving the (issuer, clientId) claim when it changes. */
  replace(platform: Platform, previous: Platform): Promise<void>;
  /** Removes a platform, its claim and its remembered deployments; answers the removed platform. */
  delete(environmentId: string, id: string): Promise<Platform | undefined>;
  /** The deployments that launched from a platform, in id order. */
  deployments(environmentId: string, platformId: string): Promise<DeploymentSeen[]>;
}

/**
 * What an LTI 1.3 login remembers for its launch (Security 1.0 §5.1.1.2): an `oidc-state` of the
 * single-use store under the hash of `state`, bound to the browser by a cookie, used once.
 */
export interface OidcState {
  readonly environmentId: string;
  readonly platformId: string;
  /** The key of the platform registration's ids of its learners (`externalKeys.lti13`), as the login found it. */
  readonly externalKey: string;
  /** The activity a resource link launch opens; a deep linking request (DL 2.0 §4.4) opens none. */
  readonly activityId?: string;
  /** The message type the launch must carry (Core 1.3 §5.3.1), as the login's target said. */
  readonly messageType: string;
  /** The login's `target_link_uri`; the id_token's claim must equal it (Core 1.3 §5.3.4). */
  readonly targetLinkUri: string;
  /** The nonce sent in the authentication request; the id_token must carry it. */
  readonly nonce: string;
  /**
   * A login kept in the platform's storage instead of a cookie (docs/platform-storage.md): the hash
   * of the proof its page stored there, without which the state is not consumed.
   */
  readonly storageProofHash?: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/**
 * What an LTI 1.3 launch reads before validating, in one round trip (the environment is read
 * before, at the same time as the state is consumed).
 */
export interface Lti13LaunchPrefetch extends Omit<LaunchPrefetch, 'environment'> {
  readonly platform?: Platform;
  /** The launch's deployment as remembered, when it launched before. */
  readonly deployment?: DeploymentSeen;
}

export interface Lti13LaunchStore {
  /** One read (BatchGetItem): the environment and the activity of a login. */
  loginContext(environmentId: string, activityId: string): Promise<Pick<LaunchPrefetch, 'environment' | 'activity'>>;
  /**
   * One read (BatchGetItem): the platform, the activity (when the launch opens one), the users of the
   * external ids, the deployment as remembered.
   */
  launchContext(
    environmentId: string,
    platformId: string,
    activityId: string | undefined,
    externalIds: readonly ExternalId[],
    deploymentId: string,
  ): Promise<Lti13LaunchPrefetch>;
  /** Remembers that a deployment launched (first seen kept, last seen moved). */
  recordDeployment(environmentId: string, platformId: string, deploymentId: string, at: string): Promise<void>;
}

/**
 * Academy as LTI 1.3 tool: a one-time dynamic registration link (Dynamic Registration 1.0 §3.3), a
 * `registration-link` of the single-use store under the hash of the link's id, from the admin API
 * (`POST …/registrations`) to the LMS that opens it; used up by the registration it completes.
 */
export interface RegistrationLink {
  readonly environmentId: string;
  /** Whether the platform it registers is activated at once; an admin activates it otherwise. */
  readonly activate: boolean;
  /** ISO time of its creation. */
  readonly createdAt: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}
