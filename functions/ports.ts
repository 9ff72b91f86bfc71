/**
 * The interfaces that protocol and domain code depend on. Adapters (`functions/adapters/`) implement
 * them against AWS; local mode points the same adapters at local endpoints (dynalite, the local KMS
 * endpoint), so the code path is the same in both.
 */
import type { Activity, Environment, User } from './academy/model';

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
