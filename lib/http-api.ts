import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routeKey, type FunctionName, type Route } from '../functions/routes';

/**
 * The HTTP API: one route per row of the route table, each with a Lambda proxy integration (one per
 * function, shared by its routes). `iam` rows require SigV4 (service `execute-api`); `public` rows
 * are open, because LMSs and browsers call them and the LTI protocols authenticate those requests
 * themselves. The `$default` stage writes access logs.
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

  constructor(scope: Construct, id: string) {
    super(scope, id);
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
      }
    }
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
