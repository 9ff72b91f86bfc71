/**
 * What opening a sealed LTI 1.2 secret costs a launch (docs/benchmarks.md "LTI 1.2 secrets at
 * rest"): `KmsSecretBox.open` through the real KMS client against the local KMS endpoint, on a new
 * box and client each round, as a cold start has. Per round: the first open (the client's first
 * request, and one `Decrypt`), a further ciphertext (one `Decrypt` on the same client) and the first
 * ciphertext again (the cache: no request).
 *
 *   npx tsx scripts/bench/secret-box.ts [rounds]
 *
 * The local endpoint answers over loopback without TLS: the round trip to KMS in a region is not
 * measured here, only what lti-bridge's code and the SDK add to it, and how often it is paid.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsSecretBox } from '../../functions/adapters/kms-secret-box';
import { startLocalKms } from '../../functions/local/kms-endpoint';

async function main(rounds: number): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lti-bridge-secret-box-'));
  const kms = await startLocalKms({ dataDir });
  const client = () =>
    new KMSClient({ endpoint: kms.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const context = { purpose: 'lti12-tool-credential', environment: 'bench', activity: 'a-1', key: 'lb-1' };
  try {
    const sealer = new KmsSecretBox(client(), kms.secretsKeyId);
    const sealed = await Promise.all(Array.from({ length: rounds + 1 }, (_, i) => sealer.seal(`secret-${i}`, context)));
    const samples: { first: number; further: number; cached: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      const box = new KmsSecretBox(client(), kms.secretsKeyId);
      const time = async (ciphertext: string) => {
        const start = performance.now();
        await box.open(ciphertext, context);
        return performance.now() - start;
      };
      const first = await time(sealed[0]!);
      const further = await time(sealed[round + 1]!);
      const cached = await time(sealed[0]!);
      samples.push({ first, further, cached });
    }
    const median = (pick: (s: (typeof samples)[number]) => number) => {
      const sorted = samples.map(pick).sort((a, b) => a - b);
      return Number(sorted[Math.floor(sorted.length / 2)]!.toFixed(2));
    };
    process.stdout.write(
      `${JSON.stringify({ rounds, firstOpenMs: median((s) => s.first), furtherDecryptMs: median((s) => s.further), cachedMs: median((s) => s.cached) })}\n`,
    );
  } finally {
    await kms.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main(Number(process.argv[2] ?? 21)).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
