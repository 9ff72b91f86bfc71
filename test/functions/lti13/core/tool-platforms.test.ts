/**
 * On AWS, a platform's endpoints must be public https:// URLs (docs/product.md "Local mode"): checked
 * before anything is written.
 */
import { createPlatform, patchPlatform, type PlatformDeps } from '../../../../functions/lti13/core/tool-platforms';
import type { Platform } from '../../../../functions/academy/model';

const environment = { id: 'demo', name: 'Demo', ltiEnabled: true, academyUrl: 'https://a.example', createdAt: '', updatedAt: '' };
const body = {
  name: 'LMS',
  issuer: 'https://lms.example',
  clientId: 'c',
  deploymentId: 'd',
  authUrl: 'https://lms.example/auth',
  tokenUrl: 'https://lms.example/token',
  jwksUrl: 'https://lms.example/jwks',
};

function deps(): PlatformDeps & { written: Platform[] } {
  const written: Platform[] = [];
  return {
    written,
    environments: { get: async () => environment, put: async () => undefined },
    platformRegistrations: {
      get: async (_env, id) => written.find((p) => p.id === id),
      list: async () => written,
      findByIssuer: async () => [],
      create: async (p) => void written.push(p),
      replace: async (p) => void written.push(p),
      delete: async () => undefined,
      deployments: async () => [],
      page: async () => ({ items: [] }),
    },
    clock: { now: () => Date.UTC(2026, 0, 1) },
    publicUrl: 'https://bridge.example',
    localMode: false,
  };
}

it.each([
  ['authUrl', 'http://lms.example/auth', 'http: URLs are not allowed'],
  ['tokenUrl', 'https://127.0.0.1/token', 'internal address'],
  ['jwksUrl', 'https://localhost/jwks', 'internal address'],
  ['jwksUrl', 'https://user:pw@lms.example/jwks', 'credentials'],
])('refuses %s %s on AWS', async (field, url, message) => {
  const d = deps();
  await expect(createPlatform(d, 'demo', { ...body, [field]: url })).rejects.toMatchObject({
    status: 400,
    field,
    message: expect.stringContaining(message),
  });
  expect(d.written).toHaveLength(0);
});

it('accepts public https URLs on AWS, and refuses a patch to http', async () => {
  const d = deps();
  const created = await createPlatform(d, 'demo', body);
  expect(created.activated).toBe(true);
  await expect(patchPlatform(d, 'demo', created.id, { tokenUrl: 'http://lms.example/token' })).rejects.toMatchObject({
    status: 400,
    field: 'tokenUrl',
  });
  expect(d.written).toHaveLength(1);
});
