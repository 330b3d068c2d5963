import { DuplicateEventError, PaymentIntentTakenError, VersionConflictError } from '../../functions/adapters/payment-store';
import { applyObservation } from '../../functions/shared/apply-observation';
import type { Services } from '../../functions/shared/services';
import { type TestDynamoDb, useDynamoDb } from '../helpers/dynamodb';
import { pendingPayment, servicesFor } from '../helpers/services';

let db: TestDynamoDb;
let services: Services;

beforeAll(async () => {
  db = await useDynamoDb();
  services = servicesFor(db.endpoint, db.tableName);
});

afterAll(async () => {
  await db.stop();
});

async function storedPending() {
  const payment = pendingPayment();
  await services.payments.createIfAbsent(payment, new Date().toISOString());
  return payment;
}

const entry = (status: 'requires_action' | 'succeeded' | 'failed') => ({
  status,
  at: new Date().toISOString(),
  source: 'webhook' as const,
});

describe('PaymentStore', () => {
  it('applies a change at the expected version', async () => {
    const payment = await storedPending();

    await services.payments.applyChange({
      paymentId: payment.paymentId,
      expectedVersion: 1,
      status: 'succeeded',
      entry: entry('succeeded'),
    });

    const stored = await services.payments.get(payment.paymentId);
    expect(stored?.status).toBe('succeeded');
    expect(stored?.version).toBe(2);
    expect(stored?.history.map((item) => item.status)).toEqual(['pending', 'succeeded']);
  });

  it('rejects a change at a stale version', async () => {
    const payment = await storedPending();
    await services.payments.applyChange({
      paymentId: payment.paymentId,
      expectedVersion: 1,
      status: 'requires_action',
      entry: entry('requires_action'),
    });

    const stale = services.payments.applyChange({
      paymentId: payment.paymentId,
      expectedVersion: 1,
      status: 'failed',
      entry: entry('failed'),
    });

    await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
    expect((await services.payments.get(payment.paymentId))?.status).toBe('requires_action');
  });

  it('rejects a recorded event id', async () => {
    const payment = await storedPending();
    const event = { merchantId: 'merchant-a', eventId: 'evt_dup_1', paymentId: payment.paymentId, outcome: 'x' };
    await services.payments.applyChange(
      { paymentId: payment.paymentId, expectedVersion: 1, status: 'requires_action', entry: entry('requires_action') },
      event,
    );

    const again = services.payments.applyChange(
      { paymentId: payment.paymentId, expectedVersion: 2, status: 'succeeded', entry: entry('succeeded') },
      event,
    );

    await expect(again).rejects.toBeInstanceOf(DuplicateEventError);
    const stored = await services.payments.get(payment.paymentId);
    expect(stored?.status).toBe('requires_action');
    expect(stored?.version).toBe(2);
  });

  it('removes a final payment from the open index', async () => {
    const payment = await storedPending();
    const due = new Date(Date.now() + 60_000).toISOString();
    const before = await services.payments.listDue(due, 1000);

    await services.payments.applyChange({
      paymentId: payment.paymentId,
      expectedVersion: 1,
      status: 'succeeded',
      entry: entry('succeeded'),
    });

    const after = await services.payments.listDue(due, 1000);
    expect(before.map((item) => item.paymentId)).toContain(payment.paymentId);
    expect(after.map((item) => item.paymentId)).not.toContain(payment.paymentId);
  });

  it('links a PaymentIntent to one payment', async () => {
    const first = await storedPending();
    const second = await storedPending();
    await services.payments.applyChange({
      paymentId: first.paymentId,
      expectedVersion: 1,
      status: 'requires_action',
      entry: entry('requires_action'),
      paymentIntentId: 'pi_shared_1',
    });

    const hijack = services.payments.applyChange({
      paymentId: second.paymentId,
      expectedVersion: 1,
      status: 'requires_action',
      entry: entry('requires_action'),
      paymentIntentId: 'pi_shared_1',
    });

    await expect(hijack).rejects.toBeInstanceOf(PaymentIntentTakenError);
    expect(await services.payments.findByPaymentIntent('pi_shared_1')).toBe(first.paymentId);
  });
});

describe('applyObservation', () => {
  it('applies concurrent deliveries of one event once', async () => {
    const payment = await storedPending();
    const observation = {
      status: 'succeeded' as const,
      occurredAt: 1000,
      source: 'webhook' as const,
      eventId: 'evt_concurrent_1',
      paymentIntentId: 'pi_concurrent_1',
    };

    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => applyObservation(services, payment, observation)),
    );

    const applied = outcomes.filter((outcome) => outcome.kind === 'applied');
    const stored = await services.payments.get(payment.paymentId);
    expect(applied).toHaveLength(1);
    expect(stored?.version).toBe(2);
    expect(stored?.history).toHaveLength(2);
  });

  it('settles concurrent distinct events consistently', async () => {
    const payment = await storedPending();
    const events = [
      { status: 'requires_action' as const, occurredAt: 100, eventId: 'evt_c_ra' },
      { status: 'failed' as const, occurredAt: 101, eventId: 'evt_c_f' },
      { status: 'succeeded' as const, occurredAt: 102, eventId: 'evt_c_s' },
    ];

    await Promise.all(
      events.flatMap((event) =>
        Array.from({ length: 5 }, () =>
          applyObservation(services, payment, { ...event, source: 'webhook' }),
        ),
      ),
    );

    const stored = await services.payments.get(payment.paymentId);
    expect(stored?.status).toBe('succeeded');
    const eventIds = stored?.history.flatMap((item) => (item.eventId ? [item.eventId] : []));
    expect(new Set(eventIds).size).toBe(eventIds?.length);
  });

  it('records an event that changes nothing', async () => {
    const payment = await storedPending();
    await applyObservation(services, payment, {
      status: 'succeeded', occurredAt: 200, source: 'webhook', eventId: 'evt_first_s',
    });

    const late = await applyObservation(services, payment, {
      status: 'failed', occurredAt: 100, source: 'webhook', eventId: 'evt_late_f',
    });
    const again = await applyObservation(services, payment, {
      status: 'failed', occurredAt: 100, source: 'webhook', eventId: 'evt_late_f',
    });

    expect(late.kind).toBe('unchanged');
    expect(again.kind).toBe('duplicate');
    expect((await services.payments.get(payment.paymentId))?.status).toBe('succeeded');
  });
});
