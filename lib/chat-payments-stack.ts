import * as path from 'node:path';

import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import {
  AccountPrincipal,
  ArnPrincipal,
  type IPrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  FilterCriteria,
  FilterRule,
  type FunctionUrl,
  FunctionUrlAuthType,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import {
  DynamoEventSource,
  SqsEventSource,
} from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

import { createDataTable, grantTableItems } from './data-table';
import type { DeploymentContext } from './deployment-context';
import {
  createDeadLetterQueue,
  EncryptedQueueFailureDestination,
  grantSendToEncryptedQueue,
} from './encrypted-queue';
import { PublicApi, WEBHOOK_PATH } from './public-api';
import { ALARM_PERIOD, ServiceAlarms } from './service-alarms';
import { ServiceFunction } from './service-function';
import { ServiceSecrets } from './service-secrets';
import type { StageSettings } from './stages';

const FUNCTIONS_DIR = path.join(__dirname, '..', 'functions');

/** Seconds a payment stays open before the reconcile function checks it. */
const RECONCILE_AFTER_SECONDS = 600;

export interface ChatPaymentsStackProps extends StackProps {
  readonly stage: StageSettings;
  readonly deployment: DeploymentContext;
}

/** All resources of one stage of chat-payments. */
/** Notify function timeout: a batch of callbacks of at most 5 s each. */
const NOTIFY_TIMEOUT_SECONDS = 60;

export class ChatPaymentsStack extends Stack {
  readonly stage: StageSettings;
  readonly secrets: ServiceSecrets;
  readonly table: Table;
  readonly callbackDeadLetterQueue: Queue;
  /** Callbacks waiting for their next attempt, each with its delay. */
  readonly callbackRetryQueue: Queue;
  readonly notifyFailureQueue: Queue;
  readonly api: ServiceFunction;
  readonly webhook: ServiceFunction;
  readonly notify: ServiceFunction;
  readonly reconcile: ServiceFunction;
  readonly apiFunctionUrl: FunctionUrl;
  readonly publicApi: PublicApi;
  readonly alarms: ServiceAlarms;

  constructor(scope: Construct, id: string, props: ChatPaymentsStackProps) {
    super(scope, id, props);
    const { stage, deployment } = props;
    this.stage = stage;
    const removalPolicy = stage.retainData
      ? RemovalPolicy.RETAIN
      : RemovalPolicy.DESTROY;

    this.secrets = new ServiceSecrets(this, 'Secrets', { stage });
    const operationsKey = new Key(this, 'OperationsKey', {
      alias: `chat-payments/${stage.name}/operations`,
      description:
        `Encrypts the queues and alarm topic of chat-payments ${stage.name}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    this.table = createDataTable(this, 'Table', stage);
    this.callbackDeadLetterQueue = createDeadLetterQueue(
      this,
      'CallbackDeadLetterQueue',
      {
        key: operationsKey,
        removalPolicy,
        purpose:
          'The notify function sends callbacks here after their last retry.',
      },
    );
    this.callbackRetryQueue = new Queue(this, 'CallbackRetryQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: operationsKey,
      enforceSSL: true,
      // Six times the notify timeout, as AWS advises for SQS triggers.
      visibilityTimeout: Duration.seconds(6 * NOTIFY_TIMEOUT_SECONDS),
      retentionPeriod: Duration.days(4),
      removalPolicy,
      // Messages the notify function itself keeps failing on.
      deadLetterQueue: {
        queue: this.callbackDeadLetterQueue,
        maxReceiveCount: 5,
      },
    });
    this.notifyFailureQueue = createDeadLetterQueue(
      this,
      'NotifyFailureQueue',
      {
        key: operationsKey,
        removalPolicy,
        purpose:
          'Lambda sends the position of stream records here after the ' +
          'notify function exhausted its retries on them.',
      },
    );

    const functionDefaults = {
      logRetention: stage.logRetention,
      logRemovalPolicy: removalPolicy,
      logLevel: stage.logLevel,
    };
    const environment: Record<string, string> = {
      STAGE: stage.name,
      TABLE_NAME: this.table.tableName,
      SECRET_PREFIX: stage.secretPrefix,
      CALLBACK_SIGNING_SECRET_ID: this.secrets.callbackSigningSecret.secretArn,
      CALLBACK_ALLOWED_HOSTS: deployment.callbackAllowedHosts.join(','),
      CALLBACK_DLQ_URL: this.callbackDeadLetterQueue.queueUrl,
      CALLBACK_RETRY_QUEUE_URL: this.callbackRetryQueue.queueUrl,
      RECONCILE_AFTER_SECONDS: String(RECONCILE_AFTER_SECONDS),
    };

    this.webhook = new ServiceFunction(this, 'Webhook', {
      ...functionDefaults,
      entry: path.join(FUNCTIONS_DIR, 'webhook', 'handler.ts'),
      description: 'Receives Stripe events and serves the checkout return page',
      environment,
      // Under the HTTP API's 30-second integration timeout.
      timeout: Duration.seconds(25),
    });
    this.api = new ServiceFunction(this, 'Api', {
      ...functionDefaults,
      entry: path.join(FUNCTIONS_DIR, 'api', 'handler.ts'),
      description: 'Marketplace install calls and payments calls of flows',
      environment: {
        ...environment,
        // NOTE: the secret store must pass this as KmsKeyId on CreateSecret;
        // without it Secrets Manager falls back to aws/secretsmanager.
        SECRET_KMS_KEY_ID: this.secrets.key.keyArn,
      },
      // An install verifies the key with several Stripe calls in a row.
      timeout: Duration.seconds(29),
    });
    this.notify = new ServiceFunction(this, 'Notify', {
      ...functionDefaults,
      entry: path.join(FUNCTIONS_DIR, 'notify', 'handler.ts'),
      description: 'Sends payment status changes to flow callback URLs',
      environment,
      // A batch of callbacks, each with a 5-second timeout and retries.
      timeout: Duration.seconds(NOTIFY_TIMEOUT_SECONDS),
    });
    this.reconcile = new ServiceFunction(this, 'Reconcile', {
      ...functionDefaults,
      entry: path.join(FUNCTIONS_DIR, 'reconcile', 'handler.ts'),
      description: 'Repairs open payments whose webhooks never arrived',
      environment,
      timeout: Duration.seconds(120),
      // One run at a time keeps its Stripe calls well under the per-account
      // rate limits (25 requests per second in test mode, 100 in live).
      reservedConcurrentExecutions: 1,
      // The schedule starts a fresh run every five minutes, so a failed or
      // throttled run is dropped instead of queued behind the next one.
      asyncRetryAttempts: 0,
      asyncMaxEventAge: Duration.minutes(4),
    });

    this.publicApi = new PublicApi(this, 'PublicApi', {
      stage,
      handler: this.webhook.function,
      customDomain: deployment.customDomain,
    });
    for (const target of this.functions()) {
      target.function.addEnvironment('PUBLIC_URL', this.publicApi.url);
    }

    grantTableItems(this.table, this.api.role);
    grantTableItems(this.table, this.webhook.role);
    grantTableItems(this.table, this.reconcile.role, {
      openPaymentsIndex: true,
    });
    this.secrets.grantManageMerchantSecrets(this.api);
    this.secrets.grantReadMerchantSecrets(this.webhook);
    this.secrets.grantReadMerchantSecrets(this.reconcile);
    this.secrets.grantReadCallbackSigningSecret(this.notify);
    grantSendToEncryptedQueue(this.callbackDeadLetterQueue, this.notify.role);
    grantSendToEncryptedQueue(this.callbackRetryQueue, this.notify.role);

    this.subscribeNotifyToStream();
    new Rule(this, 'ReconcileSchedule', {
      description: 'Starts the reconcile function every five minutes',
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [
        new LambdaFunction(this.reconcile.function, {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(4),
        }),
      ],
    });

    this.apiFunctionUrl = this.api.function.addFunctionUrl({
      authType: FunctionUrlAuthType.AWS_IAM,
    });
    for (const principal of deployment.invokePrincipals) {
      this.api.function.grantInvokeUrl(toPrincipal(principal));
    }

    this.alarms = new ServiceAlarms(this, 'Alarms', {
      stage,
      key: operationsKey,
      alarmEmail: deployment.alarmEmail,
    });
    this.addAlarms();
    this.addOutputs();
  }

  private functions(): ServiceFunction[] {
    return [this.api, this.webhook, this.notify, this.reconcile];
  }

  private subscribeNotifyToStream(): void {
    this.notify.function.addEventSource(
      new SqsEventSource(this.callbackRetryQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
      }),
    );
    this.notify.function.addEventSource(
      new DynamoEventSource(this.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        bisectBatchOnError: true,
        retryAttempts: 10,
        // Under the stream's 24-hour retention, so a record that keeps
        // failing reaches the failure queue instead of being trimmed.
        maxRecordAge: Duration.hours(6),
        reportBatchItemFailures: true,
        onFailure: new EncryptedQueueFailureDestination(
          this.notifyFailureQueue,
        ),
        // Only payment items carry a status; installations, events and
        // idempotency records never produce a callback.
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.or('INSERT', 'MODIFY'),
            dynamodb: {
              Keys: {
                pk: { S: FilterRule.beginsWith('PAYMENT#') },
                sk: { S: FilterRule.isEqual('PAYMENT') },
              },
            },
          }),
        ],
      }),
    );
    Validations.of(this.notify.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams, which the stream event source mapping ' +
        'calls, does not support resource-level permissions; every other ' +
        'stream action is scoped to the table stream ARN.',
    });
  }

  private addAlarms(): void {
    this.alarms.watchFunction('Api', this.api);
    this.alarms.watchFunction('Webhook', this.webhook);
    this.alarms.watchFunction('Notify', this.notify);
    this.alarms.watchFunction('Reconcile', this.reconcile);
    this.alarms.watchDeadLetterQueue(
      'CallbackDeadLetterQueue',
      this.callbackDeadLetterQueue,
      'Flow callbacks that exhausted their retries',
    );
    this.alarms.watchDeadLetterQueue(
      'NotifyFailureQueue',
      this.notifyFailureQueue,
      'Payment status changes the notify function could not process',
    );
    this.alarms.addAlarm('PublicApi5xx', {
      metric: this.publicApi.httpApi.metricServerError({
        period: ALARM_PERIOD,
        statistic: 'Sum',
      }),
      description:
        'The webhook API answered 5xx. Stripe retries, but payments stay ' +
        'pending until the fault clears.',
    });
    this.alarms.addAlarm('ApiUrl5xx', {
      metric: new Metric({
        namespace: 'AWS/Lambda',
        metricName: 'Url5xxCount',
        dimensionsMap: { FunctionName: this.api.function.functionName },
        period: ALARM_PERIOD,
        statistic: 'Sum',
      }),
      description:
        'The api function URL answered 5xx to the Marketplace or a flow.',
    });
    this.alarms.addAlarm('NotifyIteratorAge', {
      metric: this.notify.function.metric('IteratorAge', {
        period: ALARM_PERIOD,
        statistic: 'Maximum',
      }),
      threshold: Duration.minutes(5).toMilliseconds(),
      evaluationPeriods: 2,
      description:
        'Status changes wait more than five minutes in the table stream ' +
        'before the notify function reads them.',
    });
  }

  private addOutputs(): void {
    const mode = this.stage.livemode ? 'live' : 'test';
    new CfnOutput(this, 'WebhookUrl', {
      description:
        'Endpoint URL merchants paste into the Stripe Dashboard ' +
        `(${mode} mode webhooks)`,
      value: `${this.publicApi.url}${WEBHOOK_PATH}?provider=STRIPE`,
    });
    new CfnOutput(this, 'ApiFunctionUrl', {
      description:
        'Base URL of the api function for the Marketplace and Brain ' +
        'Studio; requests must be signed with SigV4 (service lambda)',
      value: this.apiFunctionUrl.url,
    });
    new CfnOutput(this, 'CallbackSigningSecretArn', {
      description: 'Secret holding the HMAC key that signs flow callbacks',
      value: this.secrets.callbackSigningSecret.secretArn,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic that receives every alarm of the stage',
      value: this.alarms.topic.topicArn,
    });
    if (this.publicApi.customDomainTarget !== undefined) {
      new CfnOutput(this, 'CustomDomainTarget', {
        description: `CNAME target for ${this.stage.domainName}`,
        value: this.publicApi.customDomainTarget,
      });
    }
  }
}

/** Turns a context value (ARN or account ID) into an IAM principal. */
function toPrincipal(value: string): IPrincipal {
  return /^\d{12}$/.test(value)
    ? new AccountPrincipal(value)
    : new ArnPrincipal(value);
}
