/**
 * The one table of every HTTP route lti-bridge serves. The CDK stack creates an API Gateway route
 * and a Lambda integration from each row, and the local server matches requests against the same
 * rows, so the cloud and the local server cannot drift apart.
 *
 * This file is pure data: the CDK app and the local server both import it, so it must not import
 * handler code or anything from the AWS SDK.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `iam`: API Gateway IAM authorization (SigV4, service `execute-api`); `public`: open to browsers and LMSs. */
export type Auth = 'iam' | 'public';

/** What a Lambda function may touch; the stack grants exactly these and nothing else. */
export type Permission =
  | 'data:read'
  | 'data:write'
  | 'ephemeral:read'
  | 'ephemeral:write'
  | 'kms:sign'
  | 'kms:publicKey'
  | 'queue:send'
  /** Encrypt LTI 1.2 secrets with the secrets key (docs/security.md "LTI 1.2 secrets at rest"). */
  | 'secrets:seal'
  /** Decrypt them: only where an LTI 1.2 message is signed or verified. */
  | 'secrets:open';

export interface FunctionSpec {
  /** Entry file under `functions/handlers/`, without extension. */
  readonly entry: string;
  readonly description: string;
  readonly permissions: readonly Permission[];
  readonly memorySize?: number;
  readonly timeoutSeconds?: number;
  /**
   * Invoked by an SQS event source rather than by API routes: the passback queue, or its dead-letter
   * queue (messages the worker failed on too often).
   */
  readonly trigger?: 'passback-queue' | 'passback-dead-letters';
}

