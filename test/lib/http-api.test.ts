/**
 * The API stage's throttling (docs/security.md "Throttling"), read from the synthesized template.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { routeKey, routes } from '../../functions/routes';
import { DEFAULT_THROTTLING, LOGIN_INITIATION_PATH } from '../../lib/http-api';
import type { LtiBridgeStack } from '../../lib/lti-bridge-stack';
import { logicalIdOf, synthesize } from '../fixtures/cdk-apps';

let stack: LtiBridgeStack;
let template: Template;

beforeAll(() => {
  ({ stack, template } = synthesize());
});

const stageOf = (of: LtiBridgeStack, t: Template) => t.findResources('AWS::ApiGatewayV2::Stage')[logicalIdOf(of.httpApi.stage)];
const publicKeys = routes
  .filter((r) => r.auth === 'public')
  .map(routeKey)
  .sort();
const loginKeys = routes
  .filter((r) => r.path === LOGIN_INITIATION_PATH)
  .map(routeKey)
  .sort();
const settingOf = (throttle: { rateLimit: number; burstLimit: number }) => ({
  ThrottlingRateLimit: throttle.rateLimit,
  ThrottlingBurstLimit: throttle.burstLimit,
});

describe('stage throttling', () => {
  it('limits every route by default, the admin routes included', () => {
    expect(stageOf(stack, template)?.Properties.DefaultRouteSettings).toEqual(settingOf(DEFAULT_THROTTLING.defaultRoute));
  });

  it('limits each public route lower, and the LTI 1.3 login initiation lowest', () => {
    expect(loginKeys).toEqual(['GET /{env}/lti13/login', 'POST /{env}/lti13/login']);
    const settings = stageOf(stack, template)?.Properties.RouteSettings as Record<string, unknown>;
    expect(Object.keys(settings).sort()).toEqual(publicKeys);
    for (const key of publicKeys) {
      const expected = loginKeys.includes(key) ? DEFAULT_THROTTLING.login : DEFAULT_THROTTLING.publicRoute;
      expect({ key, setting: settings[key] }).toEqual({ key, setting: settingOf(expected) });
    }
    const { defaultRoute, publicRoute, login } = DEFAULT_THROTTLING;
    expect(login.rateLimit).toBeLessThan(publicRoute.rateLimit);
    expect(publicRoute.rateLimit).toBeLessThan(defaultRoute.rateLimit);
  });

  it('deploys the stage after the routes its settings name', () => {
    const dependsOn = stageOf(stack, template)?.DependsOn as string[];
    const routeIds = Object.entries(template.findResources('AWS::ApiGatewayV2::Route'))
      .filter(([, route]) => publicKeys.includes(route.Properties.RouteKey))
      .map(([id]) => id);
    expect(routeIds).toHaveLength(publicKeys.length);
    expect(dependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('takes other limits as a setting, each replacing its default', () => {
    const login = { rateLimit: 5, burstLimit: 10 };
    const custom = synthesize({ throttling: { login } });
    const stage = stageOf(custom.stack, custom.template);
    expect(stage?.Properties.DefaultRouteSettings).toEqual(settingOf(DEFAULT_THROTTLING.defaultRoute));
    expect(stage?.Properties.RouteSettings['GET /{env}/lti13/login']).toEqual(settingOf(login));
    expect(stage?.Properties.RouteSettings['POST /{env}/lti13/token']).toEqual(settingOf(DEFAULT_THROTTLING.publicRoute));
  });

  it.each([
    [{ rateLimit: 0, burstLimit: 10 }, 'a rate of 0 answers every request 429'],
    [{ rateLimit: 10, burstLimit: 0 }, 'a burst of 0 too'],
    [{ rateLimit: 10, burstLimit: 2.5 }, 'a burst is a whole number of requests'],
  ])('refuses %j: %s', (publicRoute) => {
    expect(() => synthesize({ throttling: { publicRoute } })).toThrow(/throttling\.publicRoute needs a rateLimit above 0/);
  });
});
