import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

import type { PowertoolsLogLevel } from './stages';

/**
 * Lambda runtime of every function. Node.js 24 is the newest runtime that
 * Lambda supports for production, and the CDK's `NODEJS_LATEST` resolves to
 * it in every region. `nodejs26.x` is a public preview, which the Lambda
 * SLA does not cover.
 */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

export const FUNCTION_ARCHITECTURE = Architecture.ARM_64;

/** Value of POWERTOOLS_SERVICE_NAME, the `service` key of every log line. */
export const SERVICE_NAME = 'chat-payments';

/** CloudWatch namespace of the metrics the functions publish. */
export const METRICS_NAMESPACE = 'ChatPayments';

export interface ServiceFunctionProps {
  /** Absolute path of the handler file, which exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Variables added to the Powertools and Node.js settings. */
  readonly environment: Record<string, string>;
  /** Memory in MiB; Lambda allocates CPU in proportion. @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default - no reserved concurrency; the account's pool is shared */
  readonly reservedConcurrentExecutions?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Value of POWERTOOLS_LOG_LEVEL. @default 'INFO' */
  readonly logLevel?: PowertoolsLogLevel;
  /**
   * Retries of asynchronous invocations after the function fails.
   * @default 2, the Lambda default
   */
  readonly asyncRetryAttempts?: number;
  /**
   * Age after which a queued asynchronous invocation is dropped.
   * @default Duration.hours(6), the Lambda default
   */
  readonly asyncMaxEventAge?: Duration;
}

/**
 * A bundled Node.js function with the settings that all functions of this
 * service share. It runs on arm64 from a local esbuild bundle that includes
 * the AWS SDK. It logs to its own log group with retention, and its role
 * may only write to that log group until grants add more.
 */
export class ServiceFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    // An own role instead of the default one, because the default attaches
    // AWSLambdaBasicExecutionRole, which may write to every log group.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${id} function of ${SERVICE_NAME}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      retryAttempts: props.asyncRetryAttempts,
      maxEventAge: props.asyncMaxEventAge,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        // The esbuild in node_modules, never the Docker image.
        forceDockerBundling: false,
        // The functions run the SDK version that package-lock.json pins,
        // not whichever version the runtime ships.
        bundleAwsSDK: true,
        minify: true,
        sourceMap: true,
        // Stack traces map back to files and lines without shipping sources.
        sourcesContent: false,
        // esbuild's target follows the runtime: node24.
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs24.x is the newest Node.js runtime Lambda supports for ' +
        'production; nodejs26.x, which the rule asks for, is a public ' +
        'preview that AWS excludes from the Lambda SLA.',
    });
  }
}
