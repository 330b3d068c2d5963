// zod/mini has the checks of `zod` but tree-shakes, so a function that uses
// no other schema does not bundle and load all of zod at cold start.
import * as z from 'zod/mini';
import { en } from 'zod/locales';

// zod/mini comes without messages; the English ones name what is wrong.
z.config(en());

const STAGES = ['test', 'live'] as const;
export type Stage = (typeof STAGES)[number];

const booleanFlag = z.pipe(
  z._default(z.enum(['true', 'false', '1', '0']), 'false'),
  z.transform((value) => value === 'true' || value === '1'),
);

const optionalUrl = z.optional(z.url());

const positiveInteger = (fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.positive()), fallback);

const configSchema = z.object({
  STAGE: z.enum(STAGES),
  TABLE_NAME: z.string().check(z.minLength(1)),
  PUBLIC_URL: z.url(),
  SECRET_PREFIX: z.optional(z.string().check(z.minLength(1))),
  SECRET_KMS_KEY_ID: z.optional(z.string().check(z.minLength(1))),
  CALLBACK_SIGNING_SECRET_ID: z.optional(z.string().check(z.minLength(1))),
  CALLBACK_ALLOWED_HOSTS: z._default(z.string(), ''),
  CALLBACK_DLQ_URL: optionalUrl,
  CALLBACK_RETRY_QUEUE_URL: optionalUrl,
  CALLBACK_RETRY_DELAYS_SECONDS: z
    .pipe(
      z._default(z.string(), '30,120,600,900,900,900'),
      z.transform((text) => text.split(',').map((part) => Number(part.trim()))),
    )
    .check(
      z.refine(
        (delays) => delays.every((delay) => Number.isInteger(delay) && delay >= 0 && delay <= 900),
        'must be a comma-separated list of whole seconds from 0 to 900',
      ),
    ),
  CALLBACK_TIMEOUT_MS: positiveInteger(5_000),
  ALLOW_LOOPBACK_CALLBACKS: booleanFlag,
  DYNAMODB_ENDPOINT: optionalUrl,
  SECRETS_MANAGER_ENDPOINT: optionalUrl,
  SQS_ENDPOINT: optionalUrl,
  STRIPE_API_URL: optionalUrl,
  STRIPE_TIMEOUT_MS: positiveInteger(8_000),
  STRIPE_MAX_NETWORK_RETRIES: z._default(z.coerce.number().check(z.int(), z.minimum(0)), 1),
  SECRET_CACHE_TTL_SECONDS: positiveInteger(60),
  RECONCILE_AFTER_SECONDS: positiveInteger(600),
  RECONCILE_BATCH_SIZE: positiveInteger(50),
  AWS_REGION: z._default(z.string(), 'us-east-1'),
});

/** Settings of one stage, read once from the environment at cold start. */
export interface Config {
  stage: Stage;
  /** Stripe's `livemode` for the stage: false on test, true on live. */
  livemode: boolean;
  tableName: string;
  /** Base URL of the public webhook API, without a trailing slash. */
  publicUrl: string;
  /** Secrets Manager name prefix of merchant secrets, ending in a slash. */
  secretPrefix: string;
  /** KMS key for new merchant secrets; the account default when unset. */
  secretKmsKeyId?: string;
  callbackSigningSecretId: string;
  callbackAllowedHosts: string[];
  callbackDeadLetterQueueUrl?: string;
  callbackRetryQueueUrl?: string;
  /** Delay before each retry of a failed callback; its length caps retries. */
  callbackRetryDelaysSeconds: number[];
  callbackTimeoutMs: number;
  allowLoopbackCallbacks: boolean;
  dynamodbEndpoint?: string;
  secretsManagerEndpoint?: string;
  sqsEndpoint?: string;
  stripeApiUrl?: string;
  stripeTimeoutMs: number;
  stripeMaxNetworkRetries: number;
  secretCacheTtlSeconds: number;
  reconcileAfterSeconds: number;
  reconcileBatchSize: number;
  region: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the environment into a Config. Throws ConfigError naming every
 * invalid or missing variable, so a bad deployment fails its cold start.
 */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`invalid environment: ${problems}`);
  }
  const values = parsed.data;
  const prefix =
    values.SECRET_PREFIX ?? `chat-payments/${values.STAGE}/merchants/`;
  return {
    stage: values.STAGE,
    livemode: values.STAGE === 'live',
    tableName: values.TABLE_NAME,
    publicUrl: values.PUBLIC_URL.replace(/\/+$/, ''),
    secretPrefix: prefix.endsWith('/') ? prefix : `${prefix}/`,
    secretKmsKeyId: values.SECRET_KMS_KEY_ID,
    callbackSigningSecretId:
      values.CALLBACK_SIGNING_SECRET_ID ??
      `chat-payments/${values.STAGE}/callback-signing-secret`,
    callbackAllowedHosts: values.CALLBACK_ALLOWED_HOSTS.split(',')
      .map((host) => host.trim().toLowerCase())
      .filter((host) => host.length > 0),
    callbackDeadLetterQueueUrl: values.CALLBACK_DLQ_URL,
    callbackRetryQueueUrl: values.CALLBACK_RETRY_QUEUE_URL,
    callbackRetryDelaysSeconds: values.CALLBACK_RETRY_DELAYS_SECONDS,
    callbackTimeoutMs: values.CALLBACK_TIMEOUT_MS,
    allowLoopbackCallbacks: values.ALLOW_LOOPBACK_CALLBACKS,
    dynamodbEndpoint: values.DYNAMODB_ENDPOINT,
    secretsManagerEndpoint: values.SECRETS_MANAGER_ENDPOINT,
    sqsEndpoint: values.SQS_ENDPOINT,
    stripeApiUrl: values.STRIPE_API_URL,
    stripeTimeoutMs: values.STRIPE_TIMEOUT_MS,
    stripeMaxNetworkRetries: values.STRIPE_MAX_NETWORK_RETRIES,
    secretCacheTtlSeconds: values.SECRET_CACHE_TTL_SECONDS,
    reconcileAfterSeconds: values.RECONCILE_AFTER_SECONDS,
    reconcileBatchSize: values.RECONCILE_BATCH_SIZE,
    region: values.AWS_REGION,
  };
}

let cached: Config | undefined;

/** Returns the process's Config, parsing the environment on first use. */
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Forgets the parsed Config; the local stage and tests change the env. */
export function resetConfig(): void {
  cached = undefined;
}
