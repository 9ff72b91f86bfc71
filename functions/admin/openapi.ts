/**
 * The admin API as an OpenAPI 3.1 document, built from the route table (`../routes.ts`) and the
 * zod schemas the handlers validate bodies with, so that the document cannot drift from the code:
 * `npm run openapi` writes docs/openapi.json, and test/functions/admin/openapi.test.ts fails when
 * the file is not what this builds, or when an admin route has no entry here. Only scripts and
 * tests import this file; no function bundles it.
 */
import * as z from 'zod/mini';
import { activitySchemas } from '../academy/activities';
import { environmentSchemas } from '../academy/environments';
import { progressSchemas } from '../academy/progress';
import { userSchemas } from '../academy/users';
import { launchSchemas } from '../lti/platform-ticket-requests';
import { platformSchemas } from '../lti13/core/tool-platforms';
import { toolSchemas } from '../lti13/core/platform-tools';
import { deepLinkSchemas } from '../lti13/deep-linking/platform-deep-links';
import { registrationLinkSchemas } from '../lti13/dynamic-registration/tool-registration-links';
import { setupLmsValues } from '../lti13/dynamic-registration/tool-setup-sheets';
import { toolRegistrationSchemas } from '../lti13/dynamic-registration/platform-registration-links';
import { routeKey, routes } from '../routes';
import { ssoExchangeBody } from './users';

interface Operation {
  readonly summary: string;
  readonly body?: z.ZodMiniType;
  /** The body may be left out (every field has a default). */
  readonly optionalBody?: boolean;
  /** Query parameters, by name and description. */
  readonly query?: Readonly<Record<string, string>>;
}

const page = { limit: 'items per page, 1 to 200 (default 50)', cursor: "the previous page's `next`" };