/** Lambda functions, grouped by concern. */
export const functions = {
  jwks: {
    entry: 'jwks',
    description: 'GET /.well-known/jwks.json: the public half of every KMS signing key',
    permissions: ['kms:publicKey'],
  },
  admin: {
    entry: 'admin',
    description: 'Admin API: environments, activities and their LTI 1.2 keys, users, progress, launches, single sign-on exchange',
    // queue:send: recording progress queues its passback. secrets:seal: it stores LTI 1.2 secrets, never opens one.
    permissions: ['data:read', 'data:write', 'ephemeral:write', 'queue:send', 'secrets:seal'],
  },
  adminLti13: {
    entry: 'admin-lti13',
    description: 'Admin API for LTI 1.3 connections: platforms (setup sheets, registration links), tools (registration), deep links',
    // Apart from `admin` so that each initialises within budget (docs/benchmarks.md); ephemeral:write
    // creates registration links and deep linking tickets. It queues nothing and seals no secret.
    permissions: ['data:read', 'data:write', 'ephemeral:write'],
  },
  lti12Tool: {
    entry: 'lti12-tool',
    description: 'The academy as LTI 1.2 tool: basic launches from external LMSs',
    // secrets:open: the launch is verified with the key's LTI 1.2 secret.
    permissions: ['data:read', 'data:write', 'ephemeral:write', 'secrets:open'],
  },
  lti13Tool: {
    entry: 'lti13-tool',
    description: 'The academy as LTI 1.3 tool: OIDC login, validated launches, activity resource URLs',
    // No kms:sign: a launch verifies with the platform's keys and signs nothing. secrets:open: the
    // lti1p1 migration claim is verified with an LTI 1.2 secret.
    permissions: ['data:read', 'data:write', 'ephemeral:write', 'secrets:open'],
  },
  lti13ToolRegistration: {
    entry: 'lti13-tool-registration',
    description: 'The academy as LTI 1.3 tool registered by an LMS: one-time Dynamic Registration links, and the Canvas developer key JSON',
    // ephemeral:write uses the registration link once; data:write stores the platform. It calls the
    // LMS twice (its configuration, its registration endpoint), 8 s at most each. No KMS: it signs nothing.
    permissions: ['data:read', 'data:write', 'ephemeral:write'],
    timeoutSeconds: 25,
  },
  lti13DeepLinking: {
    entry: 'lti13-deep-linking',
    description: "The academy as LTI 1.3 tool: the Deep Linking picker's choice, signed as an LtiDeepLinkingResponse (KMS)",
    // ephemeral:write uses the picker's token once; kms:sign signs the response. Apart from lti13Tool,
    // which opens the picker, so that the launch bundles no KMS client.
    permissions: ['data:read', 'ephemeral:write', 'kms:sign'],
  },
  passbackWorker: {
    entry: 'passback-worker',
    description: 'Passes progress back to LMSs (Basic Outcomes, AGS): one attempt per passback queue message',
    // data:write records each attempt's result; queue:send queues the next attempt with a delay;
    // kms:sign signs the client assertion of an LTI 1.3 platform's access token request;
    // secrets:open: an LTI 1.2 passback is signed with the key's secret.
    permissions: ['data:read', 'data:write', 'queue:send', 'kms:sign', 'secrets:open'],
    // Outbound calls time out after 10 s each; the queue's visibility timeout is six times this.
    timeoutSeconds: 30,
    trigger: 'passback-queue',
  },
  passbackDeadLetters: {
    entry: 'passback-dead-letters',
    description: 'Marks the passback of each dead-lettered queue message failed, so that it is kept and shown, never left pending',
    // One conditional UpdateItem per message; no queue:send (it queues nothing), no KMS.
    permissions: ['data:read', 'data:write'],
    trigger: 'passback-dead-letters',
  },
  platformLaunch: {
    entry: 'platform-launch',
    description:
      'The academy as platform: one-time launch tickets become signed launches of external activities; deep linking responses become activities',
    // data:write creates the activities of a deep linking response; ephemeral:write uses tickets and
    // the response's nonce once; secrets:open: an LTI 1.2 launch is signed with the tool's secret. It
    // verifies a deep linking response with the tool's key set and signs nothing with KMS.
    permissions: ['data:read', 'data:write', 'ephemeral:write', 'secrets:open'],
  },
  lti13Authorize: {
    entry: 'lti13-platform',
    description: 'The academy as LTI 1.3 platform: OIDC authorization endpoint, answering launches with a KMS-signed id_token',
    // ephemeral:write consumes the pending login (a conditional delete); kms:sign signs the id_token;
    // data:write records the learner launched by the tool, whom alone its AGS may score, and enrols
    // the learner in the activity (NRPS memberships): two UpdateItems, sent together.
    permissions: ['data:read', 'data:write', 'ephemeral:write', 'kms:sign'],
  },
  lti13Token: {
    entry: 'lti13-token',
    description:
      "The academy as LTI 1.3 platform: OAuth 2 token endpoint (client credentials, JWT client assertion checked with the tool's key set)",
    // ephemeral:write: each assertion's jti is used once, and access tokens are stored by hash. No kms:sign.
    permissions: ['data:read', 'ephemeral:write'],
  },
  lti13PlatformRegistration: {
    entry: 'lti13-platform-registration',
    description:
      'The academy as LTI 1.3 platform at dynamic registration: its OpenID configuration, and the registrations of tools holding a registration token',
    // ephemeral:write uses each registration token once; data:write creates the tool (inactive). No KMS.
    permissions: ['data:read', 'data:write', 'ephemeral:write'],
  },
  lti12Outcomes: {
    entry: 'lti12-outcomes',
    description: 'The academy as platform: LTI 1.2 Basic Outcomes service (scores from external tools)',
    // secrets:open: requests are verified with the tool's secret.
    permissions: ['data:read', 'data:write', 'ephemeral:write', 'secrets:open'],
  },
  lti13Ags: {
    entry: 'lti13-ags',
    description:
      'The academy as LTI 1.3 platform: Assignment and Grade Services (line items, scores, results) and Names and Role Provisioning Services (memberships)',
    // ephemeral:read: access tokens are looked up there; issuing them is the token endpoint's.
    permissions: ['data:read', 'data:write', 'ephemeral:read'],
  },
  rosterSync: {
    entry: 'roster-sync',
    description:
      "The academy as LTI 1.3 tool: roster sync (admin API), reading the platforms' NRPS memberships and enrolling their learners",
    // kms:sign signs the client assertion of each platform's access token request; data:write creates
    // accounts and enrolls. No ephemeral table: platform tokens are cached in memory.
    permissions: ['data:read', 'data:write', 'kms:sign'],
    // 10,000 members in one invocation (docs/nrps.md "How large a roster"): within API Gateway's 30 s.
    memorySize: 1024,
    timeoutSeconds: 29,
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

export interface Route {
  readonly method: HttpMethod;
  /** API Gateway path template: `{name}` matches one path segment. */
  readonly path: string;
  readonly fn: FunctionName;
  readonly auth: Auth;
}

export const routes: readonly Route[] = [
  { method: 'GET', path: '/.well-known/jwks.json', fn: 'jwks', auth: 'public' },

  { method: 'PUT', path: '/admin/environments/{env}', fn: 'admin', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}', fn: 'admin', auth: 'iam' },
  { method: 'POST', path: '/admin/environments/{env}/activities', fn: 'admin', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}/activities', fn: 'admin', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}/activities/{id}', fn: 'admin', auth: 'iam' },
  { method: 'PATCH', path: '/admin/environments/{env}/activities/{id}', fn: 'admin', auth: 'iam' },
  { method: 'DELETE', path: '/admin/environments/{env}/activities/{id}', fn: 'admin', auth: 'iam' },
  { method: 'POST', path: '/admin/environments/{env}/activities/{id}/lti12-credentials', fn: 'admin', auth: 'iam' },
  { method: 'POST', path: '/admin/environments/{env}/activities/{id}/roster-sync', fn: 'rosterSync', auth: 'iam' },
  { method: 'DELETE', path: '/admin/environments/{env}/activities/{id}/lti12-credentials/{key}', fn: 'admin', auth: 'iam' },
  { method: 'POST', path: '/admin/environments/{env}/activities/{id}/lti12-credentials/{key}/rotate', fn: 'admin', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}/users', fn: 'admin', auth: 'iam' },
  { method: 'PUT', path: '/admin/environments/{env}/users/{id}', fn: 'admin', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}/users/{id}', fn: 'admin', auth: 'iam' },
  { method: 'POST', path: '/admin/environments/{env}/sso/exchange', fn: 'admin', auth: 'iam' },
  { method: 'POST', path: '/admin/environments/{env}/launches', fn: 'admin', auth: 'iam' },
  { method: 'PUT', path: '/admin/environments/{env}/activities/{id}/progress/{userId}', fn: 'admin', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}/activities/{id}/progress/{userId}', fn: 'admin', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}/activities/{id}/progress', fn: 'admin', auth: 'iam' },
  { method: 'POST', path: '/admin/environments/{env}/tools', fn: 'adminLti13', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}/tools', fn: 'adminLti13', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}/tools/{id}', fn: 'adminLti13', auth: 'iam' },
  { method: 'PATCH', path: '/admin/environments/{env}/tools/{id}', fn: 'adminLti13', auth: 'iam' },
  { method: 'DELETE', path: '/admin/environments/{env}/tools/{id}', fn: 'adminLti13', auth: 'iam' },
  { method: 'POST', path: '/admin/environments/{env}/platforms', fn: 'adminLti13', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}/platforms', fn: 'adminLti13', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}/platforms/{id}', fn: 'adminLti13', auth: 'iam' },
  { method: 'PATCH', path: '/admin/environments/{env}/platforms/{id}', fn: 'adminLti13', auth: 'iam' },
  { method: 'DELETE', path: '/admin/environments/{env}/platforms/{id}', fn: 'adminLti13', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}/platforms/{id}/setup', fn: 'adminLti13', auth: 'iam' },
  { method: 'POST', path: '/admin/environments/{env}/registrations', fn: 'adminLti13', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}/activities/{id}/setup', fn: 'adminLti13', auth: 'iam' },
  { method: 'POST', path: '/admin/environments/{env}/tool-registrations', fn: 'adminLti13', auth: 'iam' },
  { method: 'POST', path: '/admin/environments/{env}/deep-links', fn: 'adminLti13', auth: 'iam' },
  { method: 'GET', path: '/admin/environments/{env}/deep-links/{id}', fn: 'adminLti13', auth: 'iam' },

  { method: 'POST', path: '/{env}/lti12/launch/{activityId}', fn: 'lti12Tool', auth: 'public' },
  { method: 'GET', path: '/{env}/lti13/login', fn: 'lti13Tool', auth: 'public' },
  { method: 'POST', path: '/{env}/lti13/login', fn: 'lti13Tool', auth: 'public' },
  { method: 'POST', path: '/{env}/lti13/launch', fn: 'lti13Tool', auth: 'public' },
  { method: 'GET', path: '/{env}/lti13/activities/{activityId}', fn: 'lti13Tool', auth: 'public' },
  { method: 'GET', path: '/{env}/lti13/registrations/{registrationId}', fn: 'lti13ToolRegistration', auth: 'public' },
  { method: 'GET', path: '/{env}/lti13/canvas-config.json', fn: 'lti13ToolRegistration', auth: 'public' },
  { method: 'GET', path: '/{env}/lti13/deep-linking', fn: 'lti13DeepLinking', auth: 'public' },
  { method: 'POST', path: '/{env}/lti13/deep-linking', fn: 'lti13DeepLinking', auth: 'public' },
  { method: 'GET', path: '/{env}/launch/{ticket}', fn: 'platformLaunch', auth: 'public' },
  { method: 'POST', path: '/{env}/lti13/deep-linking/return', fn: 'platformLaunch', auth: 'public' },
  { method: 'GET', path: '/{env}/lti13/authorize', fn: 'lti13Authorize', auth: 'public' },
  { method: 'POST', path: '/{env}/lti13/authorize', fn: 'lti13Authorize', auth: 'public' },
  { method: 'POST', path: '/{env}/lti13/token', fn: 'lti13Token', auth: 'public' },
  { method: 'GET', path: '/{env}/lti13/.well-known/openid-configuration', fn: 'lti13PlatformRegistration', auth: 'public' },
  { method: 'POST', path: '/{env}/lti13/register', fn: 'lti13PlatformRegistration', auth: 'public' },
  { method: 'POST', path: '/{env}/lti12/outcomes', fn: 'lti12Outcomes', auth: 'public' },

  { method: 'GET', path: '/{env}/lti13/ags/{activityId}/lineitems', fn: 'lti13Ags', auth: 'public' },
  { method: 'POST', path: '/{env}/lti13/ags/{activityId}/lineitems', fn: 'lti13Ags', auth: 'public' },
  { method: 'GET', path: '/{env}/lti13/ags/{activityId}/lineitems/{lineItemId}', fn: 'lti13Ags', auth: 'public' },
  { method: 'PUT', path: '/{env}/lti13/ags/{activityId}/lineitems/{lineItemId}', fn: 'lti13Ags', auth: 'public' },
  { method: 'DELETE', path: '/{env}/lti13/ags/{activityId}/lineitems/{lineItemId}', fn: 'lti13Ags', auth: 'public' },
  { method: 'POST', path: '/{env}/lti13/ags/{activityId}/lineitems/{lineItemId}/scores', fn: 'lti13Ags', auth: 'public' },
  { method: 'GET', path: '/{env}/lti13/ags/{activityId}/lineitems/{lineItemId}/results', fn: 'lti13Ags', auth: 'public' },
  { method: 'GET', path: '/{env}/lti13/nrps/{activityId}/memberships', fn: 'lti13Ags', auth: 'public' },
];

/** The API Gateway route key of a row, e.g. `GET /admin/environments/{env}`; handlers dispatch on it. */
export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
