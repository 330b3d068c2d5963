import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

import type { ChatPaymentsStack } from '../../lib/chat-payments-stack';
import type { ServiceFunction } from '../../lib/service-function';
import { STAGE_NAMES, STAGES } from '../../lib/stages';
import { TABLE_SCHEMA } from '../../lib/table-schema';
import {
  actionsOf,
  policyStatementsByRole,
  resourcesOf,
  synthesizeStages,
  type TemplateStatement,
} from './synth';

// One synthesis with real esbuild bundles serves every test in this file.
const stages = synthesizeStages();

const RETENTION_DAYS = { test: 30, live: 365 } as const;

/** Logical ID of the construct's CloudFormation resource. */
function logicalId(stack: ChatPaymentsStack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

function functionsOf(
  stack: ChatPaymentsStack,
): Record<string, ServiceFunction> {
  return {
    api: stack.api,
    webhook: stack.webhook,
    notify: stack.notify,
    reconcile: stack.reconcile,
  };
}

function statementsOf(
  stack: ChatPaymentsStack,
  target: ServiceFunction,
): TemplateStatement[] {
  const byRole = policyStatementsByRole(stages[stack.stage.name].template);
  return byRole.get(logicalId(stack, target.role)) ?? [];
}

describe.each(STAGE_NAMES)('ChatPaymentsStack %s', (name) => {
  const { stack, template } = stages[name];
  const stage = STAGES[name];
  const merchantSecretPattern = {
    'Fn::Sub':
      'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:' +
      `\${AWS::AccountId}:secret:${stage.secretPrefix}*`,
  };
  const signingSecretRef = {
    Ref: logicalId(stack, stack.secrets.callbackSigningSecret),
  };

  describe('api function URL', () => {
    it('requires IAM authentication', () => {
      template.resourceCountIs('AWS::Lambda::Url', 1);
      template.hasResourceProperties('AWS::Lambda::Url', {
        AuthType: 'AWS_IAM',
        TargetFunctionArn: {
          'Fn::GetAtt': [logicalId(stack, stack.api.function), 'Arn'],
        },
      });
    });

    it('grants no invoke without context', () => {
      const permissions = template.findResources('AWS::Lambda::Permission', {
        Properties: { Action: 'lambda:InvokeFunctionUrl' },
      });

      expect(Object.keys(permissions)).toEqual([]);
    });
  });

  describe('secret permissions', () => {
    const statements = [...policyStatementsByRole(template).values()].flat();
    const secretStatements = statements.filter((statement) =>
      actionsOf(statement).some((action) =>
        action.startsWith('secretsmanager:'),
      ),
    );

    it('never name every resource', () => {
      expect(secretStatements.length).toBeGreaterThan(0);
      for (const statement of secretStatements) {
        expect(resourcesOf(statement)).not.toContain('*');
        expect(actionsOf(statement)).not.toContain('secretsmanager:*');
      }
    });

    it('name the prefix or signing secret', () => {
      for (const statement of secretStatements) {
        for (const resource of resourcesOf(statement)) {
          expect([merchantSecretPattern, signingSecretRef]).toContainEqual(
            resource,
          );
        }
      }
    });

    it('let only api write merchant secrets', () => {
      const writers = Object.entries(functionsOf(stack)).filter(
        ([, target]) =>
          statementsOf(stack, target).some((statement) =>
            actionsOf(statement).includes('secretsmanager:CreateSecret'),
          ),
      );

      expect(writers.map(([functionName]) => functionName)).toEqual(['api']);
    });

    it('grant api the manage actions', () => {
      const statement = statementsOf(stack, stack.api).find(
        (candidate) => candidate.Sid === 'MerchantSecrets',
      );

      expect(statement?.Resource).toEqual(merchantSecretPattern);
      expect([...actionsOf(statement!)].sort()).toEqual([
        'secretsmanager:CreateSecret',
        'secretsmanager:DeleteSecret',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:RestoreSecret',
        'secretsmanager:TagResource',
        'secretsmanager:UpdateSecret',
      ]);
    });

    it.each(['webhook', 'reconcile'] as const)(
      'let %s only read merchant secrets',
      (functionName) => {
        const target = functionsOf(stack)[functionName];

        const secretStatements = statementsOf(stack, target).filter(
          (statement) => statement.Sid === 'MerchantSecrets',
        );

        expect(secretStatements).toHaveLength(1);
        expect(secretStatements[0].Resource).toEqual(merchantSecretPattern);
        expect([...actionsOf(secretStatements[0])].sort()).toEqual([
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
        ]);
      },
    );

    it('let notify read only the signing secret', () => {
      const notifySecretStatements = statementsOf(stack, stack.notify).filter(
        (statement) =>
          actionsOf(statement).some((action) =>
            action.startsWith('secretsmanager:'),
          ),
      );

      expect(notifySecretStatements).toHaveLength(1);
      expect(notifySecretStatements[0].Resource).toEqual(signingSecretRef);
      expect([...actionsOf(notifySecretStatements[0])].sort()).toEqual([
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ]);
    });

    it('use the key only through Secrets Manager', () => {
      const secretsKeyArn = JSON.stringify({
        'Fn::GetAtt': [logicalId(stack, stack.secrets.key), 'Arn'],
      });

      const keyStatements = statements.filter((statement) =>
        resourcesOf(statement).some(
          (resource) => JSON.stringify(resource) === secretsKeyArn,
        ),
      );

      expect(keyStatements).toHaveLength(4);
      for (const statement of keyStatements) {
        expect(statement.Condition?.StringEquals?.['kms:ViaService']).toBe(
          'secretsmanager.us-east-1.amazonaws.com',
        );
      }
    });

    it('bind merchant key use to merchant secrets', () => {
      const merchantKeyStatements = statements.filter(
        (statement) => statement.Sid === 'MerchantSecretsKey',
      );

      expect(merchantKeyStatements).toHaveLength(3);
      for (const statement of merchantKeyStatements) {
        expect(
          statement.Condition?.StringLike?.['kms:EncryptionContext:SecretARN'],
        ).toEqual(merchantSecretPattern);
      }
    });

    it('rotate the secrets key', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        Description: Match.stringLikeRegexp('Stripe keys'),
      });
    });
  });

  describe('table', () => {
    it('has point-in-time recovery', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    });

    it('streams new and old images', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      });
    });

    it('expires items by the schema TTL', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        TimeToLiveSpecification: {
          AttributeName: TABLE_SCHEMA.timeToLiveAttribute,
          Enabled: true,
        },
      });
    });

    it('uses the schema keys', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
      });
    });

    it('has the open-payments index', () => {
      const index = TABLE_SCHEMA.openPaymentsIndex;

      template.hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: [
          {
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: index.partitionKey, AttributeType: 'S' },
          { AttributeName: index.sortKey, AttributeType: 'S' },
        ]),
      });
    });

    it('is never scanned', () => {
      const actions = [...policyStatementsByRole(template).values()]
        .flat()
        .flatMap(actionsOf);

      expect(actions).not.toContain('dynamodb:Scan');
      expect(actions).not.toContain('dynamodb:*');
    });

    it('is queried by index only in reconcile', () => {
      const indexReaders = Object.entries(functionsOf(stack)).filter(
        ([, target]) =>
          statementsOf(stack, target).some(
            (statement) => statement.Sid === 'OpenPaymentsIndex',
          ),
      );

      expect(indexReaders.map(([functionName]) => functionName)).toEqual([
        'reconcile',
      ]);
    });
  });

  describe('removal', () => {
    const policy = stage.retainData ? 'Retain' : 'Delete';

    it(`${stage.retainData ? 'protects' : 'frees'} the table`, () => {
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: policy,
        UpdateReplacePolicy: policy,
        Properties: { DeletionProtectionEnabled: stage.retainData },
      });
    });

    it.each([
      'AWS::KMS::Key',
      'AWS::SecretsManager::Secret',
      'AWS::SQS::Queue',
      'AWS::Logs::LogGroup',
    ])(`applies ${policy} to %s`, (type) => {
      const resources = Object.values(template.findResources(type));

      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) {
        expect(resource.DeletionPolicy).toBe(policy);
      }
    });
  });

  describe('functions', () => {
    const functions = template.findResources('AWS::Lambda::Function');

    it('are the four handlers', () => {
      expect(Object.keys(functions).sort()).toEqual(
        Object.values(functionsOf(stack))
          .map((target) => logicalId(stack, target.function))
          .sort(),
      );
    });

    it('run Node.js 24 on arm64', () => {
      for (const resource of Object.values(functions)) {
        expect(resource.Properties.Runtime).toBe('nodejs24.x');
        expect(resource.Properties.Architectures).toEqual(['arm64']);
      }
    });

    it('carry the stage settings', () => {
      for (const resource of Object.values(functions)) {
        expect(resource.Properties.Environment.Variables).toMatchObject({
          STAGE: stage.name,
          SECRET_PREFIX: stage.secretPrefix,
          RECONCILE_AFTER_SECONDS: '600',
          POWERTOOLS_SERVICE_NAME: 'chat-payments',
          POWERTOOLS_METRICS_NAMESPACE: 'ChatPayments',
          POWERTOOLS_LOG_LEVEL: stage.logLevel,
          NODE_OPTIONS: '--enable-source-maps',
          TABLE_NAME: { Ref: logicalId(stack, stack.table) },
          CALLBACK_SIGNING_SECRET_ID: signingSecretRef,
          PUBLIC_URL: {
            'Fn::GetAtt': [
              logicalId(stack, stack.publicApi.httpApi),
              'ApiEndpoint',
            ],
          },
        });
      }
    });

    it.each(['api', 'webhook', 'notify', 'reconcile'] as const)(
      'log %s with retention',
      (functionName) => {
        const target = functionsOf(stack)[functionName];
        const logGroupId = logicalId(stack, target.logGroup);

        const resource = functions[logicalId(stack, target.function)];
        const logGroup =
          template.findResources('AWS::Logs::LogGroup')[logGroupId];

        expect(resource.Properties.LoggingConfig).toEqual({
          LogGroup: { Ref: logGroupId },
        });
        expect(logGroup.Properties.RetentionInDays).toBe(RETENTION_DAYS[name]);
      },
    );

    it('keep every log group for the stage', () => {
      const logGroups = Object.values(
        template.findResources('AWS::Logs::LogGroup'),
      );

      expect(logGroups).toHaveLength(5);
      for (const logGroup of logGroups) {
        expect(logGroup.Properties.RetentionInDays).toBe(RETENTION_DAYS[name]);
      }
    });

    it('give each function its own role', () => {
      const roles = Object.values(functions).map(
        (resource) => resource.Properties.Role['Fn::GetAtt'][0],
      );

      expect(new Set(roles).size).toBe(4);
    });

    it('get no wildcard resource but ListStreams', () => {
      const wildcardActions = [...policyStatementsByRole(template).values()]
        .flat()
        .filter((statement) => resourcesOf(statement).includes('*'))
        .flatMap(actionsOf);

      expect(wildcardActions).toEqual(['dynamodb:ListStreams']);
    });

    it('keep roles free of managed policies', () => {
      const roles = template.findResources('AWS::IAM::Role');

      for (const role of Object.values(roles)) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });

    it('limit reconcile to one run', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [logicalId(stack, stack.reconcile.role), 'Arn'] },
        ReservedConcurrentExecutions: 1,
      });
    });

    it('schedule reconcile every five minutes', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: {
              'Fn::GetAtt': [logicalId(stack, stack.reconcile.function), 'Arn'],
            },
          }),
        ],
      });
    });
  });

  describe('notify stream mapping', () => {
    it('bounds retries and reports failures', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stack, stack.notify.function) },
        EventSourceArn: {
          'Fn::GetAtt': [logicalId(stack, stack.table), 'StreamArn'],
        },
        StartingPosition: 'TRIM_HORIZON',
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 6 * 60 * 60,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('sends exhausted records to a queue', () => {
      const queueId = logicalId(stack, stack.notifyFailureQueue);

      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } },
        },
      });
    });

    it('reads payment items only', () => {
      const mapping = Object.values(
        template.findResources('AWS::Lambda::EventSourceMapping'),
      ).find((candidate) => candidate.Properties.FilterCriteria);
      const pattern = JSON.parse(
        mapping?.Properties.FilterCriteria.Filters[0].Pattern ?? '{}',
      );

      expect(pattern).toEqual({
        eventName: ['INSERT', 'MODIFY'],
        dynamodb: {
          Keys: {
            pk: { S: [{ prefix: 'PAYMENT#' }] },
            sk: { S: ['PAYMENT'] },
          },
        },
      });
    });
  });

  describe('callback retry queue', () => {
    it('feeds the notify function', () => {
      const queueId = logicalId(stack, stack.callbackRetryQueue);

      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stack, stack.notify.function) },
        EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('redrives to the callback dead-letter queue', () => {
      const deadLetterId = logicalId(stack, stack.callbackDeadLetterQueue);

      template.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterId, 'Arn'] },
          maxReceiveCount: 5,
        },
        KmsMasterKeyId: Match.anyValue(),
      });
    });

    it('gives notify its URL', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            CALLBACK_RETRY_QUEUE_URL: {
              Ref: logicalId(stack, stack.callbackRetryQueue),
            },
          }),
        },
      });
    });
  });

  describe('public API', () => {
    it('routes the webhook and return page', () => {
      const routes = template.findResources('AWS::ApiGatewayV2::Route');
      const routeKeys = Object.values(routes).map(
        (route) => route.Properties.RouteKey,
      );

      expect(routeKeys.sort()).toEqual([
        'GET /checkout/return',
        'POST /link-webhook',
      ]);
    });

    it('integrates the webhook function', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: {
          'Fn::GetAtt': [logicalId(stack, stack.webhook.function), 'Arn'],
        },
      });
    });

    it('logs access and throttles', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AccessLogSettings: {
          DestinationArn: Match.anyValue(),
          Format: Match.stringLikeRegexp('requestId'),
        },
        DefaultRouteSettings: {
          ThrottlingRateLimit: stage.publicApiThrottle.rateLimit,
          ThrottlingBurstLimit: stage.publicApiThrottle.burstLimit,
        },
      });
    });

    it('outputs the webhook URL', () => {
      template.hasOutput('WebhookUrl', {
        Value: {
          'Fn::Join': [
            '',
            [
              { 'Fn::GetAtt': [Match.anyValue(), 'ApiEndpoint'] },
              '/link-webhook?provider=STRIPE',
            ],
          ],
        },
      });
    });

    it('outputs the api function URL', () => {
      template.hasOutput('ApiFunctionUrl', {
        Value: { 'Fn::GetAtt': [Match.anyValue(), 'FunctionUrl'] },
      });
    });
  });

  describe('alarms', () => {
    const topics = template.findResources('AWS::SNS::Topic');
    const topicId = Object.keys(topics)[0];
    const alarms = template.findResources('AWS::CloudWatch::Alarm');

    it('use one encrypted topic', () => {
      expect(Object.keys(topics)).toHaveLength(1);
      expect(topics[topicId].Properties.KmsMasterKeyId).toBeDefined();
    });

    it('notify the topic', () => {
      expect(Object.keys(alarms).length).toBeGreaterThan(0);
      for (const alarm of Object.values(alarms)) {
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
        expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
      }
    });

    it.each([
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 2],
      ['AWS/ApiGateway', '5xx', 1],
      ['AWS/Lambda', 'Errors', 4],
      ['AWS/Lambda', 'Throttles', 4],
      ['AWS/Lambda', 'Url5xxCount', 1],
      ['AWS/Lambda', 'IteratorAge', 1],
    ])('watch %s %s', (namespace, metricName, count) => {
      const matching = Object.values(alarms).filter(
        (alarm) =>
          alarm.Properties.Namespace === namespace &&
          alarm.Properties.MetricName === metricName,
      );

      expect(matching).toHaveLength(count);
    });

    it('let CloudWatch use the topic key', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            }),
          ]),
        },
      });
    });
  });

  describe('queues', () => {
    it('are KMS encrypted', () => {
      const queues = template.findResources('AWS::SQS::Queue');

      expect(Object.keys(queues)).toHaveLength(3);
      for (const queue of Object.values(queues)) {
        expect(queue.Properties.KmsMasterKeyId).toBeDefined();
      }
    });

    it('reject plain HTTP', () => {
      template.resourcePropertiesCountIs(
        'AWS::SQS::QueuePolicy',
        {
          PolicyDocument: {
            Statement: [
              Match.objectLike({
                Effect: 'Deny',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ],
          },
        },
        3,
      );
    });
  });
});
