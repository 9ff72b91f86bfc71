import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { type CfnStage, HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routeKey, type FunctionName, type Route } from '../functions/routes';

/**
 * One API Gateway token bucket: `rateLimit` requests per second in the long run, bursts of up to
 * `burstLimit` at once. Requests beyond it are answered 429 before they reach a function.
 */
export interface RouteThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * The stage's throttling. API Gateway applies each limit to each route on its own (route key:
 * method and path), and the account's own limit (10,000 requests per second, bursts of 5,000 per
 * region by default) to all of them together.
 */
export interface ApiThrottling {
  /** Every route a setting below does not cover: the admin API's. */
  readonly defaultRoute: RouteThrottle;
  /** Each public route: LMSs and browsers call them, and the LTI protocols authenticate them. */
  readonly publicRoute: RouteThrottle;
  /**
   * Each LTI 1.3 login initiation route (GET and POST): unauthenticated, and each request stores
   * an OIDC state item before the platform has answered anything.
   */
  readonly login: RouteThrottle;
}

/**
 * Sized for an academy whose classes start together: a few hundred students launching within a
 * few seconds fit in the bursts, while a flood of one route holds at most rate × duration of a
 * function's concurrency (e.g. 50 requests per second of 100 ms: 5 executions) and, for the
 * login, 25 DynamoDB writes per second.
 */
export const DEFAULT_THROTTLING: ApiThrottling = {
  defaultRoute: { rateLimit: 200, burstLimit: 400 },
  publicRoute: { rateLimit: 50, burstLimit: 200 },
  login: { rateLimit: 25, burstLimit: 100 },
};

/** The LTI 1.3 login initiation path (both methods), throttled as {@link ApiThrottling.login}. */
export const LOGIN_INITIATION_PATH = '/{env}/lti13/login';

export interface LtiHttpApiProps {
  /** @default {@link DEFAULT_THROTTLING} */
  readonly throttling?: ApiThrottling;
}

/**
 * The HTTP API: one route per row of the route table, each with a Lambda proxy integration (one per
 * function, shared by its routes). `iam` rows require SigV4 (service `execute-api`); `public` rows
 * are open, because LMSs and browsers call them and the LTI protocols authenticate those requests
 * themselves. The `$default` stage writes access logs and throttles every route
 * (docs/security.md "Throttling"): the stage default for the admin routes, a lower limit for each
 * public route, and the lowest for the login initiation, which writes before anything is verified.
 *
 * Routes are added after construction (`addRouteTable`), so that the functions can be created in
 * between with the API's endpoint as their PUBLIC_URL without a dependency cycle.
 */
export class LtiHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  private readonly iamAuthorizer = new HttpIamAuthorizer();
  private readonly integrations = new Map<FunctionName, HttpLambdaIntegration>();
  readonly throttling: ApiThrottling;

  constructor(scope: Construct, id: string, props: LtiHttpApiProps = {}) {
    super(scope, id);
    this.throttling = props.throttling ?? DEFAULT_THROTTLING;
    for (const [name, throttle] of Object.entries(this.throttling) as [string, RouteThrottle][]) {
      // 0 is valid for API Gateway, and answers every request 429.
      if (!(throttle.rateLimit > 0) || !Number.isInteger(throttle.burstLimit) || throttle.burstLimit < 1) {
        throw new Error(
          `throttling.${name} needs a rateLimit above 0 and a whole burstLimit of at least 1, got ${JSON.stringify(throttle)}`,
        );
      }
    }
    this.api = new HttpApi(this, 'Api', {
      description: 'lti-bridge: LTI 1.2 / 1.3 endpoints and the admin API',
      createDefaultStage: false,
    });

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: this.throttling.defaultRoute,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        // The route key, not the raw path: paths carry one-time launch tickets.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            caller: '$context.identity.userArn',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
  }

  /** Adds one route per row of the route table (`functions/routes.ts`). */
  addRouteTable(routes: readonly Route[], handlers: Readonly<Record<FunctionName, IFunction>>): void {
    // RouteSettings is JSON to CloudFormation: CDK passes it as written, so the keys are in its casing.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const route of routes) {
      const [httpRoute] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: this.integration(route.fn, handlers[route.fn]),
        authorizer: route.auth === 'iam' ? this.iamAuthorizer : undefined,
      });
      if (route.auth === 'public' && httpRoute) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${routeKey(route)} is called by LMSs and browsers; the LTI protocol authenticates it (OAuth 1.0a signature, signed JWT, OIDC state or one-time ticket) or it serves public data (JWKS)`,
        });
        const throttle = route.path === LOGIN_INITIATION_PATH ? this.throttling.login : this.throttling.publicRoute;
        routeSettings[routeKey(route)] = { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit };
        // A stage's route settings may name only routes that exist.
        this.stage.node.addDependency(httpRoute);
      }
    }
    (this.stage.node.defaultChild as CfnStage).routeSettings = routeSettings;
  }

  private integration(name: FunctionName, handler: IFunction): HttpLambdaIntegration {
    let integration = this.integrations.get(name);
    if (!integration) {
      // One invoke permission per function for the whole API rather than one per route: the admin
      // function serves dozens of routes, and a Lambda resource policy is limited to 20 KB.
      integration = new HttpLambdaIntegration(`${name}-integration`, handler, { scopePermissionToRoute: false });
      this.integrations.set(name, integration);
    }
    return integration;
  }
}
