/**
 * Local mode's HTTP server (docs/product.md, "Local mode"): every route of `functions/routes.ts`, served
 * from one process by the same handlers that run on Lambda, behind the same route matching, event
 * shape (payload 2.0) and IAM authorization (SigV4) as API Gateway, with the embedded store and the
 * local KMS endpoint in place of DynamoDB and KMS.
 *
 * Each server builds its own runtime (`createRuntime`) from its options, with its own store, signing
 * key and in-process passback queue, and gives it to the handlers: it reads and writes no
 * environment variable, so servers with different data directories can run side by side in one
 * process.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { dynamoDocumentClient } from '../adapters/dynamo-client';
import { DynamoPassbackStore } from '../adapters/dynamo-passback';
import { createRuntime, type Runtime, type RuntimeParts } from '../app/runtime';
import { kmsSecretBox } from '../app/secrets';
import { kmsSigner } from '../app/signer';
import { parseConfig } from '../config';
import { functions, routes, type FunctionName, type FunctionSpec, type Route } from '../routes';
import { tableEnvVar } from '../tables';
import { fromApiResult, internalServerError, type HttpResponse } from './api-result';
import { joinedHeaders, splitTarget, toApiEvent, type IamIdentity } from './api-event';
import { startEmbeddedDynamo } from './embedded-dynamo';
import { startLocalKms } from './kms-endpoint';
import { localLambda, type LambdaHandler } from './lambdas';
import { localPassbackQueue, requeueLeftPending } from './passback-queue';
import { routeMatcher, type RouteMatch } from './route-matcher';
import { SigV4Verifier } from './sigv4-verifier';

export interface LocalServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Interface to listen on; loopback (`127.0.0.1`) by default. */
  readonly host?: string;
  /** Base URL that generated URLs and LTI 1.2 signatures use; `http://localhost:<port>` by default. */
  readonly publicUrl?: string;
  /** Where the embedded store and the local signing key live. */
  readonly dataDir: string;
  /** The one access key pair admin requests must be signed with (SigV4, service `execute-api`). */
  readonly adminAccessKeyId: string;
  readonly adminSecretAccessKey: string;
  /** The region admin requests are signed for, and the handlers' `AWS_REGION`; `us-east-1` by default. */
  readonly region?: string;
  /** The handlers' `JWT_CLOCK_TOLERANCE_SECONDS` (`functions/config.ts`); 30 by default. */
  readonly jwtClockToleranceSeconds?: number;
  /**
   * The local signing keys by name, the first signing, the others published in the JWKS
   * (docs/operations.md "Rotating the signing key"); `['primary']` by default.
   */
  readonly signingKeys?: readonly string[];
  /** Request bodies above this size get 413; 1 MiB by default. */
  readonly maxBodyBytes?: number;
  /** Receives one line per request (method, path, status, duration); stdout by default. */
  readonly log?: (line: string) => void;
}

export interface LocalServer {
  /**
   * Where this machine reaches the server: `http://localhost:<port>` when it listens on loopback or
   * every interface (which is also the default `publicUrl`), else `http://<host>:<port>`.
   */
  readonly baseUrl: string;
  readonly port: number;
  /** What handlers see as `PUBLIC_URL`. */
  readonly publicUrl: string;
  readonly region: string;
  /** The runtime every handler of this server runs on: its configuration, stores, signer and passback queue. */
  readonly runtime: Runtime & RuntimeParts;
  /** The DynamoDB client of the runtime's stores, for tests that watch or delay the handlers' requests (SDK middleware). */
  readonly dynamo: DynamoDBDocumentClient;
  close(): Promise<void>;
}

/** Lambda defaults of the stack (`lib/lti-function.ts`), for functions whose spec sets none. */
const DEFAULT_TIMEOUT_SECONDS = 10;
const DEFAULT_MEMORY_MB = 512;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const ACCOUNT_ID = '000000000000';

/** Path parameters whose values are credentials of a kind (one-time tickets, codes) and stay out of logs. */
const SECRET_PARAM = /ticket|token|code|secret|nonce|state|key/i;

