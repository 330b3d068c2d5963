import type { Payment } from '../../functions/core/payment';
import type { HttpEvent } from '../../functions/shared/http';
import { createServices, type Services } from '../../functions/shared/services';
import { createWebhookHandler } from '../../functions/webhook/handler';
import { readFileSync } from 'node:fs';

import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local';
import { type DynamoDbFault, type DynamoDbFaultProxy, startDynamoDbFaultProxy } from '../helpers/dynamodb-fault-proxy';
import { request, StageHarness } from '../helpers/local-stage';
import { pendingPayment } from '../helpers/services';
import { captureFile } from '../setup/log-capture';
import {
  gatewayEvent,
  newCredentials,
  newPaymentIntentId,
  paymentIntentEvent,
  replyBody,
  signedDelivery,
} from '../helpers/webhook-delivery';

/**
 * Each fault makes one delivery fail with a 5xx, so that Stripe retries.
 * The failed delivery writes nothing, and the retry that follows applies
 * the event exactly once. The handler runs in process with services of
 * its own, so no secret is cached from the install.
 */

const STRIPE_TIMEOUT_MS = 500;

let dynamodb: DynamoDbLocal;
let proxy: DynamoDbFaultProxy;
let harness: StageHarness;
let retrievalAccountId: string;
/** Every Stripe key and signing secret of this file's merchants. */
const secrets: string[] = [];

const signed = { merchantId: 'fault-signed', ...newCredentials() };
const retrieved = { merchantId: 'fault-retrieved' };

beforeAll(async () => {
  dynamodb = await startDynamoDbLocal({ port: 0 });
  proxy = await startDynamoDbFaultProxy(dynamodb.endpoint);
  harness = await StageHarness.start({
    dynamodbEndpoint: proxy.endpoint,
    env: { STRIPE_TIMEOUT_MS: String(STRIPE_TIMEOUT_MS), STRIPE_MAX_NETWORK_RETRIES: '1' },
  });
  const signedInstall = await harness.installMerchant(signed.merchantId, { webhookSecret: signed.webhookSecret });
  const { account } = await harness.installMerchant(retrieved.merchantId, {});
  retrievalAccountId = account.accountId;
  secrets.push(signed.webhookSecret as string, signedInstall.account.secretKey, account.secretKey);
});

afterAll(async () => {
  await harness?.stop();
  await proxy?.close();
  await dynamodb?.stop();
});

afterEach(async () => {
  proxy.clear();
  await request(`${harness.stage.secretsManagerUrl}/_local/faults`, { method: 'DELETE' });
  await harness.sandbox('/_sandbox/faults', { method: 'DELETE' });
});

interface Delivery {
  services: Services;
  handler: ReturnType<typeof createWebhookHandler>;
  payment: Payment;
  eventId: string;
  request: HttpEvent;
}

async function storedPayment(merchantId: string): Promise<Payment> {
  const payment = pendingPayment({ merchantId });
  await harness.stage.services.payments.createIfAbsent(payment, new Date().toISOString());
  return payment;
}

function eventFor(payment: Payment, currency = payment.currency) {
  return paymentIntentEvent({
    type: 'payment_intent.succeeded',
    paymentIntentId: newPaymentIntentId(),
    paymentId: payment.paymentId,
    merchantId: payment.merchantId,
    amount: payment.amount,
    currency,
  });
}

/** Builds a succeeded event for a new payment, signed with the merchant's secret. */
async function signedDeliveryOfNewPayment(): Promise<Delivery> {
  const services = createServices(harness.stage.config);
  const payment = await storedPayment(signed.merchantId);
  const event = eventFor(payment);
  return {
    services,
    handler: createWebhookHandler(() => services),
    payment,
    eventId: event.id as string,
    request: signedDelivery(event, signed.webhookSecret as string),
  };
}

/**
 * Builds a succeeded event for a new payment of the merchant without a
 * signing secret, and stores it in the sandbox for the handler to retrieve.
 */
