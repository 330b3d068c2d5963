import { randomBytes } from 'node:crypto';

import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';

import { HttpCallbackSender } from '../functions/adapters/callback-sender';
import { createDocumentClient } from '../functions/adapters/dynamodb';
import { createSecretsClient } from '../functions/adapters/secret-store';
import { createApiHandler } from '../functions/api/handler';
import { createNotifyHandler } from '../functions/notify/handler';
import { createReconcileHandler } from '../functions/reconcile/handler';
import type { ReconcileSummary } from '../functions/reconcile/reconcile';
import { type Config, parseConfig } from '../functions/shared/config';
import { createServices, type Services } from '../functions/shared/services';
import { createWebhookHandler } from '../functions/webhook/handler';
import { createTable, type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import { LocalCallbackQueue } from './callback-queue';
import { type Gateway, type GatewayRoute, startGateway } from './gateway';
import { localRoutes } from './local-routes';
import { assertPortFree, findFreePort } from './ports';
import { type SecretsManagerEmulator, startSecretsManager } from './secrets-manager';
import { startStreamPoller } from './stream-poller';
import { type StripeSandbox, startStripeSandbox } from './stripe-sandbox';

export interface LocalStageOptions {
  /** Port of the HTTP gateway; 0 picks a free one. Default 3000. */
  port?: number;
  /** Port of the Stripe sandbox; 0 picks a free one. Default 12111. */
  stripePort?: number;
  /** Port of the Secrets Manager emulator; 0 picks a free one. Default 4566. */
  secretsPort?: number;
  /** Port of DynamoDB Local; 0 picks a free one. Default 8000. */
  dynamodbPort?: number;
  /** An already running DynamoDB Local to use instead of starting one. */
  dynamodbEndpoint?: string;
  /** Stripe mode of the stage. Default `test`. */
  stage?: 'test' | 'live';
  /** Public base URL; default the gateway's own URL. */
  publicUrl?: string;
  /** Extra environment settings, as the functions would read them. */
  env?: Record<string, string>;
  /** Receives one line per event worth showing; default none. */
  log?: (line: string) => void;
}

export interface LocalStage {
  url: string;
  stripeUrl: string;
  secretsManagerUrl: string;
  dynamodbEndpoint: string;
  config: Config;
  services: Services;
  /** HMAC key of the Chat-Payments-Signature header on callbacks. */
  callbackSigningSecret: string;
  callbackQueue: LocalCallbackQueue;
  /** Runs the reconcile function now, as the schedule would. */
  reconcile(): Promise<ReconcileSummary>;
  /** Waits until every stream record so far is handled and no retry is in flight. */
  settleCallbacks(): Promise<void>;
  stop(): Promise<void>;
}

/** Local stage only: how often reconcile runs on its own, in seconds. */
const DEFAULT_RECONCILE_INTERVAL_SECONDS = 60;

/**
 * Starts the whole stage on 127.0.0.1: DynamoDB Local, the Secrets Manager
 * emulator, the Stripe sandbox and the gateway in front of the handlers.
 * On failure, whatever already started is stopped again.
 */
export async function startLocalStage(options: LocalStageOptions = {}): Promise<LocalStage> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const port = options.port ?? 3000;
    if (port !== 0) await assertPortFree(port, 'HTTP gateway');

    let dynamodb: DynamoDbLocal | undefined;
    let dynamodbEndpoint = options.dynamodbEndpoint;
    if (!dynamodbEndpoint) {
      dynamodb = await startDynamoDbLocal({ port: options.dynamodbPort ?? 8000 });
      stops.push(() => dynamodb!.stop());
      dynamodbEndpoint = dynamodb.endpoint;
    }
    const secrets: SecretsManagerEmulator = await startSecretsManager({
      port: options.secretsPort ?? 4566,
    });
    stops.push(() => secrets.close());
    const stripe: StripeSandbox = await startStripeSandbox({
      port: options.stripePort ?? 12111,
      log: options.log ?? (() => undefined),
    });
    stops.push(() => stripe.close());

    const stage = options.stage ?? 'test';
    const tableName = `chat-payments-${stage}-${randomBytes(4).toString('hex')}`;
    await createTable(dynamodbEndpoint, tableName);

    // The handlers need the public URL before the gateway exists, so the
    // gateway's port is fixed first when it is to be picked.
    const gatewayPort = port === 0 ? await findFreePort() : port;
    const publicUrl = options.publicUrl ?? `http://127.0.0.1:${gatewayPort}`;
    const env: Record<string, string> = {
      STAGE: stage,
      TABLE_NAME: tableName,
      PUBLIC_URL: publicUrl,
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      SECRETS_MANAGER_ENDPOINT: secrets.url,
      STRIPE_API_URL: stripe.url,
      ALLOW_LOOPBACK_CALLBACKS: 'true',
      AWS_REGION: 'us-east-1',
      CALLBACK_RETRY_DELAYS_SECONDS: '1,2,4',
      ...options.env,
    };
    const config = parseConfig(env);
    const services = createServices(config);

    const callbackSigningSecret = randomBytes(32).toString('hex');
    await createSecretsClient(config).send(
      new CreateSecretCommand({ Name: config.callbackSigningSecretId, SecretString: callbackSigningSecret }),
    );
    const callbackQueue = new LocalCallbackQueue();
    stops.push(async () => callbackQueue.stop());
    const notifyServices = {
      sender: new HttpCallbackSender({ timeoutMs: config.callbackTimeoutMs, allowLoopback: true }),
      queue: callbackQueue,
      signingSecret: async () => callbackSigningSecret,
      policy: { allowedHosts: config.callbackAllowedHosts, allowLoopback: true },
      retryDelaysSeconds: config.callbackRetryDelaysSeconds,
      now: () => new Date(),
    };
    const notify = createNotifyHandler(() => notifyServices);
    callbackQueue.attach(notify);
    const poller = await startStreamPoller(createDocumentClient(config), {
      endpoint: dynamodbEndpoint,
      tableName,
      handler: notify,
      onError: (error) => options.log?.(`stream poll failed: ${String(error)}`),
    });
    stops.push(() => poller.stop());

    const reconcileHandler = createReconcileHandler(() => services);
    const reconcile = () => reconcileHandler();
    const intervalSeconds = Number(env.RECONCILE_INTERVAL_SECONDS ?? DEFAULT_RECONCILE_INTERVAL_SECONDS);
    const timer = setInterval(() => {
      reconcile().catch((error: unknown) => options.log?.(`reconcile failed: ${String(error)}`));
    }, intervalSeconds * 1000);
    timer.unref();
    stops.push(async () => clearInterval(timer));

    const settleCallbacks = async () => {
      await poller.drain();
      while (callbackQueue.pending > 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await poller.drain();
      }
    };

    const routes: GatewayRoute[] = [
      ...localRoutes({ reconcile, callbackQueue, settleCallbacks }),
      {
        matches: (path) => path.startsWith('/link-webhook') || path.startsWith('/checkout/'),
        handler: createWebhookHandler(() => services),
      },
      {
        matches: (path) => path.startsWith('/merchants/') || path.startsWith('/payments'),
        handler: createApiHandler(() => services),
      },
    ];
    const gateway: Gateway = await startGateway(routes, gatewayPort);
    stops.push(() => gateway.close());

    return {
      url: gateway.url,
      stripeUrl: stripe.url,
      secretsManagerUrl: secrets.url,
      dynamodbEndpoint,
      config,
      services,
      callbackSigningSecret,
      callbackQueue,
      reconcile,
      settleCallbacks,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
