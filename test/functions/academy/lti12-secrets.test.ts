/**
 * Which LTI 1.2 secret verifies and which signs (`functions/academy/lti12-secrets.ts`), over a box
 * that opens a "ciphertext" only in the context it was sealed in, as KMS does. The flows through
 * the real server and KMS endpoint are in `test/functions/lti12/secrets-at-rest.test.ts`.
 */
import {
  externalToolSecret,
  openSecret,
  passbackSecret,
  secretContext,
  secretPurposes,
  verifyingSecrets,
} from '../../../functions/academy/lti12-secrets';
import type { Lti12Credential } from '../../../functions/academy/model';
import { UnreadableSecretError } from '../../../functions/errors';
import type { SecretBox, SecretContext } from '../../../functions/ports';

const activity = { environmentId: 'env-1', id: 'act-1' };
const context = secretContext(secretPurposes.toolCredential, activity, 'lb-1');

/** Seals as `JSON([context, plaintext])` in base64; opens only under the same context; counts opens. */
function contextBox(): SecretBox & { opened: string[] } {
  const opened: string[] = [];
  const canonical = (c: SecretContext) => JSON.stringify(Object.entries(c).sort());
  return {
    opened,
    seal: async (plaintext, c) => Buffer.from(JSON.stringify([canonical(c), plaintext])).toString('base64'),
    open: async (sealed, c) => {
      const [sealedIn, plaintext] = JSON.parse(Buffer.from(sealed, 'base64').toString()) as [string, string];
      if (sealedIn !== canonical(c)) throw new UnreadableSecretError('another context');
      opened.push(plaintext);
      return plaintext;
    },
  };
}

const now = Date.parse('2026-12-01T12:00:00.000Z');
const hour = 3_600_000;
const at = (offset: number) => new Date(now + offset).toISOString();

async function credential(box: SecretBox, current: string, previous?: { secret: string; issuedAt?: string; validFor: number }) {
  const issued: Lti12Credential = {
    key: 'lb-1',
    sealedSecret: await box.seal(current, context),
    secretIssuedAt: at(-hour),
    ...(previous
      ? {
          previousSecret: {
            sealedSecret: await box.seal(previous.secret, context),
            ...(previous.issuedAt ? { issuedAt: previous.issuedAt } : {}),
            validUntil: at(previous.validFor),
          },
        }
      : {}),
  };
  return issued;
}

describe('verifyingSecrets', () => {
  it('answers the current secret, then the previous one during its overlap only, opening nothing else', async () => {
    const box = contextBox();
    const deps = { secrets: box, clock: { now: () => now } };
    const rotated = await credential(box, 'new', { secret: 'old', issuedAt: at(-48 * hour), validFor: hour });
    expect(await verifyingSecrets(deps, activity, rotated)).toEqual([
      { value: 'new', issuedAt: at(-hour) },
      { value: 'old', issuedAt: at(-48 * hour) },
    ]);
    box.opened.length = 0;
    const ended = await credential(box, 'new', { secret: 'old', validFor: -1 });
    expect(await verifyingSecrets(deps, activity, ended)).toEqual([{ value: 'new', issuedAt: at(-hour) }]);
    expect(box.opened).toEqual(['new']);
  });

  it('reads a plaintext secret of a record from before as it is, opening nothing', async () => {
    const box = contextBox();
    expect(await verifyingSecrets({ secrets: box, clock: { now: () => now } }, activity, { key: 'lb-1', secret: 'plain' })).toEqual([
      { value: 'plain', issuedAt: undefined },
    ]);
    expect(box.opened).toEqual([]);
  });

  it('refuses a secret sealed for another activity, key or purpose', async () => {
    const box = contextBox();
    const deps = { secrets: box, clock: { now: () => now } };
    const elsewhere = await box.seal('s', secretContext(secretPurposes.toolCredential, { ...activity, id: 'act-2' }, 'lb-1'));
    const otherKey = await box.seal('s', secretContext(secretPurposes.toolCredential, activity, 'lb-2'));
    const asExternal = await box.seal('s', secretContext(secretPurposes.externalTool, activity, 'lb-1'));
    for (const sealedSecret of [elsewhere, otherKey, asExternal]) {
      await expect(verifyingSecrets(deps, activity, { key: 'lb-1', sealedSecret })).rejects.toBeInstanceOf(UnreadableSecretError);
    }
    await expect(openSecret(box, {}, context)).rejects.toBeInstanceOf(UnreadableSecretError);
    await expect(
      externalToolSecret(deps, activity, {
        version: '1.2',
        key: 'lb-1',
        sealedSecret: otherKey,
        launchUrl: 'https://t/',
        resourceLinkId: 'r',
      }),
    ).rejects.toBeInstanceOf(UnreadableSecretError);
  });
});

describe('passbackSecret', () => {
  const sign = async (c: Lti12Credential, launchedWith: string | undefined, box: SecretBox) =>
    passbackSecret({ secrets: box, clock: { now: () => now } }, activity, c, launchedWith);

  it('signs with the secret the LMS launched with while it verifies, else with the current one', async () => {
    const box = contextBox();
    const rotated = await credential(box, 'new', { secret: 'old', issuedAt: at(-48 * hour), validFor: hour });
    expect(await sign(rotated, at(-48 * hour), box)).toBe('old');
    expect(await sign(rotated, at(-hour), box)).toBe('new');
    expect(await sign(rotated, undefined, box)).toBe('new');
    expect(await sign(rotated, 'an unknown date', box)).toBe('new');
    const ended = await credential(box, 'new', { secret: 'old', issuedAt: at(-48 * hour), validFor: -1 });
    expect(await sign(ended, at(-48 * hour), box)).toBe('new');
  });

  it('names a secret from before rotation existed by no date: a binding without one signs with it during the overlap', async () => {
    const box = contextBox();
    // The key's first rotation: the secret it replaced had no issue date, nor had the launch's binding.
    const firstRotation = await credential(box, 'new', { secret: 'original', validFor: hour });
    expect(await sign(firstRotation, undefined, box)).toBe('original');
    expect(await sign(firstRotation, at(-hour), box)).toBe('new');
    // Not rotated yet: the binding without a date is the current secret's.
    expect(await sign({ key: 'lb-1', secret: 'plain' }, undefined, box)).toBe('plain');
  });
});