async function retrievedDeliveryOfNewPayment(): Promise<Delivery> {
  const services = createServices(harness.stage.config);
  const payment = await storedPayment(retrieved.merchantId);
  const event = eventFor(payment);
  await harness.sandbox(`/_sandbox/accounts/${retrievalAccountId}/events`, { body: { event } });
  return {
    services,
    handler: createWebhookHandler(() => services),
    payment,
    eventId: event.id as string,
    request: gatewayEvent(JSON.stringify(event)),
  };
}

async function eventRecord(delivery: Delivery) {
  return harness.stage.services.payments.getEvent(delivery.payment.merchantId, delivery.eventId);
}

/** Delivers the same event again, as Stripe retries after a 5xx. */
async function retry(delivery: Delivery) {
  return delivery.handler({ ...delivery.request, requestContext: { ...delivery.request.requestContext } });
}

async function expectAppliedOnce(delivery: Delivery): Promise<void> {
  const again = await retry(delivery);
  const stored = await harness.stage.services.payments.get(delivery.payment.paymentId);
  const entries = stored?.history.filter((entry) => entry.eventId === delivery.eventId) ?? [];
  expect(replyBody(again)).toEqual(expect.objectContaining({ duplicate: true }));
  expect(stored?.status).toBe('succeeded');
  expect(entries).toHaveLength(1);
  expect(stored?.version).toBe(2);
}

async function expectNothingWritten(delivery: Delivery): Promise<void> {
  const stored = await harness.stage.services.payments.get(delivery.payment.paymentId);
  expect(stored?.status).toBe('pending');
  expect(stored?.version).toBe(1);
  expect(stored?.history).toHaveLength(1);
  expect(await eventRecord(delivery)).toBeUndefined();
}

const dynamoDbFaults: [string, DynamoDbFault][] = [
  ['a throttled transaction', { kind: 'throttle', operation: 'TransactWriteItems', times: 10 }],
  ['throttled reads', { kind: 'throttle', operation: 'GetItem', times: 10 }],
  ['a failing transaction', { kind: 'server_error', operation: 'TransactWriteItems', times: 10 }],
  ['unreachable reads', { kind: 'reset', operation: 'GetItem', times: 10 }],
  ['an unreachable transaction', { kind: 'reset', operation: 'TransactWriteItems', times: 10 }],
];

describe('webhook when DynamoDB fails', () => {
  it.each(dynamoDbFaults)('returns 503 for %s', async (_name, fault) => {
    const delivery = await signedDeliveryOfNewPayment();
    proxy.inject(fault);

    const reply = await delivery.handler(delivery.request);

    expect(reply.statusCode).toBe(503);
    expect((replyBody(reply).error as { code: string }).code).toBe('storage_unavailable');
    proxy.clear();
    await expectNothingWritten(delivery);
  });

  it.each(dynamoDbFaults)('applies the retry once after %s', async (_name, fault) => {
    const delivery = await signedDeliveryOfNewPayment();
    proxy.inject(fault);
    await delivery.handler(delivery.request);
    proxy.clear();

    const reply = await retry(delivery);

    expect(reply.statusCode).toBe(200);
    expect(replyBody(reply)).toEqual(expect.objectContaining({ received: true, status: 'succeeded' }));
    await expectAppliedOnce(delivery);
  });

  it('absorbs a throttle within SDK retries', async () => {
    const delivery = await signedDeliveryOfNewPayment();
    proxy.inject({ kind: 'throttle', operation: 'TransactWriteItems', times: 1 });

    const reply = await delivery.handler(delivery.request);

    expect(reply.statusCode).toBe(200);
    expect(proxy.faultsServed).toBeGreaterThan(0);
    await expectAppliedOnce(delivery);
  });

  it('finds a lost commit on retry', async () => {
    const delivery = await signedDeliveryOfNewPayment();
    proxy.inject({ kind: 'lost_response', operation: 'TransactWriteItems', times: 10 });
    const failed = await delivery.handler(delivery.request);
    proxy.clear();
    const committed = await harness.stage.services.payments.get(delivery.payment.paymentId);

    const reply = await retry(delivery);

    expect(failed.statusCode).toBe(503);
    expect(committed?.status).toBe('succeeded');
    expect(await eventRecord(delivery)).toBeDefined();
    expect(reply.statusCode).toBe(200);
    expect(replyBody(reply)).toEqual(expect.objectContaining({ duplicate: true, status: 'succeeded' }));
    await expectAppliedOnce(delivery);
  });
});

