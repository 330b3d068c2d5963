import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';

import {
  DeploymentContextError,
  readDeploymentContext,
} from '../../lib/deployment-context';
import { STAGES } from '../../lib/stages';
import { buildStages } from './synth';

const TEST_CERTIFICATE =
  'arn:aws:acm:us-east-1:111111111111:certificate/0a1b2c3d-1111-2222-3333-444455556666';
const LIVE_CERTIFICATE =
  'arn:aws:acm:us-east-1:111111111111:certificate/9f8e7d6c-1111-2222-3333-444455556666';
const MARKETPLACE_ROLE = 'arn:aws:iam::222222222222:role/marketplace';
const BRAIN_STUDIO_ACCOUNT = '333333333333';

function readTestStage(context: Record<string, unknown>) {
  const app = new App({ context });
  return readDeploymentContext(app.node, STAGES.test);
}

describe('readDeploymentContext', () => {
  it('returns defaults without context', () => {
    const deployment = readTestStage({});

    expect(deployment).toEqual({
      account: undefined,
      region: undefined,
      customDomain: undefined,
      invokePrincipals: [],
      callbackAllowedHosts: [],
      alarmEmail: undefined,
    });
  });

  it('splits comma-separated lists', () => {
    const deployment = readTestStage({
      'test.invokePrincipalArns': ` ${MARKETPLACE_ROLE}, ${BRAIN_STUDIO_ACCOUNT},`,
      'test.callbackAllowedHosts': 'Hooks.Example.com ,*.flows.example.org',
    });

    expect(deployment.invokePrincipals).toEqual([
      MARKETPLACE_ROLE,
      BRAIN_STUDIO_ACCOUNT,
    ]);
    expect(deployment.callbackAllowedHosts).toEqual([
      'hooks.example.com',
      '*.flows.example.org',
    ]);
  });

  it('accepts lists from cdk.json', () => {
    const deployment = readTestStage({
      'test.invokePrincipalArns': [MARKETPLACE_ROLE],
    });

    expect(deployment.invokePrincipals).toEqual([MARKETPLACE_ROLE]);
  });

  it('ignores the other stage', () => {
    const deployment = readTestStage({
      'live.certificateArn': LIVE_CERTIFICATE,
      'live.alarmEmail': 'ops@example.com',
    });

    expect(deployment.customDomain).toBeUndefined();
    expect(deployment.alarmEmail).toBeUndefined();
  });

  it('reads a domain with its zone', () => {
    const deployment = readTestStage({
      'test.certificateArn': TEST_CERTIFICATE,
      'test.hostedZoneId': 'Z0123456789ABC',
      'test.hostedZoneName': 'jelou.dev.',
    });

    expect(deployment.customDomain).toEqual({
      certificateArn: TEST_CERTIFICATE,
      hostedZone: { id: 'Z0123456789ABC', name: 'jelou.dev' },
    });
  });

  it.each([
    ['account', 'abc', /test\.account is "abc"/],
    ['region', 'useast1', /test\.region is "useast1"/],
    [
      'certificateArn',
      'arn:aws:iam::111111111111:role/x',
      /ACM certificate ARN/,
    ],
    ['invokePrincipalArns', 'arn:aws:iam::123:role/x', /IAM role, user/],
    ['invokePrincipalArns', '*', /test\.invokePrincipalArns is "\*"/],
    ['callbackAllowedHosts', 'https://hooks.example.com', /without scheme/],
    ['callbackAllowedHosts', 'hooks.example.com:8443', /without scheme/],
    ['callbackAllowedHosts', '*', /without scheme/],
    ['callbackAllowedHosts', 'hooks.*.example.com', /without scheme/],
    ['alarmEmail', 'ops', /email address/],
  ])('rejects invalid %s %s', (key, value, message) => {
    const read = () => readTestStage({ [`test.${key}`]: value });

    expect(read).toThrow(DeploymentContextError);
    expect(read).toThrow(message);
  });

  it('rejects a zone without certificate', () => {
    const read = () =>
      readTestStage({
        'test.hostedZoneId': 'Z0123456789ABC',
        'test.hostedZoneName': 'jelou.dev',
      });

    expect(read).toThrow(/need test\.certificateArn/);
  });

  it('rejects half a zone', () => {
    const read = () =>
      readTestStage({
        'test.certificateArn': TEST_CERTIFICATE,
        'test.hostedZoneId': 'Z0123456789ABC',
      });

    expect(read).toThrow(/go together/);
  });

  it("rejects the live stage's zone", () => {
    const read = () =>
      readTestStage({
        'test.certificateArn': TEST_CERTIFICATE,
        'test.hostedZoneId': 'Z0123456789ABC',
        'test.hostedZoneName': 'jelou.ai',
      });

    expect(read).toThrow(/cannot hold chat-payments\.jelou\.dev/);
  });

  it('rejects a non-string value', () => {
    const read = () => readTestStage({ 'test.alarmEmail': 42 });

    expect(read).toThrow(/must be a string/);
  });
});

