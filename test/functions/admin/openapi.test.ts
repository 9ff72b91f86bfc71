/**
 * docs/openapi.json is the admin API as the code has it (issue 16: "An OpenAPI document of the admin
 * API, generated from the same schemas the handlers validate with, checked in CI against the
 * routes"): regenerated here and compared with the file, every admin route of functions/routes.ts in
 * it and nothing else, and each documented body refusing what its handler refuses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../../../functions/admin/openapi';
import { routes } from '../../../functions/routes';
import { startTestServer, type TestServer } from '../../fixtures/local-server';

const checkedIn = JSON.parse(readFileSync(join(__dirname, '../../../docs/openapi.json'), 'utf8'));
const generated = openApiDocument() as { paths: Record<string, Record<string, any>> };

it('docs/openapi.json is what the code generates (run npm run openapi after changing a route or a schema)', () => {
  expect(checkedIn).toEqual(JSON.parse(JSON.stringify(generated)));
});

it('documents every admin route of the route table, and nothing else', () => {
  const admin = routes
    .filter((route) => route.path.startsWith('/admin/'))
    .map((route) => `${route.method} ${route.path}`)
    .sort();
  const documented = Object.entries(generated.paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
  expect(documented).toEqual(admin);
});

describe('the documented bodies are the ones the handlers validate', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.admin.request('PUT', '/admin/environments/oa', {
      name: 'OA',
      ltiEnabled: true,
      academyUrl: 'https://academy.example/sso',
    });
  });
  afterAll(async () => server?.close());

  it.each([
    ['PUT', '/admin/environments/{env}', '/admin/environments/oa'],
    ['POST', '/admin/environments/{env}/activities', '/admin/environments/oa/activities'],
    ['POST', '/admin/environments/{env}/platforms', '/admin/environments/oa/platforms'],
    ['POST', '/admin/environments/{env}/sso/exchange', '/admin/environments/oa/sso/exchange'],
  ])(
    '%s %s: a field the document does not list is refused, naming it; each required field is named when missing',
    async (method, path, url) => {
      const schema = generated.paths[path]![method.toLowerCase()].requestBody.content['application/json'].schema;
      expect(schema.additionalProperties).toBe(false);
      const unknown = await server.admin.request(method, url, { notInTheDocument: 1 });
      expect(unknown.status).toBe(400);
      const firstRequired = schema.required[0] as string;
      expect(unknown.json.field === 'notInTheDocument' || unknown.json.field === firstRequired).toBe(true);
      const missing = await server.admin.request(method, url, {});
      expect(missing.status).toBe(400);
      expect(schema.required).toContain(missing.json.field);
    },
  );
});
