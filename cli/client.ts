/** One admin API request signed with SigV4 (service `execute-api`), as the AWS SDK signs: `@smithy/signature-v4`. */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Target } from './credentials';

export interface Answer {
  readonly status: number;
  readonly json: unknown;
  readonly text: string;
}

export async function sendSigned(
  target: Target,
  method: string,
  path: string,
  query: Readonly<Record<string, string>>,
  body: unknown,
): Promise<Answer> {
  const url = new URL(`${target.baseUrl}${path}`);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {
    host: url.host,
    accept: 'application/json',
    ...(text !== undefined ? { 'content-type': 'application/json' } : {}),
  };
  const signer = new SignatureV4({ service: 'execute-api', region: target.region, credentials: target.credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body: text,
  });
  const { host: _host, ...sent } = signed.headers;
  let response: Response;
  try {
    response = await fetch(url, { method, headers: sent, body: text });
  } catch (error) {
    throw new Error(`cannot reach ${target.baseUrl}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`);
  }
  const answer = await response.text();
  let json: unknown;
  try {
    json = answer ? JSON.parse(answer) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text: answer };
}
