import { randomBytes } from 'node:crypto';

import { createApiHandler } from '../functions/api/handler';
import { type Config, parseConfig } from '../functions/shared/config';
import { createServices, type Services } from '../functions/shared/services';
import { createWebhookHandler } from '../functions/webhook/handler';
import { createTable, type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import { type Gateway, type GatewayRoute, startGateway } from './gateway';
import { assertPortFree, findFreePort } from './ports';
import { type SecretsManagerEmulator, startSecretsManager } from './secrets-manager';
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
  stop(): Promise<void>;
}

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
      ...options.env,
    };
    const config = parseConfig(env);
    const services = createServices(config);
    const routes: GatewayRoute[] = [
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
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
