import { createApiHandler } from '../../functions/api/handler';
import { createServices, type Services } from '../../functions/shared/services';
import { createWebhookHandler } from '../../functions/webhook/handler';
import { startGateway } from '../../local/gateway';
import type { HttpReply, StageHarness } from './local-stage';

/** The three events the merchant's guide subscribes to. */
export const PAYMENT_EVENTS = [
  'payment_intent.succeeded',
  'payment_intent.requires_action',
  'payment_intent.payment_failed',
] as const;

export type Access = 'none' | 'read' | 'write';

/** Restricted-key permissions by sandbox resource; a resource left out is `none`. */
export type Permissions = Partial<
  Record<
    | 'account'
    | 'balance'
    | 'checkout_sessions'
    | 'payment_intents'
    | 'events'
    | 'webhook_endpoints',
    Access
  >
>;

/** Everything chat-payments uses, webhook endpoints included. */
export const FULL_PERMISSIONS: Permissions = {
  payment_intents: 'read',
  checkout_sessions: 'write',
  events: 'read',
  webhook_endpoints: 'write',
};

export interface WebhookView {
  status: string;
  endpointId?: string;
  problems: { code: string; message: string }[];
  notes: { code: string; message: string }[];
}

export interface InstallView {
  merchantId: string;
  accountId: string | null;
  keyType: string;
  keyHint: string;
  keyStatus: string;
  webhook: WebhookView;
  lastEventAt?: string | null;
  rejectedDeliveries?: Record<string, number>;
  deliveryProblems?: { reason: string; count: number; message: string }[];
  error?: { code: string; message: string; missingPermissions?: string[] };
}

/** Issues a restricted key for a sandbox account. */
export async function restrictedKey(
  harness: StageHarness,
  accountId: string,
  permissions: Permissions,
  mode?: 'test' | 'live',
): Promise<string> {
  const reply = await harness.sandbox<{ restrictedKey: string }>(
    `/_sandbox/accounts/${accountId}/restricted_keys`,
    { body: { permissions, ...(mode && { mode }) } },
  );
  if (reply.status !== 200) throw new Error(`restricted key not issued: ${reply.status}`);
  return reply.body.restrictedKey;
}

/** Issues another standard key pair of the account, in the given mode. */
export async function standardKeys(
  harness: StageHarness,
  accountId: string,
  mode: 'test' | 'live',
): Promise<{ secretKey: string; publishableKey: string }> {
  const reply = await harness.sandbox<{ secretKey: string; publishableKey: string }>(
    `/_sandbox/accounts/${accountId}/keys`,
    { body: { mode } },
  );
  if (reply.status !== 200) throw new Error(`keys not issued: ${reply.status}`);
  return reply.body;
}

/** Rolls a key in the sandbox: the old one gets 401 from then on. */
export async function rollKey(harness: StageHarness, key: string): Promise<string> {
  const reply = await harness.sandbox<{ secretKey?: string; restrictedKey?: string }>(
    `/_sandbox/keys/${key}/roll`,
    { method: 'POST' },
  );
  const next = reply.body.secretKey ?? reply.body.restrictedKey;
  if (reply.status !== 200 || !next) throw new Error(`key not rolled: ${reply.status}`);
  return next;
}

/** Sends the Marketplace install call. */
export function install(
  harness: StageHarness,
  merchantId: string,
  body: Record<string, unknown>,
): Promise<HttpReply<InstallView>> {
  return harness.api<InstallView>(`/merchants/${merchantId}/stripe`, { method: 'PUT', body });
}

/** Sends the Marketplace status call. */
export function describeMerchant(
  harness: StageHarness,
  merchantId: string,
): Promise<HttpReply<InstallView>> {
  return harness.api<InstallView>(`/merchants/${merchantId}/stripe`);
}

/** Creates a webhook endpoint in the merchant's account, as the merchant would. */
export async function createEndpoint(
  harness: StageHarness,
  apiKey: string,
  url: string,
  events: readonly string[] = PAYMENT_EVENTS,
): Promise<string> {
  const endpoint = await harness.stripe(apiKey).webhookEndpoints.create({
    url,
    enabled_events: [...events] as never,
  });
  return endpoint.id;
}

/** Builds a minimal payment request for the merchant. */
export function paymentBody(merchantId: string, reference = 'order-1') {
  return {
    merchantId,
    amount: 1500,
    currency: 'usd',
    description: 'Onboarding check',
    reference,
  };
}

// Anything shaped like a Stripe secret, and the mark the redaction step
// leaves when it had to hide one.
const SECRET_SHAPES = [
  /\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]/,
  /\bwhsec_[A-Za-z0-9]/,
  /REDACTED/,
];

/** Returns the secret-shaped parts of a response body, if any. */
export function secretsIn(body: unknown): string[] {
  const text = JSON.stringify(body);
  return SECRET_SHAPES.flatMap((shape) => shape.exec(text)?.[0] ?? []);
}

/** A second warm container of the stage's functions, on its own port. */
export interface WarmContainer {
  url: string;
  services: Services;
  close(): Promise<void>;
}

/**
 * Starts the api and webhook functions once more on the stage's table,
 * secrets and sandbox, with their own caches, as a second Lambda container
 * that stays warm would run. The secret cache lives for an hour, so only
 * the credentials version can make it drop a key.
 */
export async function startWarmContainer(harness: StageHarness): Promise<WarmContainer> {
  const services = createServices({ ...harness.stage.config, secretCacheTtlSeconds: 3600 });
  const gateway = await startGateway(
    [
      {
        matches: (path) => path.startsWith('/link-webhook'),
        handler: createWebhookHandler(() => services),
      },
      {
        matches: (path) => path.startsWith('/merchants/') || path.startsWith('/payments'),
        handler: createApiHandler(() => services),
      },
    ],
    0,
  );
  return { url: gateway.url, services, close: () => gateway.close() };
}