/** Starts the embedded store, the local KMS endpoint and the HTTP server; see the file comment. */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const dataDir = resolve(options.dataDir);
  const region = options.region ?? 'us-east-1';
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  };

  try {
    const dynamo = await startEmbeddedDynamo({ dataDir });
    closers.push(() => dynamo.close());
    const kms = await startLocalKms({ dataDir, ...(options.signingKeys ? { signingKeys: options.signingKeys } : {}) });
    closers.push(() => kms.close());

    const verifier = new SigV4Verifier({
      accessKeyId: options.adminAccessKeyId,
      secretAccessKey: options.adminSecretAccessKey,
      region,
    });
    const match = routeMatcher(routes);
    // Built once the port, and so the default public URL, is known; requests wait for it.
    let runtime: (Runtime & RuntimeParts) | undefined;
    const current = (): Runtime & RuntimeParts => {
      if (!runtime) throw new Error('the local server is not configured yet');
      return runtime;
    };
    const handlers = handlerLoader(current);
    let ready: (() => void) | undefined;
    const configured = new Promise<void>((resolveReady) => (ready = resolveReady));

    const server = createServer((req, res) => {
      const t0 = performance.now();
      res.on('close', () => {
        const method = req.method ?? 'GET';
        log(`${method} ${loggedPath(method, req.url ?? '/', match)} ${res.statusCode} ${Math.round(performance.now() - t0)}ms`);
      });
      configured
        .then(() => serve(req, res, { match, verifier, handlers, maxBodyBytes, region }))
        .catch((error: unknown) => {
          if (error instanceof RequestAborted) return void res.destroy();
          logError('request failed', error);
          if (!res.headersSent) send(res, internalServerError);
          else res.destroy();
        });
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolveListen();
      });
    });
    closers.push(
      () =>
        new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          server.closeIdleConnections();
        }),
    );

    const { address, port } = server.address() as AddressInfo;
    const publicUrl = (options.publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, '');
    // The environment the stack gives a function, parsed as a Lambda parses its own.
    const config = parseConfig({
      PUBLIC_URL: publicUrl,
      [tableEnvVar.data]: dynamo.tableNames.data,
      [tableEnvVar.ephemeral]: dynamo.tableNames.ephemeral,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      KMS_ENDPOINT: kms.endpoint,
      SIGNING_KEY_IDS: kms.signingKeyIds.join(','),
      SECRETS_KEY_ID: kms.secretsKeyId,
      LTI_BRIDGE_LOCAL: '1',
      AWS_REGION: region,
      // The SDK clients only talk to the local endpoints, which ignore credentials; fixed dummy ones
      // keep the SDK from searching the environment, profiles, SSO or instance metadata.
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      JWT_CLOCK_TOLERANCE_SECONDS: options.jwtClockToleranceSeconds?.toString(),
    });
    // The passback queue runs each attempt in this process, signed by the same KMS signer (through
    // the local KMS endpoint) as the authorization endpoint and, on AWS, the passback worker. Every
    // function seals and opens LTI 1.2 secrets with the same KMS secret box as on AWS.
    const queue = localPassbackQueue(current);
    closers.push(async () => queue.close());
    runtime = createRuntime(config, { signer: kmsSigner(config), passbackQueue: queue, secrets: kmsSecretBox(config) });
    // The same client as the runtime's stores (one per configuration).
    const documentClient = dynamoDocumentClient(config);
    await requeueLeftPending(new DynamoPassbackStore(documentClient, config.tables.data), queue, runtime.clock.now());
    ready?.();

    return {
      baseUrl: reachableUrl(address, port),
      port,
      publicUrl,
      region,
      runtime,
      dynamo: documentClient,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

interface ServeContext {
  readonly match: (method: string, rawPath: string) => RouteMatch | undefined;
  readonly verifier: SigV4Verifier;
  readonly handlers: (fn: FunctionName) => Promise<LambdaHandler>;
  readonly maxBodyBytes: number;
  readonly region: string;
}

async function serve(req: IncomingMessage, res: ServerResponse, ctx: ServeContext): Promise<void> {
  const { rawPath, rawQueryString } = splitTarget(req.url ?? '/');
  const matched = ctx.match(req.method ?? 'GET', rawPath);
  if (!matched) {
    req.resume();
    return send(res, jsonResponse(404, { error: 'not_found', message: `no route for ${req.method} ${rawPath}` }));
  }

  const body = await readBody(req, ctx.maxBodyBytes);
  if (!body) {
    res.setHeader('connection', 'close');
    return send(res, jsonResponse(413, { error: 'payload_too_large', message: `the body is larger than ${ctx.maxBodyBytes} bytes` }));
  }

  const requestId = randomUUID();
  let iam: IamIdentity | undefined;
  if (matched.route.auth === 'iam') {
    const verification = await ctx.verifier.verify({
      method: req.method ?? 'GET',
      rawPath,
      rawQueryString,
      headers: joinedHeaders(req.rawHeaders),
      body,
    });
    if (!verification.ok) {
      return send(
        res,
        jsonResponse(403, { error: 'forbidden', message: verification.message }, { 'x-amzn-errortype': verification.errorType }),
        requestId,
      );
    }
    iam = {
      accessKey: verification.accessKeyId,
      accountId: ACCOUNT_ID,
      callerId: 'AIDALOCALADMIN',
      userArn: `arn:aws:iam::${ACCOUNT_ID}:user/lti-bridge-local-admin`,
      userId: 'AIDALOCALADMIN',
    };
  }

  const event = toApiEvent(req, { route: matched.route, pathParameters: matched.pathParameters, body, requestId, iam });
  send(res, await invoke(ctx, matched.route, event, requestId), requestId);
}

/** Invokes a route's Lambda handler as the Lambda runtime would, within the function's timeout. */
async function invoke(ctx: ServeContext, route: Route, event: unknown, requestId: string): Promise<HttpResponse> {
  const spec: FunctionSpec = functions[route.fn];
  const timeoutMs = (spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const context = lambdaContext(route.fn, spec, ctx.region, requestId, Date.now() + timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  try {
    const handler = await ctx.handlers(route.fn);
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Task timed out after ${timeoutMs / 1000} seconds`)), timeoutMs);
    });
    return fromApiResult(await Promise.race([handler(event, context), timedOut]));
  } catch (error) {
    // What Lambda does with an invocation error: log it; API Gateway answers a bare 500.
    logError(`function ${route.fn} failed`, error, requestId);
    return internalServerError;
  } finally {
    clearTimeout(timer);
  }
}

function lambdaContext(fn: FunctionName, spec: FunctionSpec, region: string, requestId: string, deadline: number): Context {
  const functionName = `lti-bridge-local-${fn}`;
  const unsupported = () => {
    throw new Error('callback-style completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(spec.memorySize ?? DEFAULT_MEMORY_MB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** Builds each function's handler on `rt()` on first use, as a cold start would. */
function handlerLoader(rt: () => Runtime & RuntimeParts): (fn: FunctionName) => Promise<LambdaHandler> {
  const loaded = new Map<FunctionName, Promise<LambdaHandler>>();
  return (fn) => {
    let handler = loaded.get(fn);
    if (!handler) {
      handler = localLambda(fn, rt);
      // A module that failed to load is retried on the next request (after the file is fixed).
      handler.catch(() => loaded.delete(fn));
      loaded.set(fn, handler);
    }
    return handler;
  };
}

/** The client went away before sending its whole body. */
class RequestAborted extends Error {}

/** The body, or `undefined` when it is larger than `limit` (the rest is then not read). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolveBody(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new RequestAborted());
    });
  });
}

function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers },
    body: Buffer.from(JSON.stringify(body)),
  };
}

function send(res: ServerResponse, response: HttpResponse, requestId?: string): void {
  res.writeHead(response.statusCode, {
    ...response.headers,
    ...(requestId ? { 'apigw-requestid': requestId } : {}),
    'content-length': String(response.body.length),
  });
  res.end(response.body);
}

/**
 * The path for the request log: no query string, and path parameters that carry one-time
 * credentials replaced by their template name. Unmatched paths are cut short.
 */
function loggedPath(method: string, url: string, match: ServeContext['match']): string {
  const { rawPath } = splitTarget(url);
  const matched = match(method, rawPath);
  if (!matched) return rawPath.length > 120 ? `${rawPath.slice(0, 120)}…` : rawPath;
  const parts = rawPath.split('/');
  const logged: string[] = [];
  for (const [i, segment] of matched.route.path.split('/').entries()) {
    const variable = /^\{([^{}+]+)(\+?)\}$/.exec(segment);
    const secret = variable !== null && SECRET_PARAM.test(variable[1] as string);
    if (variable?.[2]) {
      logged.push(secret ? segment : parts.slice(i).join('/'));
      break;
    }
    logged.push(secret ? segment : (parts[i] ?? segment));
  }
  return logged.join('/');
}

function reachableUrl(address: string, port: number): string {
  const local = ['127.0.0.1', '::1', '0.0.0.0', '::'].includes(address) || address.startsWith('127.');
  if (local) return `http://localhost:${port}`;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

function logError(message: string, error: unknown, requestId?: string): void {
  const detail = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { value: String(error) };
  console.error(JSON.stringify({ level: 'error', message, ...(requestId ? { requestId } : {}), error: detail }));
}
