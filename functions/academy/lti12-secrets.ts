/**
 * LTI 1.2 secrets at rest (docs/security.md "LTI 1.2 secrets at rest"): what each secret is bound
 * to, and which secret signs or verifies what. Secrets are stored sealed (`model.ts` `StoredSecret`)
 * and opened only where an LTI 1.2 message is signed or verified, one at a time:
 *
 * - the academy as tool: a credential's secret (the activity's own, or one issued for an LMS)
 *   verifies launches and the `lti1p1` migration claim, and signs Basic Outcomes passbacks;
 * - the academy as platform: an external activity's `lti.secret` signs launches to the tool and
 *   verifies its Basic Outcomes requests.
 */
import { UnreadableSecretError } from '../errors';
import type { Clock, SecretBox, SecretContext } from '../ports';
import type { Activity, ExternalLti12, Lti12Credential, StoredSecret } from './model';

/** What a sealed secret is for, in its context: a secret of one kind never opens as the other. */
export const secretPurposes = {
  /** A key and secret the academy issued, which LMSs sign launches into an academy activity with. */
  toolCredential: 'lti12-tool-credential',
  /** The key and secret of an external LTI 1.2 tool, which the academy signs launches with. */
  externalTool: 'lti12-external-tool',
} as const;

type ActivityRef = Pick<Activity, 'environmentId' | 'id'>;

/**
 * The encryption context of a secret: its purpose, environment, activity and consumer key. KMS
 * opens a ciphertext only in the context it was sealed in, so a sealed secret copied into another
 * activity's record (or under another key of the same one) opens nowhere.
 */
export function secretContext(
  purpose: (typeof secretPurposes)[keyof typeof secretPurposes],
  activity: ActivityRef,
  key: string,
): SecretContext {
  return { purpose, environment: activity.environmentId, activity: activity.id, key };
}

/** Seals `plaintext` for storage in `context`. */
export async function sealSecret(
  box: Pick<SecretBox, 'seal'>,
  plaintext: string,
  context: SecretContext,
): Promise<{ sealedSecret: string }> {
  return { sealedSecret: await box.seal(plaintext, context) };
}

/** A stored secret's plaintext: a sealed one opened in `context`, a plaintext one (written before) as it is. */
export function openSecret(box: Pick<SecretBox, 'open'>, stored: StoredSecret, context: SecretContext): Promise<string> {
  if (stored.sealedSecret !== undefined) return box.open(stored.sealedSecret, context);
  if (stored.secret !== undefined) return Promise.resolve(stored.secret);
  return Promise.reject(new UnreadableSecretError(`no secret is stored for ${JSON.stringify(context)}`));
}

/**
 * Seals a plaintext secret of a record written before secrets were sealed, dropping the plaintext;
 * a sealed one stays as it is.
 */
export async function sealedStored<S extends StoredSecret>(box: Pick<SecretBox, 'seal'>, stored: S, context: SecretContext): Promise<S> {
  if (stored.sealedSecret !== undefined || stored.secret === undefined) return stored;
  const { secret, ...rest } = stored;
  return { ...rest, ...(await sealSecret(box, secret, context)) } as S;
}

export interface SecretDeps {
  readonly secrets: Pick<SecretBox, 'open'>;
  readonly clock: Clock;
}

/** An opened secret of an academy credential, and which one it is (its `secretIssuedAt`). */
export interface Lti12Secret {
  readonly value: string;
  readonly issuedAt?: string;
}

/** Whether a rotation's previous secret still verifies at `now`. */
function previousValid(credential: Lti12Credential, now: number): boolean {
  return credential.previousSecret !== undefined && Date.parse(credential.previousSecret.validUntil) > now;
}

/**
 * The secrets that verify an LMS's messages signed with `credential`'s key now: the current one,
 * then, until its overlap ends, the one a rotation replaced (LMSs are given the new one one at a time).
 */
export async function verifyingSecrets(deps: SecretDeps, activity: ActivityRef, credential: Lti12Credential): Promise<Lti12Secret[]> {
  const context = secretContext(secretPurposes.toolCredential, activity, credential.key);
  const current = { value: await openSecret(deps.secrets, credential, context), issuedAt: credential.secretIssuedAt };
  const previous = credential.previousSecret;
  if (!previous || !previousValid(credential, deps.clock.now())) return [current];
  return [current, { value: await openSecret(deps.secrets, previous, context), issuedAt: previous.issuedAt }];
}

/**
 * The secret a passback to the LMS is signed with: the one it last launched with (`launchedWith`,
 * the binding's `secretIssuedAt`) while that one still verifies, since the LMS may not hold the new
 * one yet; else the current one. A secret without an issue date (from before rotation existed) is
 * named by none.
 */
export async function passbackSecret(
  deps: SecretDeps,
  activity: ActivityRef,
  credential: Lti12Credential,
  launchedWith: string | undefined,
): Promise<string> {
  const context = secretContext(secretPurposes.toolCredential, activity, credential.key);
  const previous = credential.previousSecret;
  const launchedWithPrevious = previous !== undefined && credential.secretIssuedAt !== launchedWith && previous.issuedAt === launchedWith;
  if (launchedWithPrevious && previousValid(credential, deps.clock.now())) return openSecret(deps.secrets, previous, context);
  return openSecret(deps.secrets, credential, context);
}

/** The secret of an external LTI 1.2 tool, which signs the academy's launches and verifies the tool's outcomes. */
export function externalToolSecret(deps: Pick<SecretDeps, 'secrets'>, activity: ActivityRef, lti: ExternalLti12): Promise<string> {
  return openSecret(deps.secrets, lti, secretContext(secretPurposes.externalTool, activity, lti.key));
}
