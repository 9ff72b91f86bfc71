import { Aws, CfnRule, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { LOGIN_INITIATION_PATH } from './http-api';

/** The web ACL's rate-based rules: requests per client IP address in any 5 minutes. */
export interface EdgeRateLimits {
  /** Every request of one address. */
  readonly rateLimit: number;
  /** LTI 1.3 login initiations of one address. */
  readonly loginRateLimit: number;
}

/**
 * Sized for a campus behind one NAT address: a few hundred launches of one class within minutes
 * pass, a scripted flood from one address is blocked after a few requests per second.
 */
export const DEFAULT_EDGE_RATE_LIMITS: EdgeRateLimits = { rateLimit: 3000, loginRateLimit: 500 };

export interface EdgeProps extends Partial<EdgeRateLimits> {
  readonly api: HttpApi;
  /**
   * An existing web ACL (WAFv2, scope `CLOUDFRONT`, which AWS creates only in us-east-1) to put on
   * the distribution instead of creating one.
   * @default a web ACL with the rate rules, created in this stack, which must then be in us-east-1
   */
  readonly webAclArn?: string;
  /**
   * The custom domain LMSs see (the host of `publicUrl`) and its certificate (ACM, in us-east-1),
   * as the distribution's alternate domain name.
   * @default none: LMSs see the distribution's own `*.cloudfront.net` domain
   */
  readonly domain?: { readonly name: string; readonly certificateArn: string };
}

/**
 * A CloudFront distribution in front of the HTTP API, with an AWS WAF web ACL of rate-based rules
 * (docs/security.md "Throttling": WAF protects CloudFront, REST APIs and load balancers, but cannot
 * be associated with an API Gateway HTTP API). Nothing is cached: every request goes to the API
 * with its method, query, headers and cookies, and the API's own host name (so that API Gateway
 * finds the API; lti-bridge builds its URLs from PUBLIC_URL, never from the request's host).
 *
 * The API's own endpoint stays reachable: the stage's throttling is what bounds requests that skip
 * the distribution. The admin API is called there, not through the distribution, as CloudFront
 * replaces the host that a SigV4 signature covers.
 */
export class Edge extends Construct {
  readonly distribution: Distribution;
  /** The web ACL created here, when none was given. */
  readonly webAcl?: CfnWebACL;
  /** `https://` and the domain LMSs see. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    const limits = { ...DEFAULT_EDGE_RATE_LIMITS, ...definedOnly(props) };
    for (const [name, value] of Object.entries(limits)) {
      // WAF's bounds for a rate-based rule's limit.
      if (!Number.isInteger(value) || value < 10 || value > 2_000_000_000) {
        throw new Error(`waf ${name} must be a whole number of requests per 5 minutes from 10 to 2,000,000,000, got ${value}`);
      }
    }
    let webAclArn = props.webAclArn;
    if (!webAclArn) {
      this.webAcl = this.createWebAcl(limits);
      webAclArn = this.webAcl.attrArn;
    }

    const apiHost = `${props.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `lti-bridge ${Stack.of(this).stackName}: WAF in front of the HTTP API`,
      defaultBehavior: {
        origin: new HttpOrigin(apiHost, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
        }),
        allowedMethods: AllowedMethods.ALLOW_ALL,
        // Not a redirect: a browser would follow it with GET and drop an LTI form post's body.
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
      webAclId: webAclArn,
      httpVersion: HttpVersion.HTTP2_AND_3,
      ...(props.domain
        ? {
            domainNames: [props.domain.name],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    this.url = `https://${props.domain?.name ?? this.distribution.distributionDomainName}`;

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'LMSs and students may be anywhere; the academy decides who may launch, not a country list',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          "every request the distribution forwards is in the HTTP API stage's access log (route, status, latency); WAF keeps metrics and sampled requests of what it blocks",
      },
      ...(props.domain
        ? []
        : [
            {
              id: 'AwsSolutions-CFR4',
              reason:
                'without a custom domain the distribution serves the default *.cloudfront.net certificate, whose TLS policy CloudFront sets; with one (edge certificate) TLSv1.2_2021 is the minimum',
            },
          ]),
    );
  }

  private createWebAcl(limits: EdgeRateLimits): CfnWebACL {
    const stack = Stack.of(this);
    if (!Token.isUnresolved(stack.region) && stack.region !== 'us-east-1') {
      throw new Error(
        `waf: a CloudFront web ACL can be created only in us-east-1, and this stack is in ${stack.region}: create one there (docs/security.md "Throttling") and give its ARN as waf.webAclArn`,
      );
    }
    // For a stack whose region is known only at deploy time.
    new CfnRule(this, 'WebAclRegion', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, 'us-east-1'),
          assertDescription:
            'waf: a CloudFront web ACL can be created only in us-east-1; deploy there, or give an existing one as waf.webAclArn',
        },
      ],
    });
    const metric = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${stack.stackName}-${name}`,
    });
    const tooMany = { block: { customResponse: { responseCode: 429 } } };
    return new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'lti-bridge: requests per client address, the LTI 1.3 login initiation apart',
      defaultAction: { allow: {} },
      visibilityConfig: metric('web-acl'),
      rules: [
        {
          name: 'LoginInitiationsPerAddress',
          priority: 0,
          action: tooMany,
          visibilityConfig: metric('login-per-address'),
          statement: {
            rateBasedStatement: {
              limit: limits.loginRateLimit,
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
              scopeDownStatement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'ENDS_WITH',
                  searchString: LOGIN_INITIATION_PATH.replace('/{env}', ''),
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
            },
          },
        },
        {
          name: 'RequestsPerAddress',
          priority: 1,
          action: tooMany,
          visibilityConfig: metric('requests-per-address'),
          statement: { rateBasedStatement: { limit: limits.rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
        },
      ],
    });
  }
}

function definedOnly(props: Partial<EdgeRateLimits>): Partial<EdgeRateLimits> {
  return Object.fromEntries(
    (['rateLimit', 'loginRateLimit'] as const).filter((key) => props[key] !== undefined).map((key) => [key, props[key]]),
  );
}
