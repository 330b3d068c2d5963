import { randomBytes, randomUUID } from 'node:crypto';
import Stripe from 'stripe';

import type { Installation } from '../../functions/core/installation';
import type { HttpEvent } from '../../functions/shared/http';
import type { Services } from '../../functions/shared/services';

/** Stripe credentials of a test merchant. */
export interface TestCredentials {
  apiKey: string;
  webhookSecret?: string;
}

export function newEventId(): string {
  return `evt_1${randomBytes(12).toString('hex')}`;
}

export function newPaymentIntentId(): string {
  return `pi_3${randomBytes(12).toString('hex')}`;
}

/** Credentials shaped like Stripe's, unique to the caller. */
export function newCredentials(withWebhookSecret = true): TestCredentials {
  return {
    apiKey: `sk_test_51${randomBytes(20).toString('hex')}`,
    ...(withWebhookSecret && {
      webhookSecret: `whsec_${randomBytes(16).toString('hex')}`,
    }),
  };
}

/** An active test-mode installation whose secret has the given version. */
export function installationFor(
  merchantId: string,
  credentials: TestCredentials,
  credentialsVersion: string,
): Installation {
  const now = new Date().toISOString();
  return {
    merchantId,
    status: 'active',
    mode: 'test',
    keyType: 'standard',
    keyHint: `sk_test_…${credentials.apiKey.slice(-4)}`,
    credentialsVersion,
    hasWebhookSecret: Boolean(credentials.webhookSecret),
    webhook: { status: 'ok', problems: [], notes: [], checkedAt: now },
    installedAt: now,
  };
}

/**
 * Installs a merchant by writing its secret and installation directly,
 * without the Marketplace call that checks the key with Stripe.
 */
export async function installDirectly(
  services: Services,
  merchantId: string,
  credentials: TestCredentials,
): Promise<void> {
  const version = randomUUID();
  await services.secrets.put(merchantId, version, credentials);
  await services.installations.put(installationFor(merchantId, credentials, version));
}

export interface PaymentIntentEventInput {
  eventId?: string;
  type: string;
  /** Unix seconds, now by default. */
  created?: number;
  livemode?: boolean;
  paymentIntentId: string;
  amount: number;
  currency: string;
  /** Written to `jelou_payment_id` and `jelou_merchant_id` when given. */
  paymentId?: string;
  merchantId?: string;
  lastPaymentError?: { code: string; decline_code?: string; message: string };
}

const INTENT_STATUS: Record<string, string> = {
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.requires_action': 'requires_action',
  'payment_intent.payment_failed': 'requires_payment_method',
};

/** Builds a Stripe event about a PaymentIntent, in the shape Stripe delivers. */
export function paymentIntentEvent(input: PaymentIntentEventInput): Record<string, unknown> {
  const created = input.created ?? Math.floor(Date.now() / 1000);
  const metadata: Record<string, string> = {};
  if (input.paymentId) metadata.jelou_payment_id = input.paymentId;
  if (input.merchantId) metadata.jelou_merchant_id = input.merchantId;
  return {
    id: input.eventId ?? newEventId(),
    object: 'event',
    api_version: '2026-11-18.endive',
    created,
    livemode: input.livemode ?? false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: input.type,
    data: {
      object: {
        id: input.paymentIntentId,
        object: 'payment_intent',
        amount: input.amount,
        amount_received: input.type === 'payment_intent.succeeded' ? input.amount : 0,
        currency: input.currency,
        created,
        livemode: input.livemode ?? false,
        metadata,
        status: INTENT_STATUS[input.type] ?? 'processing',
        last_payment_error: input.lastPaymentError
          ? { type: 'card_error', ...input.lastPaymentError }
          : null,
      },
    },
  };
}

/** Builds a `Stripe-Signature` header with the SDK's own test generator. */
export function signatureHeader(
  payload: string,
  secret: string,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

export interface GatewayEventOptions {
  /** Query parameters, `provider=STRIPE` by default. */
  query?: Record<string, string>;
  /** Header names are lower-cased, as API Gateway HTTP APIs deliver them. */
  headers?: Record<string, string>;
  /** Sends the body base64-encoded with `isBase64Encoded`. */
  base64?: boolean;
  method?: string;
  path?: string;
}

/** Builds an API Gateway HTTP API (payload 2.0) event for the webhook route. */
export function gatewayEvent(body: string | undefined, options: GatewayEventOptions = {}): HttpEvent {
  const query = options.query ?? { provider: 'STRIPE' };
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  const method = options.method ?? 'POST';
  const path = options.path ?? '/link-webhook';
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers,
    queryStringParameters: query,
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: '127.0.0.1',
      domainPrefix: 'test',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined && {
      body: options.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    }),
    isBase64Encoded: Boolean(options.base64),
  };
}

/**
 * Builds a signed delivery of `event` as API Gateway passes it on. The
 * body is the JSON text that was signed, and `merchant` goes into the query.
 */
export function signedDelivery(
  event: Record<string, unknown>,
  secret: string,
  options: { merchant?: string; timestamp?: number; base64?: boolean } = {},
): HttpEvent {
  const payload = JSON.stringify(event);
  return gatewayEvent(payload, {
    query: {
      provider: 'STRIPE',
      ...(options.merchant && { merchant: options.merchant }),
    },
    headers: { 'stripe-signature': signatureHeader(payload, secret, options.timestamp) },
    base64: options.base64,
  });
}

/** Parses the JSON body of a handler result. */
export function replyBody(result: { body?: string }): Record<string, unknown> {
  return JSON.parse(result.body ?? '{}') as Record<string, unknown>;
}

/**
 * Builds a `Stripe-Signature` header with one `v1` per secret at one
 * timestamp, as Stripe sends while a rolled secret is still valid.
 */
export function rolledSignatureHeader(
  payload: string,
  secrets: string[],
  timestamp = Math.floor(Date.now() / 1000),
): string {
  const signatures = secrets.map((secret) =>
    signatureHeader(payload, secret, timestamp).split(',').find((part) => part.startsWith('v1=')),
  );
  return [`t=${timestamp}`, ...signatures].join(',');
}
