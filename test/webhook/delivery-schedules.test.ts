import fc from 'fast-check';

import {
  DuplicateEventError,
  type PaymentStore,
  VersionConflictError,
} from '../../functions/adapters/payment-store';
import type { Payment } from '../../functions/core/payment';
import type { Services } from '../../functions/shared/services';
import { createWebhookHandler } from '../../functions/webhook/handler';
import { type SecretsManagerEmulator, startSecretsManager } from '../../local/secrets-manager';
import { type TestDynamoDb, useDynamoDb } from '../helpers/dynamodb';
import { pendingPayment, servicesFor } from '../helpers/services';
import { installDirectly, newCredentials, newEventId } from '../helpers/webhook-delivery';
import { MemoryPaymentStore } from './memory-stores';
import { MERCHANT_COUNT, schedulePlan } from './schedule-model';
import { newStats, reportOf, runSchedule, type ScheduleContext, type TestMerchant } from './schedule-runner';

/**
 * Schedules of the property on DynamoDB Local. PROPERTY_RUNS sets the
 * nightly size. The schedules run in PROPERTY_STREAMS concurrent streams,
 * because DynamoDB Local serves several requests in flight much faster
 * than one at a time.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 100);
const STREAMS = Number(process.env.PROPERTY_STREAMS ?? 8);
const SEED = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined;

let db: TestDynamoDb;
let secretsManager: SecretsManagerEmulator;
let context: ScheduleContext;

beforeAll(async () => {
  db = await useDynamoDb();
  secretsManager = await startSecretsManager({ port: 0 });
  const services: Services = servicesFor(db.endpoint, db.tableName, {
    SECRETS_MANAGER_ENDPOINT: secretsManager.url,
    SECRET_CACHE_TTL_SECONDS: '3600',
  });
  const merchants: TestMerchant[] = [];
  for (let index = 0; index < MERCHANT_COUNT; index++) {
    const merchant = { merchantId: `schedule-shop-${index}`, credentials: newCredentials() };
    await installDirectly(services, merchant.merchantId, merchant.credentials);
    merchants.push(merchant);
  }
  context = {
    services,
    handler: createWebhookHandler(() => services),
    merchants,
    runConcurrently: (tasks) => Promise.all(tasks.map((task) => task())),
    readPayment: (paymentId) => services.payments.get(paymentId),
    readEvent: (merchantId, eventId) => services.payments.getEvent(merchantId, eventId),
    stats: newStats(),
  };
});

afterAll(async () => {
  await secretsManager?.close();
  await db?.stop();
});

describe('webhook handler on DynamoDB Local', () => {
  it('matches the model on every schedule', async () => {
    const started = Date.now();
    const property = fc.asyncProperty(schedulePlan, (plan) => runSchedule(context, plan));

    const results = await Promise.all(
      Array.from({ length: STREAMS }, (_, stream) =>
        fc.check(property, {
          numRuns: Math.ceil(RUNS / STREAMS),
          // Shrinking on DynamoDB Local takes minutes, so a failure is
          // reported as found. Its seed replays it (PROPERTY_SEED).
          endOnFailure: true,
          ...(SEED !== undefined && { seed: SEED + stream }),
        }),
      ),
    );

    const { schedules, deliveries, bursts } = context.stats;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `webhook schedules on DynamoDB Local: ${schedules} schedules, ${deliveries} deliveries, ${bursts} bursts in ${seconds} s\n`,
    );
    for (const result of results) {
      expect(reportOf(result)).toBe('passed');
    }
  }, 60_000 + RUNS * 1_000);
});

// The in-memory store of the interleaving property must fail and succeed
// where the DynamoDB one does, so both run the same cases.
describe.each([
  ['DynamoDB Local', () => context.services.payments],
  ['in-memory', () => new MemoryPaymentStore(async (operation) => operation()) as unknown as PaymentStore],
])('%s payment store', (_name, storeOf) => {
  let store: PaymentStore;

  beforeAll(() => {
    store = storeOf();
  });

  async function storedPayment(overrides: Partial<Payment> = {}): Promise<Payment> {
    const payment = pendingPayment(overrides);
    await store.createIfAbsent(payment, new Date().toISOString());
    return payment;
  }

  const change = (payment: Payment, status: 'requires_action' | 'failed', created: number) => ({
    paymentId: payment.paymentId,
    expectedVersion: payment.version,
    expectedLastEventCreated: payment.lastEventCreated ?? null,
    status,
    entry: { status, at: new Date().toISOString(), source: 'webhook' as const },
    lastEventCreated: created,
  });

  const eventOf = (payment: Payment) => ({
    merchantId: payment.merchantId,
    eventId: newEventId(),
    paymentId: payment.paymentId,
    outcome: 'test',
  });

  it('rejects a change after a confirmation', async () => {
    const payment = await storedPayment({ status: 'failed', version: 2, lastEventCreated: 100 });
    await store.confirmStatus({
      paymentId: payment.paymentId,
      expectedVersion: 2,
      expectedLastEventCreated: 100,
      lastEventCreated: 300,
    });

    const stale = store.applyChange(change(payment, 'requires_action', 200));

    await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
  });

  it('rejects a change expecting no time', async () => {
    const payment = await storedPayment({ status: 'failed', version: 2, lastEventCreated: 100 });

    const stale = store.applyChange({ ...change(payment, 'requires_action', 200), expectedLastEventCreated: null });

    await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
  });

  it('confirms without a new version', async () => {
    const payment = await storedPayment({ status: 'failed', version: 2, lastEventCreated: 100 });
    const event = eventOf(payment);

    await store.confirmStatus(
      {
        paymentId: payment.paymentId,
        expectedVersion: 2,
        expectedLastEventCreated: 100,
        lastEventCreated: 300,
        lastError: { code: 'card_declined', declineCode: 'expired_card', message: 'Expired.' },
      },
      event,
    );

    const stored = await store.get(payment.paymentId);
    expect(stored?.version).toBe(2);
    expect(stored?.history).toHaveLength(1);
    expect(stored?.lastEventCreated).toBe(300);
    expect(stored?.lastError?.declineCode).toBe('expired_card');
    expect(await store.getEvent(payment.merchantId, event.eventId)).toBeDefined();
  });

  it('rejects a confirmed event again', async () => {
    const payment = await storedPayment({ status: 'failed', version: 2, lastEventCreated: 100 });
    const event = eventOf(payment);
    const confirmation = {
      paymentId: payment.paymentId,
      expectedVersion: 2,
      expectedLastEventCreated: 100,
      lastEventCreated: 300,
    };
    await store.confirmStatus(confirmation, event);

    const again = store.confirmStatus({ ...confirmation, expectedLastEventCreated: 300 }, event);

    await expect(again).rejects.toBeInstanceOf(DuplicateEventError);
  });

  it('rejects a recorded event again', async () => {
    const payment = await storedPayment();
    const event = eventOf(payment);
    await store.recordEvent(event);

    const again = store.recordEvent(event);

    await expect(again).rejects.toBeInstanceOf(DuplicateEventError);
  });

  it('reports a duplicate before a conflict', async () => {
    const payment = await storedPayment();
    const event = eventOf(payment);
    await store.applyChange(change(payment, 'requires_action', 100), event);

    const again = store.applyChange(change(payment, 'failed', 200), event);

    await expect(again).rejects.toBeInstanceOf(DuplicateEventError);
  });
});
