import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  DomainName,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';

import type { CustomDomainContext } from './deployment-context';
import type { StageSettings } from './stages';

/** Path Stripe posts events to, with `?provider=STRIPE`. */
export const WEBHOOK_PATH = '/link-webhook';

/** Checkout's success and cancel URL, a page for the paying customer. */
export const CHECKOUT_RETURN_PATH = '/checkout/return';

export interface PublicApiProps {
  readonly stage: StageSettings;
  /** The webhook function, which serves both public routes. */
  readonly handler: IFunction;
  /** @default - the default execute-api URL is public */
  readonly customDomain?: CustomDomainContext;
}

/**
 * The public HTTP API: Stripe's webhook and the customer return page, with
 * JSON access logs, a throttle, and the stage's custom domain when a
 * certificate is given.
 */
export class PublicApi extends Construct {
  readonly httpApi: HttpApi;
  /** Base URL of the public routes, without a trailing slash. */
  readonly url: string;
  /**
   * CNAME target of the stage's domain, set when a certificate but no
   * hosted zone is given, so the DNS record is created by hand.
   */
  readonly customDomainTarget?: string;

  constructor(scope: Construct, id: string, props: PublicApiProps) {
    super(scope, id);
    const { stage } = props;

    const domain = props.customDomain
      ? new DomainName(this, 'DomainName', {
          domainName: stage.domainName,
          certificate: Certificate.fromCertificateArn(
            this,
            'Certificate',
            props.customDomain.certificateArn,
          ),
        })
      : undefined;

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: stage.stackName,
      description: `Stripe webhooks and checkout return page, ${stage.name}`,
      createDefaultStage: false,
      // With a custom domain, merchants give Stripe that URL, so the
      // execute-api URL would be a second public entry point that no client uses.
      disableExecuteApiEndpoint: domain !== undefined,
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: stage.logRetention,
      removalPolicy: stage.retainData
        ? RemovalPolicy.RETAIN
        : RemovalPolicy.DESTROY,
    });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: stage.publicApiThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
      domainMapping: domain ? { domainName: domain } : undefined,
    });

    const integration = new HttpLambdaIntegration(
      'WebhookIntegration',
      props.handler,
      { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 },
    );
    const routes = [
      ...this.httpApi.addRoutes({
        path: WEBHOOK_PATH,
        methods: [HttpMethod.POST],
        integration,
      }),
      ...this.httpApi.addRoutes({
        path: CHECKOUT_RETURN_PATH,
        methods: [HttpMethod.GET],
        integration,
      }),
    ];
    for (const route of routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Public by design: Stripe cannot sign requests with IAM or a ' +
          'token, so the webhook function authenticates each event by its ' +
          'Stripe-Signature or by retrieving it from Stripe; the return ' +
          'page is opened by the paying customer and shows only status, ' +
          'amount and merchant name.',
      });
    }

    if (domain === undefined) {
      this.url = this.httpApi.apiEndpoint;
      return;
    }
    this.url = `https://${stage.domainName}`;
    const zone = props.customDomain?.hostedZone;
    if (zone === undefined) {
      this.customDomainTarget = domain.regionalDomainName;
      return;
    }
    new ARecord(this, 'AliasRecord', {
      zone: HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
        hostedZoneId: zone.id,
        zoneName: zone.name,
      }),
      recordName: stage.domainName,
      target: RecordTarget.fromAlias(
        new ApiGatewayv2DomainProperties(
          domain.regionalDomainName,
          domain.regionalHostedZoneId,
        ),
      ),
    });
  }
}