describe('webhook when Secrets Manager fails', () => {
  it.each([
    ['an internal error', { status: 500, type: 'InternalServiceError' }],
    ['throttling', { status: 400, type: 'ThrottlingException' }],
  ])('returns 503 for %s', async (_name, fault) => {
    const delivery = await signedDeliveryOfNewPayment();
    await request(`${harness.stage.secretsManagerUrl}/_local/faults`, {
      body: { target: 'GetSecretValue', times: 10, ...fault },
    });

    const reply = await delivery.handler(delivery.request);

    expect(reply.statusCode).toBe(503);
    expect((replyBody(reply).error as { code: string }).code).toBe('secrets_unavailable');
    await expectNothingWritten(delivery);
  });

  it('applies the retry once', async () => {
    const delivery = await signedDeliveryOfNewPayment();
    await request(`${harness.stage.secretsManagerUrl}/_local/faults`, {
      body: { target: 'GetSecretValue', status: 500, type: 'InternalServiceError', times: 10 },
    });
    await delivery.handler(delivery.request);
    await request(`${harness.stage.secretsManagerUrl}/_local/faults`, { method: 'DELETE' });

    const reply = await retry(delivery);

    expect(reply.statusCode).toBe(200);
    await expectAppliedOnce(delivery);
  });
});

describe('webhook when Stripe fails during retrieval', () => {
  const stripeFaults: [string, Record<string, unknown>, string][] = [
    ['429', { status: 429 }, 'stripe_rate_limited'],
    ['500', { status: 500 }, 'stripe_unavailable'],
    ['a timeout', { delayMs: STRIPE_TIMEOUT_MS * 4 }, 'stripe_unavailable'],
  ];

  it.each(stripeFaults)('returns 503 for %s', async (_name, fault, code) => {
    const delivery = await retrievedDeliveryOfNewPayment();
    await harness.sandbox('/_sandbox/faults', { body: { path: '/v1/events/*', times: 10, ...fault } });

    const reply = await delivery.handler(delivery.request);

    expect(reply.statusCode).toBe(503);
    expect((replyBody(reply).error as { code: string }).code).toBe(code);
    await expectNothingWritten(delivery);
  });

  it.each(stripeFaults)('applies the retry once after %s', async (_name, fault) => {
    const delivery = await retrievedDeliveryOfNewPayment();
    await harness.sandbox('/_sandbox/faults', { body: { path: '/v1/events/*', times: 10, ...fault } });
    await delivery.handler(delivery.request);
    await harness.sandbox('/_sandbox/faults', { method: 'DELETE' });

    const reply = await retry(delivery);

    expect(reply.statusCode).toBe(200);
    await expectAppliedOnce(delivery);
  });
});

// Runs last in this file, after the faults above have logged their errors.
describe('webhook logs', () => {
  it('mask a secret in a logged field', async () => {
    const services = createServices(harness.stage.config);
    const payment = await storedPayment(signed.merchantId);
    const secret = signed.webhookSecret as string;
    const event = eventFor(payment, secret);

    const reply = await createWebhookHandler(() => services)(signedDelivery(event, secret));

    const logged = readFileSync(captureFile(), 'utf8')
      .split('\n')
      .filter((line) => line.includes('amount or currency differs') && line.includes(payment.paymentId));
    expect(replyBody(reply).status).toBe('needs_review');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('whsec_[REDACTED]');
    expect(logged[0]).not.toContain(secret);
  });

  it('hold no key or signing secret', () => {
    const log = readFileSync(captureFile(), 'utf8');

    const leaked = secrets.filter((secret) => log.includes(secret));

    expect(log.length).toBeGreaterThan(0);
    expect(leaked.map((secret) => `${secret.slice(0, 8)}…`)).toEqual([]);
  });
});
