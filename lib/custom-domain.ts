import { CfnOutput } from 'aws-cdk-lib';
import { ApiMapping, DomainName, SecurityPolicy, type HttpApi, type HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { ARecord, AaaaRecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';

/** The deployment's own domain for the API (README "Deploying to AWS", "Custom domain"). */
export interface CustomDomainSettings {
  /** The host LMSs and tools see, e.g. `lti.example.edu`; every generated URL starts `https://{domainName}`. */
  readonly domainName: string;
  /** An ACM certificate for that host, in the stack's own region (a regional API Gateway domain). */
  readonly certificateArn: string;
  /**
   * A Route 53 public hosted zone that holds the host: alias A and AAAA records are then created.
   * Without it, point a CNAME at the `CustomDomainTarget` output yourself.
   */
  readonly hostedZone?: { readonly id: string; readonly name: string };
}

export interface CustomDomainProps extends CustomDomainSettings {
  readonly api: HttpApi;
  readonly stage: HttpStage;
}

/**
 * An API Gateway custom domain for the HTTP API: the regional domain with its certificate (TLS 1.2),
 * the API's `$default` stage mapped at its root so paths are unchanged, and, with a hosted zone, the
 * DNS alias records. The functions receive `https://{domainName}` as PUBLIC_URL, so every URL they
 * generate (tool configuration, launch and JWKS URLs, LTI 1.2 signature base strings) uses it.
 */
export class CustomDomain extends Construct {
  readonly domain: DomainName;
  readonly url: string;

  constructor(scope: Construct, id: string, props: CustomDomainProps) {
    super(scope, id);
    if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(props.domainName)) {
      throw new Error(`customDomain.domainName must be a host name such as lti.example.edu, got "${props.domainName}"`);
    }
    this.domain = new DomainName(this, 'Domain', {
      domainName: props.domainName,
      certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
      securityPolicy: SecurityPolicy.TLS_1_2,
    });
    new ApiMapping(this, 'Mapping', { api: props.api, domainName: this.domain, stage: props.stage });
    this.url = `https://${props.domainName.toLowerCase()}`;
    if (props.hostedZone) {
      const zone = HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: props.hostedZone.id,
        zoneName: props.hostedZone.name,
      });
      const target = RecordTarget.fromAlias(
        new ApiGatewayv2DomainProperties(this.domain.regionalDomainName, this.domain.regionalHostedZoneId),
      );
      new ARecord(this, 'AliasA', { zone, recordName: props.domainName, target });
      new AaaaRecord(this, 'AliasAaaa', { zone, recordName: props.domainName, target });
    }
    new CfnOutput(this, 'Target', {
      value: this.domain.regionalDomainName,
      description: `Where ${props.domainName} must point (CNAME or alias) when no hosted zone is given`,
    });
  }
}
