/**
 * The interfaces that protocol and domain code depend on. Adapters (`functions/adapters/`) implement
 * them against AWS; local mode points the same adapters at local endpoints (dynalite, the local KMS
 * endpoint), so the code path is the same in both.
 */
import type { Activity, Environment, Platform, Progress, Tool, User } from '../academy/model';

/** Milliseconds since the epoch; injected so that tests control time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A public signing key as published in the JWKS. */
export interface PublicJwk {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly kid: string;
  readonly alg: 'RS256';
  readonly use: 'sig';
}

/**
 * Signs with keys that never leave KMS. Algorithms are fixed: RS256 (RSASSA-PKCS1-v1_5 SHA-256).
 */
export interface Signer {
  /** Public keys of every configured key, the active (signing) key first. */
  publicKeys(): Promise<readonly PublicJwk[]>;
  /**
   * Signs a JWT with the active key and answers its compact serialization. The protected header
   * is `{alg: "RS256", typ, kid}` with the active key's `kid` (its JWK thumbprint).
   */
  signJwt(payload: Readonly<Record<string, unknown>>, options?: { readonly typ?: string }): Promise<string>;
}

export interface EnvironmentStore {
  get(id: string): Promise<Environment | undefined>;
  put(environment: Environment): Promise<void>;
}

export interface ActivityStore {
  get(environmentId: string, id: string): Promise<Activity | undefined>;
  list(environmentId: string): Promise<Activity[]>;
  /** Creates; throws `ConditionFailedError` if the id exists. */
  create(activity: Activity): Promise<void>;
  /** Replaces; throws `ConditionFailedError` unless the stored `updatedAt` equals `expectedUpdatedAt`. */
  replace(activity: Activity, expectedUpdatedAt: string): Promise<void>;
  delete(environmentId: string, id: string): Promise<boolean>;
}

export interface UserStore {
  get(environmentId: string, id: string): Promise<User | undefined>;
  findByEmail(environmentId: string, email: string): Promise<User | undefined>;
  /**
   * Creates or replaces a user. The email is unique per environment (case-insensitively), enforced
   * by a conditional write of an email claim; throws `ConditionFailedError` when the email belongs
   * to another user. On failure nothing is left half-written.
   */
  save(user: User, previous: User | undefined): Promise<void>;
}

/** Where progress goes back to: the LMS that launched a user into an academy activity. */
export interface Lti12Binding {
  readonly version: '1.2';
  readonly consumerKey: string;
  /** `lis_outcome_service_url` */
  readonly serviceUrl: string;
  /** `lis_result_sourcedid` */
  readonly sourcedId: string;
}

export interface Lti13Binding {
  readonly version: '1.3';
  readonly platformId: string;
  /** The platform's user id (`sub`), AGS `userId`. */
  readonly sub: string;
  /** AGS endpoint claim (LTI AGS §3.1): a line item URL, the line items URL, the scopes granted. */
  readonly lineitem?: string;
  readonly lineitems?: string;
  readonly scopes: readonly string[];
  /** The launch's `resource_link.id`: a line item the academy creates is attached to that link (AGS §3.2.9). */
  readonly resourceLinkId?: string;
}

export type PassbackBinding = Lti12Binding | Lti13Binding;

/** A stable key of a binding: one per LMS (consumer key or platform) for a user and activity. */
export function bindingKey(binding: PassbackBinding): string {
  return binding.version === '1.2' ? `lti12:${binding.consumerKey}` : `lti13:${binding.platformId}`;
}

/** What a launch tells the academy after single sign-on (`POST …/sso/exchange`). */
export interface SsoGrant {
  readonly environmentId: string;
  readonly userId: string;
  readonly activityId: string;
  readonly created: boolean;
  readonly launch: { readonly version: '1.2' | '1.3'; readonly roles: readonly string[]; readonly returnUrl?: string };
}

/** Everything a launch needs to read, fetched in one round trip. */
export interface LaunchPrefetch {
  readonly environment?: Environment;
  readonly activity?: Activity;
  /** The academy user this LMS's user id maps to, when it launched before. */
  readonly knownUserId?: string;
}