/** What each admin route does (docs/product.md "Admin API"), and the body it validates. */
export const operations: Readonly<Record<string, Operation>> = {
  'PUT /admin/environments/{env}': { summary: 'Create or replace an environment', body: environmentSchemas.put },
  'GET /admin/environments/{env}': { summary: 'Read an environment' },
  'POST /admin/environments/{env}/activities': { summary: 'Create an activity', body: activitySchemas.create },
  'GET /admin/environments/{env}/activities': { summary: "List the environment's activities, a page at a time", query: page },
  'GET /admin/environments/{env}/activities/{id}': { summary: 'Read an activity' },
  'PATCH /admin/environments/{env}/activities/{id}': { summary: 'Change an activity', body: activitySchemas.patch },
  'DELETE /admin/environments/{env}/activities/{id}': { summary: 'Remove an activity' },
  'POST /admin/environments/{env}/activities/{id}/lti12-credentials': {
    summary: 'Issue an LTI 1.2 key and secret for one LMS (the secret is in this answer only)',
    body: activitySchemas.credential,
  },
  'DELETE /admin/environments/{env}/activities/{id}/lti12-credentials/{key}': { summary: "Revoke one LMS's LTI 1.2 key" },
  'POST /admin/environments/{env}/activities/{id}/lti12-credentials/{key}/rotate': {
    summary: 'A new secret for an LTI 1.2 key (answered once); the previous one keeps verifying for overlapHours',
    body: activitySchemas.rotate,
    optionalBody: true,
  },
  'POST /admin/environments/{env}/activities/{id}/roster-sync': {
    summary: 'Enrol the learners of every LMS context that launched the activity, read over NRPS',
  },
  'GET /admin/environments/{env}/users': {
    summary: 'The user with an email, or a page of all users',
    query: { email: 'the one user with this email (compared case-insensitively)', ...page },
  },
  'PUT /admin/environments/{env}/users/{id}': { summary: 'Create or replace a user', body: userSchemas.put },
  'GET /admin/environments/{env}/users/{id}': { summary: 'Read a user' },
  'POST /admin/environments/{env}/sso/exchange': { summary: "Trade a single sign-on code for the launch's user", body: ssoExchangeBody },
  'POST /admin/environments/{env}/launches': {
    summary: 'A one-time launch URL of an external activity for a user (academy as platform)',
    body: launchSchemas.create,
  },
  'PUT /admin/environments/{env}/activities/{id}/progress/{userId}': {
    summary: "Record a learner's progress; it is passed back to every LMS that launched them",
    body: progressSchemas.put,
  },
  'GET /admin/environments/{env}/activities/{id}/progress/{userId}': { summary: "A learner's progress and passbacks" },
  'GET /admin/environments/{env}/activities/{id}/progress': { summary: "Every learner's progress in an activity" },
  'POST /admin/environments/{env}/tools': { summary: 'Register an LTI 1.3 tool (academy as platform)', body: toolSchemas.create },
  'GET /admin/environments/{env}/tools': { summary: "List the environment's LTI 1.3 tools, a page at a time", query: page },
  'GET /admin/environments/{env}/tools/{id}': { summary: 'Read an LTI 1.3 tool' },
  'PATCH /admin/environments/{env}/tools/{id}': { summary: 'Change an LTI 1.3 tool', body: toolSchemas.patch },
  'DELETE /admin/environments/{env}/tools/{id}': { summary: 'Remove an LTI 1.3 tool' },
  'POST /admin/environments/{env}/registrations': {
    summary:
      'A one-time LTI Dynamic Registration URL (7 days) for an LMS administrator: {registrationUrl, expiresAt}; the platform it registers is inactive unless activate',
    body: registrationLinkSchemas.create,
    optionalBody: true,
  },
  'GET /admin/environments/{env}/platforms/{id}/setup': {
    summary: "What to enter in an LMS to add the academy as an LTI 1.3 tool, in that LMS's field names: {lms, steps, notes}",
    query: { lms: setupLmsValues.join(' | ') },
  },
  'GET /admin/environments/{env}/activities/{id}/setup': {
    summary:
      "What to enter in an LMS for one activity (LTI 1.3 link, LTI 1.1 launch URL and key), in that LMS's field names: {lms, steps, notes}",
    query: { lms: setupLmsValues.join(' | ') },
  },
  'POST /admin/environments/{env}/platforms': { summary: 'Register an LTI 1.3 platform (academy as tool)', body: platformSchemas.create },
  'GET /admin/environments/{env}/platforms': { summary: "List the environment's LTI 1.3 platforms, a page at a time", query: page },
  'GET /admin/environments/{env}/platforms/{id}': { summary: 'Read an LTI 1.3 platform, with the deployments seen' },
  'PATCH /admin/environments/{env}/platforms/{id}': { summary: 'Change an LTI 1.3 platform', body: platformSchemas.patch },
  'DELETE /admin/environments/{env}/platforms/{id}': { summary: 'Remove an LTI 1.3 platform' },
  'POST /admin/environments/{env}/tool-registrations': {
    summary:
      "Register an LTI 1.3 tool by Dynamic Registration: a one-time URL that opens the tool's registration URL; the tool it registers is inactive until activated",
    body: toolRegistrationSchemas.create,
  },
  'POST /admin/environments/{env}/deep-links': {
    summary: 'Ask an LTI 1.3 tool for content (Deep Linking): a one-time URL that sends the user to the tool',
    body: deepLinkSchemas.create,
  },
  'GET /admin/environments/{env}/deep-links/{id}': { summary: 'What a deep link brought: its state and the activities it created' },
};

const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'a stable code: invalid_request, not_found, conflict, forbidden, …' },
    message: { type: 'string' },
    field: { type: 'string', description: 'the field at fault, when there is one' },
  },
};

/** The OpenAPI 3.1 document of every `/admin` route of the route table. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes.filter((candidate) => candidate.path.startsWith('/admin/'))) {
    const key = routeKey(route);
    const operation = operations[key];
    if (!operation) throw new Error(`no OpenAPI entry for ${key}: add it to functions/admin/openapi.ts`);
    const parameters = [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(operation.query ?? {}).map(([name, description]) => ({
        name,
        in: 'query',
        required: false,
        description,
        schema: { type: 'string' },
      })),
    ];
    const body = operation.body && z.toJSONSchema(operation.body, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
    if (body) delete (body as { $schema?: string }).$schema;
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      summary: operation.summary,
      operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/_+$/, ''),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(body ? { requestBody: { required: !operation.optionalBody, content: { 'application/json': { schema: body } } } } : {}),
      responses: {
        '2XX': { description: 'Done: the record, the list page or the answer (docs/product.md "Admin API")' },
        default: {
          description: 'An error that names its field',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      security: [{ sigv4: [] }],
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'lti-bridge admin API',
      version: '1',
      description:
        'JSON over HTTPS under {base}/admin, signed with AWS SigV4 (service execute-api). Generated from functions/routes.ts and the zod schemas of the handlers: `npm run openapi`.',
    },
    servers: [
      { url: '{base}', variables: { base: { default: 'http://localhost:3000', description: 'the PublicUrl output, or npm start' } } },
    ],
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'AWS Signature Version 4, service execute-api' },
      },
    },
  };
}
