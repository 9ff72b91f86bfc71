/**
 * Items that are used once or live briefly: nonces, JWT ids, OIDC state, launch tickets, single
 * sign-on codes, pending logins. One store serves them all (STYLE.md separation 5), so that replay
 * protection is written, reviewed and tested once: every operation is one conditional write or
 * delete (principle 5), never a read then a write, and an item past its `expiresAt` counts as absent
 * everywhere (DynamoDB's TTL deletes lazily; the local store never does).
 */
import type { SsoGrant } from './academy';
import type { DeepLinkingPicker, DeepLinkTicket } from './deep-linking';
import type { LaunchTicket, PendingLogin, RegistrationGrant, ToolRegistrationTicket } from './platform';
import type { OidcState, RegistrationLink } from './tool';

/** What each kind of item holds. A new kind (a registration token, say) is one line here. */
export interface SingleUseValues {
  /** An OAuth 1.0a nonce or a client assertion's `jti` (through `useOnce`): only its use counts. */
  readonly nonce: Readonly<Record<string, never>>;
  /** Academy as LTI 1.3 tool: a login's state, under the hash of `state`, from login to launch. */
  readonly 'oidc-state': OidcState;
  /**
   * Academy as platform: a launch ticket, under the ticket's hash, from the admin API to the browser:
   * of an external activity, of a deep linking request (`POST …/deep-links`), or of a dynamic
   * registration (`POST …/tool-registrations`).
   */
  readonly 'launch-ticket': LaunchTicket | DeepLinkTicket | ToolRegistrationTicket;
  /** A single sign-on code, under the code's hash, from a launch to `…/sso/exchange`. */
  readonly 'sso-code': SsoGrant;
  /** Academy as LTI 1.3 platform: a login, under the hash of its `login_hint`, from initiation to authorization. */
  readonly 'pending-login': PendingLogin;
  /** Academy as LTI 1.3 platform: a dynamic registration's token, under its hash, from the tool's initiation to its registration. */
  readonly 'registration-token': RegistrationGrant;
  /** Academy as LTI 1.3 tool: a validated deep linking request, under the hash of the picker form's token, until the choice is signed. */
  readonly 'deep-linking-picker': DeepLinkingPicker;
  /** Academy as LTI 1.3 tool: a dynamic registration link, under the hash of its id, until an LMS registers with it. */
  readonly 'registration-link': RegistrationLink;
}

export type SingleUseKind = keyof SingleUseValues;

/** The string fields of a value, which `consume` can require to be unchanged. */
export type SingleUseMatch<V> = { readonly [F in keyof V as NonNullable<V[F]> extends string ? F : never]?: NonNullable<V[F]> };

/**
 * An item is addressed by its kind, its scope (the environment it belongs to; for nonces, what they
 * are unique within) and its key (a hash, never the secret itself). Times: `expiresAt` in epoch
 * seconds, `now` in epoch milliseconds (the `Clock`'s).
 */
export interface SingleUseStore {
  /**
   * Stores an item (one conditional put): never over an unexpired item of the same address, where it
   * throws `ConditionFailedError`; an expired one is replaced.
   */
  create<K extends SingleUseKind>(
    kind: K,
    scope: string,
    key: string,
    value: SingleUseValues[K],
    expiresAt: number,
    now: number,
  ): Promise<void>;
  /** The item, while it is unexpired (one consistent read), without using it up. */
  find<K extends SingleUseKind>(kind: K, scope: string, key: string, now: number): Promise<SingleUseValues[K] | undefined>;
  /**
   * Uses an item up (one conditional delete) and answers it: to exactly one of any number of
   * concurrent callers, and only while it is unexpired and its fields still equal `match`
   * (a binding checked against what `find` read). Undefined when unknown, used, expired or changed.
   */
  consume<K extends SingleUseKind>(
    kind: K,
    scope: string,
    key: string,
    now: number,
    match?: SingleUseMatch<SingleUseValues[K]>,
  ): Promise<SingleUseValues[K] | undefined>;
  /**
   * A `create` of a `nonce` that answers instead of throwing: true the first time `value` is used in
   * `scope` before `expiresAt`, false on a replay.
   */
  useOnce(scope: string, value: string, expiresAt: number, now: number): Promise<boolean>;
}