export interface LaunchStore {
  /** One read: the environment, the activity and the external id's user (BatchGetItem). */
  prefetch(environmentId: string, activityId: string, externalKey: string, externalUserId: string): Promise<LaunchPrefetch>;
  /** Remembers which academy user an LMS's user id is (and records it on the user). */
  linkExternalId(environmentId: string, userId: string, externalKey: string, externalUserId: string): Promise<void>;
  /**
   * One write (BatchWriteItem): the enrollment (idempotent), the passback binding (the newest launch
   * wins) and the single sign-on code (stored by its hash, expiring).
   */
  recordLaunch(input: {
    readonly grant: SsoGrant;
    readonly binding?: PassbackBinding;
    readonly codeHash: string;
    readonly expiresAt: number;
    readonly now: number;
  }): Promise<void>;
  /** Consumes a single sign-on code once (a conditional delete); undefined when unknown, used or expired. */
  consumeSso(environmentId: string, codeHash: string, now: number): Promise<SsoGrant | undefined>;
}

/** Single-use values (OAuth nonces, JWT ids): one conditional write with an expiry. */
export interface ReplayGuard {
  /** True the first time `value` is seen in `scope` before `expiresAt` (epoch seconds); false on a replay. */
  useOnce(scope: string, value: string, expiresAt: number, now: number): Promise<boolean>;
}

export interface ProgressStore {
  get(environmentId: string, activityId: string, userId: string): Promise<Progress | undefined>;
  /** Every user's progress in an activity. */
  list(environmentId: string, activityId: string): Promise<Progress[]>;
  /**
   * Records progress. With `onlyIfNewerScore`, the write is conditional: it is refused (answering
   * false) when the stored `scoredAt` is newer than the new one (AGS §3.4: an older timestamp never
   * overwrites a newer result).
   */
  put(progress: Progress, options?: { readonly onlyIfNewerScore?: boolean }): Promise<boolean>;
  delete(environmentId: string, activityId: string, userId: string): Promise<void>;
}

