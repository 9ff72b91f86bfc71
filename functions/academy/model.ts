/** The academy's records, as stored and as answered by the admin API (docs/product.md "Concepts"). */

/** An LMS's id of a learner, under the key of the registration that gave it (`./identity.ts` `externalKeys`). */
export interface ExternalId {
  readonly key: string;
  readonly userId: string;
}

export const accountLinkingModes = ['always', 'domains', 'never'] as const;
export type AccountLinkingMode = (typeof accountLinkingModes)[number];

/**
 * Whether a launch may link an existing academy account found by the launch's email: `always` (the
 * academy's promise of one account per email), only for emails of some `domains`, or `never`.
 */
export interface AccountLinking {
  readonly byEmail: AccountLinkingMode;
  /** With `domains`: the email domains whose accounts may be linked (compared case-insensitively, exactly). */
  readonly domains?: readonly string[];
}

export interface Environment {
  readonly id: string;
  readonly name: string;
  /** The feature switch: every public LTI URL of an environment without it answers 403. */
  readonly ltiEnabled: boolean;
  /** Where single sign-on hands the user over (with a one-time `code`). */
  readonly academyUrl: string;
  /** Whether launches may link existing accounts by email (default `always`); platforms and LTI 1.2 activities may override it. */
  readonly accountLinking?: AccountLinking;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const activityTypes = ['e-learning', 'microlearning', 'learning-playlist', 'exam'] as const;
export type ActivityType = (typeof activityTypes)[number];

/** Academy-made types that may be offered to other LMSs as an LTI tool. */
export const ltiOfferableTypes: readonly ActivityType[] = ['e-learning', 'microlearning', 'learning-playlist'];
/** Types an external (LTI-hosted) activity may have. */
export const externalTypes: readonly ActivityType[] = ['e-learning', 'exam'];

/** When an LTI 1.2 secret was issued and, after a rotation, until when the one before still verifies. */
export interface Lti12SecretDates {
  readonly secretIssuedAt?: string;
  readonly previousSecretValidUntil?: string;
}

/** How other LMSs reach an academy-made activity that is available for LTI. */
export interface LtiAccess {
  readonly lti12: Lti12SecretDates & {
    readonly key: string;
    /** Only in the answer that issued it (docs/security.md "LTI 1.2 secrets at rest"). */
    readonly secret?: string;
    readonly launchUrl: string;
    /** The keys issued for one LMS each (their secrets are shown once, when issued). */
    readonly credentials: readonly (Lti12SecretDates & { readonly key: string; readonly name: string; readonly createdAt: string })[];
  };
  readonly lti13: { readonly resourceUrl: string };
}

/**
 * An LTI 1.2 secret as stored (docs/security.md "LTI 1.2 secrets at rest"): sealed by the secrets
 * key (KMS), bound to its environment, activity and key, so that only the functions that sign or
 * verify with it can open it, and a ciphertext copied to another record opens nowhere.
 */
export interface StoredSecret {
  /** The ciphertext (`ports/secrets.ts` `SecretBox`), base64. */
  readonly sealedSecret?: string;
  /**
   * The plaintext, in records written before secrets were sealed: still read, and sealed (this
   * field dropped) the next time the record is written. Never written any more.
   */
  readonly secret?: string;
}

/** The secret a rotation replaced: it still verifies launches until `validUntil`. */
export interface PreviousSecret extends StoredSecret {
  /** Its `secretIssuedAt` while it was current, when it had one. */
  readonly issuedAt?: string;
  readonly validUntil: string;
}

export interface ExternalLti12 extends StoredSecret {
  readonly version: '1.2';
  readonly key: string;
  readonly launchUrl: string;
  readonly resourceLinkId: string;
  readonly customParameters?: Readonly<Record<string, string>>;
}

export interface ExternalLti13 {
  readonly version: '1.3';
  readonly toolId: string;
  readonly resourceUrl: string;
  readonly customParameters?: Readonly<Record<string, string>>;
  /**
   * The line item the tool declared with the link (Deep Linking 2.0 §3.2 `lineItem`): the activity's
   * own AGS line item takes its label, maximum, resourceId and tag.
   */
  readonly lineItem?: ExternalLineItem;
}

/** A line item declared with an external link (Deep Linking 2.0 §3.2; AGS 2.0 §3.2.7-3.2.10). */
export interface ExternalLineItem {
  readonly label: string;
  /** Strictly greater than 0. */
  readonly scoreMaximum: number;
  readonly resourceId?: string;
  readonly tag?: string;
}

export type ExternalLti = ExternalLti12 | ExternalLti13;

/** An LTI 1.2 key and secret an LMS signs launches into an academy-made activity with. */
export interface Lti12Credential extends StoredSecret {
  readonly key: string;
  /**
   * When the current secret was issued: it names the secret an LMS launched with (the passback
   * binding's `secretIssuedAt`). Absent for secrets issued before rotation existed.
   */
  readonly secretIssuedAt?: string;
  /** After a rotation: the secret before, which LMSs not yet given the new one still launch with. */
  readonly previousSecret?: PreviousSecret;
}

/** A key and secret issued for one LMS (docs/product.md "Who is who"): its learners are its own, and it is revoked on its own. */
export interface LmsLti12Credential extends Lti12Credential {
  /** The LMS, as the administrator named it; shown to its learners when a link is refused. */
  readonly name: string;
  readonly createdAt: string;
}

export interface Activity {
  readonly id: string;
  readonly environmentId: string;
  readonly type: ActivityType;
  readonly title: string;
  readonly description?: string;
  readonly durationMinutes?: number;
  /** External exams only: the lowest score in percent that passes. */
  readonly minScore?: number;
  readonly availableForLti: boolean;
  /** Credentials other LMSs use; kept once generated, so turning LTI off and on again keeps them. */
  readonly lti12Credentials?: Lti12Credential;
  /** Keys and secrets issued for one LMS each, besides the activity's own. */
  readonly lmsCredentials?: readonly LmsLti12Credential[];
  /** Set when the activity's content is hosted by an external LTI tool. */
  readonly lti?: ExternalLti;
  /** LTI 1.2 launches into this activity: overrides the environment's account linking. */
  readonly accountLinking?: AccountLinking;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface User {
  readonly id: string;
  readonly environmentId: string;
  readonly email: string;
  readonly givenName: string;
  readonly familyName: string;
  /** The ids other systems know this user by, keyed by registration (`academy/identity.ts` `externalKeys`). */
  readonly externalIds: Readonly<Record<string, string>>;
  /** False for accounts a launch must never link by email (staff, administrators); absent means true. */
  readonly ltiLinkable?: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const progressStatuses = ['not-attempted', 'in-progress', 'completed', 'passed', 'failed'] as const;
export type ProgressStatus = (typeof progressStatuses)[number];

/** A user's state in an activity. */
export interface Progress {
  readonly environmentId: string;
  readonly activityId: string;
  readonly userId: string;
  readonly status: ProgressStatus;
  /** 0..100, when there is one. */
  readonly score?: number;
  /**
   * When the score was produced, as the scoring side says (AGS `timestamp`); an older one never
   * overwrites a newer one.
   */
  readonly scoredAt?: string;
  readonly updatedAt: string;
}

/**
 * An LTI 1.3 platform registration (academy as tool): an LMS that launches the academy's activities
 * (docs/product.md "Concepts"; Security 1.0 §5.1: the issuer, the tool's client id at that issuer, and
 * the platform's endpoints). (issuer, clientId) is unique within an environment.
 */
export interface Platform {
  readonly id: string;
  readonly environmentId: string;
  readonly name: string;
  /** The platform's `iss`, compared exactly. */
  readonly issuer: string;
  /** The academy's OAuth 2 client id at this platform: the id_token's `aud`, the client assertion's `iss` and `sub`. */
  readonly clientId: string;
  /** The `deployment_id`s launches may carry; empty: any (each remembered, with when it was first and last seen). */
  readonly deploymentIds: readonly string[];
  /** Whether launches from this platform may link existing accounts by email; else the environment's policy. */
  readonly accountLinking?: AccountLinking;
  /** OIDC authentication URL: where the login sends the browser. */
  readonly authUrl: string;
  /** OAuth 2 access token URL (client credentials with a JWT client assertion). */
  readonly tokenUrl: string;
  /**
   * The client assertion's `aud` when the platform wants another than its token URL (Brightspace's
   * "OAuth 2 Audience", e.g. `https://api.brightspace.com/auth/token`); the token URL when absent.
   */
  readonly tokenAudience?: string;
  /** The platform's key set URL. */
  readonly jwksUrl: string;
  /** A deactivated platform's logins, launches and passbacks are refused. */
  readonly activated: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A message a tool registered dynamically: its type, and where and under which label it is offered. */
export interface ToolMessage {
  readonly type: string;
  readonly targetLinkUri?: string;
  readonly label?: string;
}

/**
 * An LTI 1.3 tool registration (academy as platform): an external tool whose activities the academy
 * launches (docs/product.md "Concepts"; Security 1.0 §5.1.1: the tool's login initiation URL, redirect
 * URIs and key set URL). The tool's `id` is its generated OAuth 2 `clientId` (as a Canvas developer
 * key's id is its client_id), so that the authorization and token endpoints find a tool with one
 * GetItem of one item and an update is one conditional write.
 */
export interface Tool {
  readonly id: string;
  readonly environmentId: string;
  readonly name: string;
  /** The tool's OIDC third-party login initiation URL (Security 1.0 §5.1.1.1). */
  readonly oidcUrl: string;
  /** The tool's key set URL: its client assertions are verified with these keys. */
  readonly jwksUrl: string;
  /** Where id_tokens may be posted; without any, exactly the resource URL of the activity being launched. */
  readonly redirectUris?: readonly string[];
  /**
   * The target link URI of its deep linking requests (Deep Linking 2.0 §4.4); without it, the first
   * redirect URI.
   */
  readonly deepLinkingUrl?: string;
  /** A deactivated tool cannot be launched nor obtain access tokens. */
  readonly activated: boolean;
  /**
   * The tool keeps its login's state in the platform's storage (LTI Platform Storage): its launches
   * open in the academy's launch page, which sends `lti_storage_target` and answers the tool's
   * storage messages (docs/platform-storage.md). Without it, the browser goes to the tool directly.
   */
  readonly platformStorage?: boolean;
  /**
   * The service scopes (AGS, NRPS) its access tokens and launches may carry: those it asked for at
   * dynamic registration, narrowed to what the academy grants, or as an admin set them; without it,
   * every scope the academy grants (tools registered by hand before scopes were recorded).
   */
  readonly scopes?: readonly string[];
  /** The LTI messages it registered dynamically (Dynamic Registration 1.0 §2.2.1 `messages`), for the admin's review. */
  readonly messages?: readonly ToolMessage[];
  /** Its default launch URL as it registered it (`lti-tool-configuration.target_link_uri`): the resource URL to give its activities. */
  readonly targetLinkUri?: string;
  /** Generated: the id_token's `aud` and `azp`, the client assertion's `iss` and `sub`; equal to `id`. */
  readonly clientId: string;
  /** Generated: the `deployment_id` claim of every launch into this tool (Core 1.3 §5.3.3). */
  readonly deploymentId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}
