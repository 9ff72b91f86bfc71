/**
 * The KMS secret box against the local KMS endpoint through the real KMS client (no mock): what it
 * sends, what it caches, and what it refuses (docs/security.md "LTI 1.2 secrets at rest").
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsSecretBox } from '../../../functions/adapters/kms-secret-box';
import { UnreadableSecretError } from '../../../functions/errors';
import { startLocalKms, type LocalKms } from '../../../functions/local/kms-endpoint';

let dataDir: string;
let kms: LocalKms;
let client: KMSClient;
/** The KMS operations the client sent, in order. */
let sent: string[];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lti-bridge-secrets-'));
  kms = await startLocalKms({ dataDir });
  client = new KMSClient({
    endpoint: kms.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize' },
  );
});

beforeEach(() => {
  sent = [];
});

afterAll(async () => {
  client.destroy();
  await kms.close();
  await rm(dataDir, { recursive: true, force: true });
});

const context = { purpose: 'lti12-tool-credential', environment: 'env-1', activity: 'a-1', key: 'lb-1' };

describe('KmsSecretBox', () => {
  it('seals with one Encrypt and opens with one Decrypt, in the same context', async () => {
    const box = new KmsSecretBox(client, kms.secretsKeyId);
    const sealed = await box.seal('s3cret-value', context);
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('s3cret-value');
    expect(await box.open(sealed, context)).toBe('s3cret-value');
    expect(sent).toEqual(['EncryptCommand', 'DecryptCommand']);
  });

  it('opens each ciphertext once per instance: a warm open sends nothing, concurrent first opens share one Decrypt', async () => {
    const sealer = new KmsSecretBox(client, kms.secretsKeyId);
    const sealed = await sealer.seal('warm', context);
    sent = [];
    const box = new KmsSecretBox(client, kms.secretsKeyId);
    expect(await Promise.all([box.open(sealed, context), box.open(sealed, context)])).toEqual(['warm', 'warm']);
    expect(await box.open(sealed, { ...context })).toBe('warm');
    expect(sent).toEqual(['DecryptCommand']);
  });

  it('refuses a ciphertext in another context with UnreadableSecretError, even after it opened in its own', async () => {
    const box = new KmsSecretBox(client, kms.secretsKeyId);
    const sealed = await box.seal('bound', context);
    expect(await box.open(sealed, context)).toBe('bound');
    const elsewhere = { ...context, activity: 'a-2' };
    const refused = await box.open(sealed, elsewhere).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UnreadableSecretError);
    expect(refused).toMatchObject({ status: 500, code: 'secret_unreadable', expose: false });
    expect((refused as Error).message).not.toContain('bound');
    // A refusal is not remembered: KMS is asked again (and refuses again).
    sent = [];
    await expect(box.open(sealed, elsewhere)).rejects.toBeInstanceOf(UnreadableSecretError);
    expect(sent).toEqual(['DecryptCommand']);
  });

  it('refuses what is not a ciphertext of this key', async () => {
    const box = new KmsSecretBox(client, kms.secretsKeyId);
    await expect(box.open(Buffer.from('not a ciphertext').toString('base64'), context)).rejects.toBeInstanceOf(UnreadableSecretError);
  });

  it('keeps at most cacheSize opened secrets, the least recently used leaving first', async () => {
    const box = new KmsSecretBox(client, kms.secretsKeyId, { cacheSize: 2 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((value) => box.seal(value, context)));
    await box.open(a!, context);
    await box.open(b!, context);
    await box.open(a!, context); // a is now the most recently used
    await box.open(c!, context); // b leaves
    sent = [];
    await box.open(a!, context);
    await box.open(c!, context);
    expect(sent).toEqual([]);
    await box.open(b!, context);
    expect(sent).toEqual(['DecryptCommand']);
  });

  it('refuses to seal or open without a configured key, sending nothing', async () => {
    const box = new KmsSecretBox(client, undefined);
    await expect(box.seal('x', context)).rejects.toThrow('no secrets key configured (SECRETS_KEY_ID)');
    await expect(box.open('eA==', context)).rejects.toThrow('no secrets key configured (SECRETS_KEY_ID)');
    expect(sent).toEqual([]);
  });
});