/** What an OAuth 2 access token issued to an LTI 1.3 tool grants (academy as platform). */
export interface AccessTokenGrant {
  readonly environmentId: string;
  readonly toolId: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export interface AccessTokenStore {
  /** Stores a grant under the token's hash (the token itself is never stored). */
  save(tokenHash: string, grant: AccessTokenGrant): Promise<void>;
  /** The grant of an unexpired token, or undefined. */
  find(tokenHash: string, now: number): Promise<AccessTokenGrant | undefined>;
}

/** Academy as platform: a one-time launch ticket (`POST …/launches`), stored under its hash. */
export interface LaunchTicket {
  readonly environmentId: string;
  readonly activityId: string;
  readonly userId: string;
  /** Where the tool sends the learner back (`launch_presentation_return_url`); the academy URL when absent. */
  readonly returnUrl?: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export interface TicketStore {
  /** Stores a ticket under its hash (conditional: an existing hash is never overwritten). */
  create(ticketHash: string, ticket: LaunchTicket): Promise<void>;
  /** Consumes a ticket once (a conditional delete, `expiresAt > now`); undefined when unknown, used or expired. */
  consume(environmentId: string, ticketHash: string, now: number): Promise<LaunchTicket | undefined>;
}

/** The secret part of the `lis_result_sourcedid` handed to an LTI 1.2 tool for a user in an activity. */
export interface ResultSourcedId {
  readonly environmentId: string;
  readonly activityId: string;
  readonly userId: string;
  /** The tool's consumer key the sourcedId is bound to. */
  readonly consumerKey: string;
  readonly secret: string;
  readonly createdAt: string;
}

/** What a platform launch or a Basic Outcomes request reads, in one round trip. */
export interface PlatformContext {
  readonly environment?: Environment;
  readonly activity?: Activity;
  readonly user?: User;
  readonly sourcedId?: ResultSourcedId;
}

export interface PlatformStore {
  /** One read (BatchGetItem) of the environment and, when given, the activity, the user and its sourcedId. */
  context(environmentId: string, activityId?: string, userId?: string): Promise<PlatformContext>;
  /**
   * Stores a sourcedId when there is none, or when the stored one's secret is `replacing` (a key
   * change); false when another write won (read it again).
   */
  putSourcedId(sourcedId: ResultSourcedId, replacing?: string): Promise<boolean>;
}

/** Academy as LTI 1.3 tool: the platform registrations of an environment. */
export interface PlatformRegistrationStore {
  get(environmentId: string, id: string): Promise<Platform | undefined>;
  list(environmentId: string): Promise<Platform[]>;
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
  /** Removes a platform and its claim; answers the removed platform. */
  delete(environmentId: string, id: string): Promise<Platform | undefined>;
}

/**
 * What an LTI 1.3 login remembers for its launch (Security 1.0 §5.1.1.2): kept server-side under the
 * hash of `state`, bound to the browser by a cookie, used once.
 */
export interface OidcState {
  readonly environmentId: string;
  readonly platformId: string;
  readonly activityId: string;
  /** The login's `target_link_uri`; the id_token's claim must equal it (Core 1.3 §5.3.4). */
  readonly targetLinkUri: string;
  /** The nonce sent in the authentication request; the id_token must carry it. */
  readonly nonce: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/** What an LTI 1.3 launch reads before validating, in one round trip. */
export interface Lti13LaunchPrefetch extends LaunchPrefetch {
  readonly platform?: Platform;
}

export interface Lti13LaunchStore {
  /** One read (BatchGetItem): the environment and the activity of a login. */
  loginContext(environmentId: string, activityId: string): Promise<Pick<LaunchPrefetch, 'environment' | 'activity'>>;
  /** Stores a login's state under the hash of `state` (conditional: a hash is never overwritten). */
  saveState(stateHash: string, state: OidcState): Promise<void>;
  /** Consumes a state once (a conditional delete, `expiresAt > now`); undefined when unknown, used or expired. */
  consumeState(environmentId: string, stateHash: string, now: number): Promise<OidcState | undefined>;
  /** One read (BatchGetItem): the environment, the platform, the activity and the external id's user. */
  launchContext(
    environmentId: string,
    platformId: string,
    activityId: string,
    externalKey: string,
    externalUserId: string,
  ): Promise<Lti13LaunchPrefetch>;
}

// --- Academy as LTI 1.3 platform: tool registrations and pending OIDC logins ---

export interface ToolStore {
  /** One GetItem: a tool of the environment by its id, which is also its client id. */
  get(environmentId: string, id: string): Promise<Tool | undefined>;
  list(environmentId: string): Promise<Tool[]>;
  /** Creates; throws `ConditionFailedError` if the id exists. */
  create(tool: Tool): Promise<void>;
  /** Replaces; throws `ConditionFailedError` unless the stored `updatedAt` equals `expectedUpdatedAt`. */
  replace(tool: Tool, expectedUpdatedAt: string): Promise<void>;
  delete(environmentId: string, id: string): Promise<boolean>;
}

/**
 * A launch of an LTI 1.3 tool between the login initiation and the authorization request (Security
 * 1.0 §5.1.1): stored under the hash of its `login_hint`, bound to the browser by a cookie whose
 * value's hash it keeps, and to the `lti_message_hint` by that hint's hash; consumed once. It keeps
 * what the id_token says about the learner and the activity, as the ticket's launch read it.
 */
export interface PendingLogin {
  readonly environmentId: string;
  readonly toolId: string;
  readonly activityId: string;
  readonly userId: string;
  /** The login's `target_link_uri` (the activity's resource URL); the id_token's claim equals it. */
  readonly targetLinkUri: string;
  readonly messageHintHash: string;
  readonly browserHash: string;
  readonly user: { readonly email: string; readonly givenName: string; readonly familyName: string };
  readonly activity: { readonly title: string; readonly customParameters?: Readonly<Record<string, string>> };
  readonly environmentName: string;
  /** `launch_presentation.return_url`: the ticket's return URL, else the academy URL. */
  readonly returnUrl: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export interface PendingLoginStore {
  /** Stores a pending login (conditional: a hash is never overwritten). */
  save(loginHintHash: string, login: PendingLogin): Promise<void>;
  /** The unexpired pending login of a hint, or undefined. */
  find(environmentId: string, loginHintHash: string, now: number): Promise<PendingLogin | undefined>;
  /**
   * Consumes a pending login once: a conditional delete that holds only while it is unexpired and
   * still bound to `binding`. False when it was used (or changed, or expired) meanwhile.
   */
  consume(
    environmentId: string,
    loginHintHash: string,
    binding: { readonly messageHintHash: string; readonly browserHash: string },
    now: number,
  ): Promise<boolean>;
}

/**
 * AGS 2.0 §3.2: a line item (a gradebook column) of an external LTI 1.3 activity, created by its
 * tool through the line item service. The activity's own line item (`default`) is implicit: a
 * stored `default` only keeps what the tool set on it (resourceId, tag, dates).
 */
export interface LineItem {
  readonly environmentId: string;
  readonly activityId: string;
  readonly id: string;
  readonly label: string;
  /** Strictly greater than 0 (§3.2.8). */
  readonly scoreMaximum: number;
  readonly resourceLinkId?: string;
  readonly resourceId?: string;
  readonly tag?: string;
  readonly startDateTime?: string;
  readonly endDateTime?: string;
  readonly gradesReleased?: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** AGS 2.0 §3.3-3.4: the latest score a tool published for a user on a line item: what results answer. */
export interface AgsResult {
  readonly environmentId: string;
  readonly activityId: string;
  readonly lineItemId: string;
  /** The academy user id (the id_token's `sub`). */
  readonly userId: string;
  /** Absent when the score carries none (§3.4.4: the previous one is cleared). */
  readonly scoreGiven?: number;
  readonly scoreMaximum?: number;
  readonly activityProgress: string;
  readonly gradingProgress: string;
  readonly comment?: string;
  readonly scoringUserId?: string;
  readonly submission?: { readonly startedAt?: string; readonly submittedAt?: string };
  /** The score's `timestamp` in UTC with nine fraction digits, so that stored strings order by time. */
  readonly timestamp: string;
  readonly updatedAt: string;
}

/** One page of a listing; `next` is the cursor of the following page when there is one. */
export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

/** Line items and results of the academy's Assignment and Grade Services (academy as platform). */
export interface AgsStore {
  getLineItem(environmentId: string, activityId: string, id: string): Promise<LineItem | undefined>;
  /**
   * The stored line items of an activity other than `default`, ordered by id, those after `after`
   * only, that match every given filter; at most `limit`, with `next` when more match.
   */
  listLineItems(
    environmentId: string,
    activityId: string,
    query: {
      readonly limit: number;
      readonly after?: string;
      readonly resourceLinkId?: string;
      readonly resourceId?: string;
      readonly tag?: string;
    },
  ): Promise<Page<LineItem>>;
  /** Creates a line item (conditional: an id is never overwritten). */
  createLineItem(item: LineItem): Promise<void>;
  /** Replaces a line item; unless `upsert`, only an existing one (answers false when there is none). */
  replaceLineItem(item: LineItem, options?: { readonly upsert?: boolean }): Promise<boolean>;
  /** Removes a line item and its results; false when there was none. */
  deleteLineItem(environmentId: string, activityId: string, id: string): Promise<boolean>;
  getResult(environmentId: string, activityId: string, lineItemId: string, userId: string): Promise<AgsResult | undefined>;
  /** A line item's results ordered by user id, those after `after` only, at most `limit`. */
  listResults(
    environmentId: string,
    activityId: string,
    lineItemId: string,
    query: { readonly limit: number; readonly after?: string },
  ): Promise<Page<AgsResult>>;
  /**
   * Records a result unless the stored one has a later `timestamp` (one conditional write; AGS
   * §3.4.9: "The platform MUST NOT update a result if the last timestamp on record is later");
   * false when refused.
   */
  putResult(result: AgsResult): Promise<boolean>;
}

// --- Progress back to the LMS (passback): deliveries, their queue and their store ---

export const deliveryStates = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof deliveryStates)[number];

/** Which delivery: one per learner, activity and binding (LMS). */
export interface DeliveryKey {
  readonly environmentId: string;
  readonly activityId: string;
  readonly userId: string;
  /** {@link bindingKey} of the binding it delivers to. */
  readonly bindingKey: string;
}

/**
 * The state of passing a learner's progress back to one LMS (PRODUCT.md "Progress back to the LMS").
 * Every progress update opens it again (`pending`, attempts 0, the next `sequence`); a delivery that
 * keeps failing stays `failed` with its last error until the next update.
 */
export interface Delivery extends DeliveryKey {
  readonly version: PassbackBinding['version'];
  /** Where it goes: the outcome service URL (LTI 1.2) or the line item (LTI 1.3). */
  readonly target: string;
  readonly state: DeliveryState;
  /** Tries so far since the delivery was last opened. */
  readonly attempts: number;
  readonly lastError?: string;
  /** Grows by one each time the delivery is opened: the result of an older one is never recorded over a newer one. */
  readonly sequence: number;
  /** The progress that opened it (an attempt sends the newest progress). */
  readonly progress: { readonly status: Progress['status']; readonly score?: number };
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deliveredAt?: string;
}

/** One queued attempt of a delivery. */
export interface PassbackMessage extends DeliveryKey {
  readonly sequence: number;
  /**
   * The delivery's `attempts` when the message was queued: a message whose sequence or attempt no
   * longer matches the stored delivery is stale (superseded, or a duplicate) and is dropped.
   */
  readonly attempt: number;
}

/** At-least-once delivery of passback attempts: SQS on AWS, an in-process queue locally. */
export interface PassbackQueue {
  /** Queues an attempt, to run after `delaySeconds` (0 by default). */
  send(message: PassbackMessage, options?: { readonly delaySeconds?: number }): Promise<void>;
}

/** Everything stored about one learner in one activity that progress views and passback need. */
export interface LearnerRecords {
  readonly userId: string;
  readonly enrolled: boolean;
  readonly progress?: Progress;
  readonly bindings: readonly PassbackBinding[];
  readonly deliveries: readonly Delivery[];
}

/** What one delivery attempt reads. */
export interface DeliveryContext {
  readonly delivery?: Delivery;
  /** The binding as the newest launch left it. */
  readonly binding?: PassbackBinding;
  /** The newest progress. */
  readonly progress?: Progress;
  readonly activity?: Activity;
}

export interface PassbackStore {
  /** One Query: a learner's enrollment, progress, bindings and deliveries in an activity. */
  learner(environmentId: string, activityId: string, userId: string): Promise<LearnerRecords>;
  /** Every learner who is enrolled in or has progress in an activity, ordered by user id. */
  activity(environmentId: string, activityId: string): Promise<LearnerRecords[]>;
  /**
   * Opens (creates or reopens) the delivery of `key`: `pending`, attempts 0, no error, carrying
   * `progress`, with a `sequence` one above the stored one (an atomic counter). Answers it.
   */
  open(key: DeliveryKey, input: { readonly binding: PassbackBinding; readonly target: string; readonly progress: Progress; readonly now: number }): Promise<Delivery>;
  /** One read (BatchGetItem): the delivery, its binding, the newest progress and the activity. */
  load(key: DeliveryKey): Promise<DeliveryContext>;
  /**
   * Records the result of the attempt that `message` asked for: attempts become `message.attempt + 1`.
   * Conditional on the stored delivery still being `pending` at that sequence and attempt count;
   * answers false (and changes nothing) when it is not.
   */
  record(
    message: PassbackMessage,
    result: { readonly state: DeliveryState; readonly lastError?: string; readonly target: string; readonly now: number },
  ): Promise<boolean>;
  /**
   * Marks the delivery `failed` with `lastError` when the attempt `message` asked for will never
   * run (it could not be queued, or its message was dead-lettered); attempts stay as they are.
   * Conditional as `record`; answers false (and changes nothing) when the delivery moved on.
   */
  abandon(message: PassbackMessage, result: { readonly lastError: string; readonly now: number }): Promise<boolean>;
}
