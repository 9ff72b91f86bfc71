/** The academy as platform (LTI 1.2 and 1.3): tools, launch tickets, pending logins, sourcedIds, access tokens. */
import type { Activity, Environment, Tool, User } from '../academy/model';
import type { Page, PageRequest } from './core';

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

/** Academy as platform: a one-time launch ticket (`POST …/launches`), kept in the single-use store under its hash. */
export interface LaunchTicket {
  readonly environmentId: string;
  readonly activityId: string;
  readonly userId: string;
  /** Where the tool sends the learner back (`launch_presentation_return_url`); the academy URL when absent. */
  readonly returnUrl?: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/**
 * Academy as LTI 1.3 platform: the one-time launch URL of a dynamic registration
 * (`POST …/tool-registrations`), a `launch-ticket` of the single-use store under its hash. The
 * browser that opens it is sent to the tool's registration initiation URL (Dynamic Registration 1.0
 * §3.3) with a fresh registration token.
 */
export interface ToolRegistrationTicket {
  readonly environmentId: string;
  /** The tool's registration initiation URL, as the admin gave it. */
  readonly registrationUrl: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/**
 * Academy as LTI 1.3 platform: what a registration token (Dynamic Registration 1.0 §3.3
 * `registration_token`) allows, a `registration-token` of the single-use store under the token's
 * hash: one client registration at `POST {base}/{env}/lti13/register`, before it expires.
 */
export interface RegistrationGrant {
  readonly environmentId: string;
  /** The registration initiation URL it was handed to. */
  readonly registrationUrl: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
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

/**
 * Academy as LTI 1.3 platform: a learner launched into an external activity by a tool, that is, an
 * id_token of that activity for that learner issued to that tool (Security 1.0 §5.1.1.3). A tool's
 * Assignment and Grade Services reach only the learners it launched into the activity: scores are
 * taken and results read for them alone (docs/ags.md "Who a score may be for").
 */
export interface LaunchedLearner {
  readonly environmentId: string;
  readonly activityId: string;
  readonly userId: string;
  readonly toolId: string;
}

export interface PlatformStore {
  /** One read (BatchGetItem) of the environment and, when given, the activity, the user and its sourcedId. */
  context(environmentId: string, activityId?: string, userId?: string): Promise<PlatformContext>;
  /**
   * Stores a sourcedId when there is none, or when the stored one's secret is `replacing` (a key
   * change); false when another write won (read it again).
   */
  putSourcedId(sourcedId: ResultSourcedId, replacing?: string): Promise<boolean>;
  /**
   * Records that a tool launched a learner into an activity, and enrols the learner in it (two
   * writes sent together, which never fail on existing records: the first launch's time is kept,
   * the latest one's updated). `now` in epoch milliseconds.
   */
  recordLaunchedLearner(learner: LaunchedLearner, now: number): Promise<void>;
  /**
   * One page of the users enrolled in an activity, in user id order, after the user id `after`;
   * `next` (the page's last user id) when more follow. A learner present from the first page to the
   * last is on exactly one page, whoever enrols or leaves meanwhile (NRPS memberships).
   */
  enrolledUsers(environmentId: string, activityId: string, page: { readonly limit: number; readonly after?: string }): Promise<Page<User>>;
}

export interface ToolStore {
  /** One GetItem: a tool of the environment by its id, which is also its client id. */
  get(environmentId: string, id: string): Promise<Tool | undefined>;
  list(environmentId: string): Promise<Tool[]>;
  /** One page of the environment's tools, in id order. */
  page(environmentId: string, request: PageRequest): Promise<Page<Tool>>;
  /** Creates; throws `ConditionFailedError` if the id exists. */
  create(tool: Tool): Promise<void>;
  /** Replaces; throws `ConditionFailedError` unless the stored `updatedAt` equals `expectedUpdatedAt`. */
  replace(tool: Tool, expectedUpdatedAt: string): Promise<void>;
  delete(environmentId: string, id: string): Promise<boolean>;
}

/**
 * The LTI message types the academy as platform sends (the values of `messageTypes` in
 * `lti13/core/claims.ts` and `deepLinkingMessageTypes` in `lti13/deep-linking/vocabulary.ts`, which a
 * port may not import; the id_token builder's map is checked against this type).
 */
export type PlatformMessageType = PendingLogin['messageType'];

/**
 * A launch of an LTI 1.3 tool between the login initiation and the authorization request (Security
 * 1.0 §5.1.1): a `pending-login` of the single-use store under the hash of its `login_hint`, bound to the browser by a cookie whose
 * value's hash it keeps, and to the `lti_message_hint` by that hint's hash; consumed once. It keeps
 * the message it will send and what the id_token says about the learner and what is launched, as
 * the ticket's launch read it.
 */
export type PendingLogin = ResourceLinkPendingLogin | DeepLinkingPendingLogin;

/** What every pending login keeps, whatever its message. */
export interface PendingLoginBase {
  readonly environmentId: string;
  readonly toolId: string;
  readonly userId: string;
  /** The login's `target_link_uri`; the id_token's claim equals it. */
  readonly targetLinkUri: string;
  readonly messageHintHash: string;
  readonly browserHash: string;
  readonly user: { readonly email: string; readonly givenName: string; readonly familyName: string };
  readonly environmentName: string;
  /** `launch_presentation.return_url`: the ticket's return URL, else the academy URL. */
  readonly returnUrl: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/** A resource link launch of an external activity (Core 1.3 §5.3.1 `LtiResourceLinkRequest`). */
export interface ResourceLinkPendingLogin extends PendingLoginBase {
  /** The id_token's `message_type` (Core 1.3 §5.3.1), chosen when the login starts. */
  readonly messageType: 'LtiResourceLinkRequest';
  readonly activityId: string;
  readonly activity: { readonly title: string; readonly customParameters?: Readonly<Record<string, string>> };
}

/** A deep linking request (Deep Linking 2.0 §4.4 `LtiDeepLinkingRequest`) of a deep link (`POST …/deep-links`). */
export interface DeepLinkingPendingLogin extends PendingLoginBase {
  readonly messageType: 'LtiDeepLinkingRequest';
  readonly deepLinkId: string;
  /** The `data` of the deep linking settings (§4.4.1), which the response echoes. */
  readonly data: string;
}
