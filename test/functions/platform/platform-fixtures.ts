/**
 * Helpers for the academy-as-platform tests: an environment with users and external activities
 * made through the admin API, the launch form read back from the page the real server answers,
 * direct reads and writes of the test server's DynamoDB tables (dynalite), the `ims-lti` npm
 * package (the external tool nobody here wrote) and Debian's python3-oauthlib as an independent
 * OAuth 1.0a signer.
 */
import { spawnSync } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../functions/adapters/keys';
import type { TestServer } from '../../fixtures/local-server';

export type Pair = [string, string];

/** ims-lti 3.0.2 (CommonJS, no types): the parts the tests use. */
export interface ImsLti {
  Provider: new (key: string, secret: string) => ImsProvider;
  OutcomeService: new (options: { consumer_key: string; consumer_secret: string; service_url: string; source_did: string }) => ImsOutcomeService;
}
export interface ImsProvider {
  valid_request(req: unknown, body: Record<string, string>, callback: (error: Error | null, valid: boolean) => void): void;
  body: Record<string, unknown>;
  student: boolean;
  outcome_service: ImsOutcomeService | false;
}
export interface ImsOutcomeService {
  send_replace_result(score: number, callback: (error: Error | null, result: unknown) => void): void;
  send_read_result(callback: (error: Error | null, score: unknown) => void): void;
  send_delete_result(callback: (error: Error | null, result: unknown) => void): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const imsLti: ImsLti = require('ims-lti');

/** Calls an ims-lti callback-style method as a promise that resolves with `[error, value]`. */
export function settle<T>(run: (callback: (error: Error | null, value: T) => void) => void): Promise<[Error | null, T]> {
  return new Promise((resolve) => run((error, value) => resolve([error, value])));
}

export const environmentBody = { name: 'Platform academy', ltiEnabled: true, academyUrl: 'https://academy.example/home' };

export interface Tool {
  readonly key: string;
  readonly secret: string;
  readonly launchUrl: string;
}

export async function createEnvironment(server: TestServer, env: string, body: Record<string, unknown> = environmentBody): Promise<void> {
  const answer = await server.admin.request('PUT', `/admin/environments/${env}`, body);
  if (answer.status !== 201 && answer.status !== 200) throw new Error(`environment ${env}: ${answer.status} ${answer.text}`);
}

export async function createUser(server: TestServer, env: string, id: string, overrides: Record<string, string> = {}): Promise<void> {
  const answer = await server.admin.request('PUT', `/admin/environments/${env}/users/${id}`, {
    email: `${id}@learners.example`,
    givenName: 'Grace',
    familyName: 'Hopper',
    ...overrides,
  });
  if (answer.status !== 201 && answer.status !== 200) throw new Error(`user ${id}: ${answer.status} ${answer.text}`);
}

/** Creates an external LTI 1.2 activity; answers its id. */
export async function createExternalActivity(
  server: TestServer,
  env: string,
  tool: Tool,
  extra: Record<string, unknown> = {},
  lti: Record<string, unknown> = {},
): Promise<string> {
  const answer = await server.admin.request('POST', `/admin/environments/${env}/activities`, {
    type: 'e-learning',
    title: 'External course',
    ...extra,
    lti: { version: '1.2', key: tool.key, secret: tool.secret, launchUrl: tool.launchUrl, resourceLinkId: 'rl-1', ...lti },
  });
  if (answer.status !== 201) throw new Error(`activity: ${answer.status} ${answer.text}`);
  return answer.json.id as string;
}

/** Asks the admin API for a launch URL. */
export async function ticketUrl(server: TestServer, env: string, activityId: string, userId: string, returnUrl?: string): Promise<string> {
  const answer = await server.admin.request('POST', `/admin/environments/${env}/launches`, { activityId, userId, ...(returnUrl ? { returnUrl } : {}) });
  if (answer.status !== 201) throw new Error(`launch: ${answer.status} ${answer.text}`);
  return answer.json.launchUrl as string;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
const unescape = (value: string) => value.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => entities[name]!);

export interface LaunchForm {
  readonly action: string;
  readonly pairs: Pair[];
  readonly fields: Record<string, string>;
}

/** Reads the auto-submitting form of a launch page, as a browser would submit it. */
export function readForm(html: string): LaunchForm {
  const form = /<form id="lti-launch" method="post" action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error('no launch form in the page');
  const pairs: Pair[] = [];
  for (const input of form[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    pairs.push([unescape(input[1]!), unescape(input[2]!)]);
  }
  return { action: unescape(form[1]!), pairs, fields: Object.fromEntries(pairs) };
}

/** Opens a launch URL and reads its form. */
export async function openLaunch(launchUrl: string): Promise<{ response: Response; html: string; form: LaunchForm }> {
  const response = await fetch(launchUrl);
  const html = await response.text();
  if (response.status !== 200) throw new Error(`launch page: ${response.status} ${html}`);
  return { response, html, form: readForm(html) };
}

/** An express-like request of the form's POST, as ims-lti's Provider reads it. */
export function providerRequest(form: LaunchForm): Record<string, unknown> {
  const url = new URL(form.action);
  return {
    protocol: url.protocol.replace(':', ''),
    headers: { host: url.host },
    url: `${url.pathname}${url.search}`,
    method: 'POST',
    body: form.fields,
  };
}

/** The test server's DynamoDB tables (dynalite), as the local server configured them in this process. */
export function tables(): { db: DynamoDBDocumentClient; data: string; ephemeral: string } {
  const client = new DynamoDBClient({
    endpoint: process.env.DYNAMODB_ENDPOINT,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { db: DynamoDBDocumentClient.from(client), data: process.env.DATA_TABLE!, ephemeral: process.env.EPHEMERAL_TABLE! };
}

/** A learner's progress item, read straight from the data table. */
export async function storedProgress(env: string, activityId: string, userId: string): Promise<Record<string, unknown> | undefined> {
  const { db, data } = tables();
  const { Item } = await db.send(new GetCommand({ TableName: data, Key: keys.learner(env, activityId, userId, 'PROGRESS') }));
  return Item;
}

/** Writes an item into the ephemeral table (e.g. a ticket that has already expired). */
export async function putEphemeral(item: Record<string, unknown>): Promise<void> {
  const { db, ephemeral } = tables();
  await db.send(new PutCommand({ TableName: ephemeral, Item: item }));
}

const pythonSigner = String.raw`
import json, sys
from urllib.parse import urlsplit
from oauthlib.oauth1.rfc5849 import signature
request = json.loads(sys.stdin.read())
collected = signature.collect_parameters(uri_query=urlsplit(request["url"]).query, body=[tuple(p) for p in request["pairs"]])
base = signature.signature_base_string("POST", signature.base_string_uri(request["url"]), signature.normalize_parameters(collected))
print(json.dumps({"base": base, "signature": signature.sign_hmac_sha1(base, request["secret"], "")}))
`;

/**
 * The base string and HMAC-SHA1 signature Debian's python3-oauthlib computes for a form POST to
 * `url` (its query parameters included) with the form's pairs (`oauth_signature` left out).
 */
export function oauthlibSignature(url: string, pairs: readonly Pair[], secret: string): { base: string; signature: string } {
  const run = spawnSync('/usr/bin/python3', ['-c', pythonSigner], {
    input: JSON.stringify({ url, pairs: pairs.filter(([name]) => name !== 'oauth_signature'), secret }),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`python3-oauthlib failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { base: string; signature: string };
}
