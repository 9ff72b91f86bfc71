/**
 * The contract between the passback dispatcher (`./dispatcher.ts`) and the protocol that carries
 * progress to one kind of LMS binding: LTI 1.2 Basic Outcomes (`../../lti12/tool-passback.ts`) or LTI 1.3
 * AGS. The dispatcher owns queueing, retries, ordering and the visible state; a deliverer only says
 * where a binding goes, whether it carries a given progress, and sends it once.
 *
 * Deliverers are registered by binding version in `../../app/deliverers.ts`.
 */
import type { Activity, Progress } from '../model';
import type { Config } from '../../config';
import type { Clock, HttpClient, PassbackBinding, PlatformRegistrationStore, SecretBox, Signer } from '../../ports';

/**
 * What a deliverer may use. The composition root's runtime has all of these; a deliverer that
 * needs more (a platform store, a token cache) adds it here.
 */
export interface DelivererDeps {
  readonly http: HttpClient;
  readonly clock: Clock;
  readonly config: Config;
  readonly signer: Signer;
  /** Opens the LTI 1.2 secret a Basic Outcomes passback is signed with. */
  readonly secrets: Pick<SecretBox, 'open'>;
  /**
   * The LTI 1.3 deliverer reads the platform registration of a binding; optional so that the
   * deliverers that do not need it are tested without.
   */
  readonly platformRegistrations?: PlatformRegistrationStore;
}

/** One attempt: the binding as the newest launch left it, the progress to send, the activity. */
export interface DeliveryAttempt<B extends PassbackBinding = PassbackBinding> {
  readonly binding: B;
  readonly progress: Progress;
  readonly activity: Activity;
}

/**
 * Where a protocol sends a binding's deliveries and which progress it carries: all that opening a
 * delivery needs. Apart from {@link Deliverer} so that the admin API, which opens deliveries but
 * never sends one, bundles no protocol client (registered in `../../app/delivery-targets.ts`).
 */
export interface DeliveryTarget<B extends PassbackBinding = PassbackBinding> {
  /** Shown as a passback's `target` in progress views: the outcome service URL, the line item. */
  target(binding: B): string;
  /**
   * Whether this protocol sends anything for `progress`. Progress it does not carry opens no
   * delivery (and an attempt of an earlier one sends the progress that opened it instead).
   */
  carries(progress: Progress): boolean;
}

export interface Deliverer<B extends PassbackBinding = PassbackBinding> extends DeliveryTarget<B> {
  /** Sends once; throws a {@link DeliveryError} saying whether trying again may help. */
  deliver(attempt: DeliveryAttempt<B>, deps: DelivererDeps): Promise<void>;
}

/** The delivery target of each binding version. */
export type DeliveryTargetRegistry = {
  readonly [V in PassbackBinding['version']]?: DeliveryTarget<Extract<PassbackBinding, { version: V }>>;
};

/** The deliverer of each binding version. */
export type DelivererRegistry = {
  readonly [V in PassbackBinding['version']]?: Deliverer<Extract<PassbackBinding, { version: V }>>;
};

/**
 * A failed attempt. `retryable`: the LMS may accept the same request later (it was down, slow, or
 * answered 408/425/429/5xx: `retryableAnswer` in `../../http/lms-answer.ts`); otherwise only a change
 * at the LMS or in the academy helps (it answered 400, 401 with a fresh token, 403, 404, 422, …), so
 * the delivery is `failed` at once. `message` becomes the delivery's `lastError`: it must say what
 * went wrong in words an LMS administrator understands, quote what the LMS answered, and never hold
 * a secret. `retryAfterSeconds`: how long the LMS asked to wait (`Retry-After`), when it did.
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';

  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
