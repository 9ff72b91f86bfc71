import { routeMatcher } from '../../../functions/local/route-matcher';
import { routes, type HttpMethod } from '../../../functions/routes';

const table: { method: HttpMethod; path: string }[] = [
  { method: 'GET', path: '/{env}/activities/{id}' },
  { method: 'GET', path: '/{env}/activities/special' },
  { method: 'GET', path: '/admin/{rest+}' },
  { method: 'GET', path: '/admin/environments/{env}' },
  { method: 'POST', path: '/{env}/lti13/login' },
  { method: 'GET', path: '/.well-known/jwks.json' },
];
const match = routeMatcher(table);

describe('routeMatcher', () => {
  it('prefers a literal segment to a variable, whatever the table order', () => {
    expect(match('GET', '/demo/activities/special')?.route.path).toBe('/{env}/activities/special');
    expect(match('GET', '/demo/activities/other')?.route.path).toBe('/{env}/activities/{id}');
    expect(match('GET', '/admin/environments/demo')?.route.path).toBe('/admin/environments/{env}');
  });

  it('falls back to a greedy variable for the rest of the path', () => {
    expect(match('GET', '/admin/a/b/c')).toEqual({ route: table[2], pathParameters: { rest: 'a/b/c' } });
  });

  it('decodes each path parameter on its own', () => {
    expect(match('GET', '/my%20env/activities/a%2Fb')?.pathParameters).toEqual({ env: 'my env', id: 'a/b' });
    expect(match('GET', '/bad%E0%A4/activities/x')?.pathParameters).toEqual({ env: 'bad%E0%A4', id: 'x' });
  });

  it('matches a variable to one non-empty segment only', () => {
    expect(match('GET', '/demo/activities/')).toBeUndefined();
    expect(match('GET', '//activities/x')).toBeUndefined();
    expect(match('GET', '/demo/activities/x/y')).toBeUndefined();
  });

  it('compares the method exactly and answers undefined for no route', () => {
    expect(match('GET', '/demo/lti13/login')).toBeUndefined();
    expect(match('HEAD', '/.well-known/jwks.json')).toBeUndefined();
    expect(match('POST', '/demo/lti13/login')?.pathParameters).toEqual({ env: 'demo' });
    expect(match('GET', '/nowhere')).toBeUndefined();
  });

  it('matches every row of the real route table to itself', () => {
    const real = routeMatcher(routes);
    for (const route of routes) {
      const path = route.path.replace(/\{[^}]+\}/g, 'x');
      expect(real(route.method, path)?.route).toBe(route);
    }
  });
});
