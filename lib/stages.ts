import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export type StageName = 'test' | 'live';

/** Log levels that Powertools for AWS Lambda accepts. */
export type PowertoolsLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Fixed settings of one deployment stage. */
export interface StageSettings {
  readonly name: StageName;
  readonly stackName: string;
  /** Public host name of the webhook API when a certificate is given. */
  readonly domainName: string;
  /** Stripe `livemode` of the keys and events the stage accepts. */
  readonly livemode: boolean;
  /** Secrets Manager name prefix of merchant secrets, ending in a slash. */
  readonly secretPrefix: string;
  /** Secrets Manager name of the secret that signs flow callbacks. */
  readonly callbackSigningSecretName: string;
  /**
   * Whether the table, KMS keys, secrets, queues and log groups survive
   * stack deletion. Also turns on the table's deletion protection.
   */
  readonly retainData: boolean;
  readonly logRetention: RetentionDays;
  readonly logLevel: PowertoolsLogLevel;
  /**
   * Request rate (per second) and burst of the public HTTP API. Requests
   * over it get 429, which Stripe retries.
   */
  readonly publicApiThrottle: {
    readonly rateLimit: number;
    readonly burstLimit: number;
  };
}

/** The two stages, each deployed as its own stack. */
export const STAGES = {
  test: {
    name: 'test',
    stackName: 'ChatPayments-Test',
    domainName: 'chat-payments.jelou.dev',
    livemode: false,
    secretPrefix: 'chat-payments/test/merchants/',
    callbackSigningSecretName: 'chat-payments/test/callback-signing-secret',
    retainData: false,
    logRetention: RetentionDays.ONE_MONTH,
    logLevel: 'INFO',
    publicApiThrottle: { rateLimit: 50, burstLimit: 100 },
  },
  live: {
    name: 'live',
    stackName: 'ChatPayments-Live',
    domainName: 'chat-payments.jelou.ai',
    livemode: true,
    secretPrefix: 'chat-payments/live/merchants/',
    callbackSigningSecretName: 'chat-payments/live/callback-signing-secret',
    retainData: true,
    logRetention: RetentionDays.ONE_YEAR,
    logLevel: 'INFO',
    publicApiThrottle: { rateLimit: 200, burstLimit: 400 },
  },
} as const satisfies Record<StageName, StageSettings>;

export const STAGE_NAMES = Object.keys(STAGES) as StageName[];