describe('ChatPaymentsStack with deployment context', () => {
  // Test gets a domain with its zone, live a certificate only.
  const stacks = buildStages({
    bundle: false,
    context: {
      'test.certificateArn': TEST_CERTIFICATE,
      'test.hostedZoneId': 'Z0123456789ABC',
      'test.hostedZoneName': 'jelou.dev',
      'test.invokePrincipalArns': `${MARKETPLACE_ROLE},${BRAIN_STUDIO_ACCOUNT}`,
      'test.callbackAllowedHosts': 'Hooks.Jelou.ai,flows.jelou.dev',
      'test.alarmEmail': 'payments-oncall@jelou.ai',
      'live.certificateArn': LIVE_CERTIFICATE,
    },
  });
  const test = Template.fromStack(stacks.test);
  const live = Template.fromStack(stacks.live);
  const apiFunctionArn = {
    'Fn::GetAtt': [
      stacks.test.getLogicalId(
        stacks.test.api.function.node.defaultChild as CfnElement,
      ),
      'Arn',
    ],
  };

  it('maps the custom domain', () => {
    test.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'chat-payments.jelou.dev',
      DomainNameConfigurations: [
        Match.objectLike({ CertificateArn: TEST_CERTIFICATE }),
      ],
    });
    test.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
  });

  it('creates the alias record', () => {
    test.hasResourceProperties('AWS::Route53::RecordSet', {
      HostedZoneId: 'Z0123456789ABC',
      Name: 'chat-payments.jelou.dev.',
      Type: 'A',
    });
  });

  it('disables the default endpoint', () => {
    test.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      DisableExecuteApiEndpoint: true,
    });
  });

  it('uses the domain as public URL', () => {
    const functions = Object.values(
      test.findResources('AWS::Lambda::Function'),
    );

    expect(functions).toHaveLength(4);
    for (const resource of functions) {
      expect(resource.Properties.Environment.Variables.PUBLIC_URL).toBe(
        'https://chat-payments.jelou.dev',
      );
    }
    test.hasOutput('WebhookUrl', {
      Value: 'https://chat-payments.jelou.dev/link-webhook?provider=STRIPE',
    });
  });

  it.each([MARKETPLACE_ROLE, BRAIN_STUDIO_ACCOUNT])(
    'grants %s the function URL',
    (principal) => {
      test.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunctionUrl',
        FunctionName: apiFunctionArn,
        FunctionUrlAuthType: 'AWS_IAM',
        Principal: principal,
      });
      test.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: apiFunctionArn,
        InvokedViaFunctionUrl: true,
        Principal: principal,
      });
    },
  );

  it('grants no other invoke', () => {
    const grants = Object.values(
      test.findResources('AWS::Lambda::Permission', {
        Properties: { FunctionName: apiFunctionArn },
      }),
    );

    expect(grants).toHaveLength(4);
  });

  it('passes the callback hosts', () => {
    const functions = Object.values(
      test.findResources('AWS::Lambda::Function'),
    );

    for (const resource of functions) {
      expect(
        resource.Properties.Environment.Variables.CALLBACK_ALLOWED_HOSTS,
      ).toBe('hooks.jelou.ai,flows.jelou.dev');
    }
  });

  it('subscribes the alarm email', () => {
    test.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'payments-oncall@jelou.ai',
    });
  });

  it('outputs the CNAME target without zone', () => {
    live.resourceCountIs('AWS::Route53::RecordSet', 0);
    live.hasOutput('CustomDomainTarget', {
      Value: { 'Fn::GetAtt': [Match.anyValue(), 'RegionalDomainName'] },
    });
    live.hasOutput('WebhookUrl', {
      Value: 'https://chat-payments.jelou.ai/link-webhook?provider=STRIPE',
    });
  });

  it.each(['test', 'live'] as const)('passes cdk-nag on %s', (name) => {
    const report = new AwsSolutionsChecks().validateScope(stacks[name]);

    expect(report.violations.map((violation) => violation.ruleName)).toEqual(
      [],
    );
  });
});
