import { StageHarness } from '../helpers/local-stage';

/**
 * Real signed deliveries from the Stripe sandbox to the stage's webhook
 * URL, through the sandbox's delivery modes. The merchant's endpoint is the
 * one chat-payments creates, so the signature path is the production one.
 */

const CARDS = {
  success: '4242424242424242',
  threeDSecure: '4000002500003155',
  decline: '4000000000000002',
};

const SUBSCRIBED = new Set([
  'payment_intent.succeeded',
  'payment_intent.requires_action',
  'payment_intent.payment_failed',
]);

interface DeliveryRecord {
  eventId: string;
  eventType: string;
  status: number | null;
  responseBody: string | null;
  dropped?: boolean;
}

let harness: StageHarness;
let accountId: string;
const merchantId = 'modes-shop';

beforeAll(async () => {
  harness = await StageHarness.start();
  const { account } = await harness.installMerchant(merchantId, { configureWebhook: true });
  accountId = account.accountId;
});

afterAll(async () => {
  await harness?.stop();
});

afterEach(async () => {
  await setMode('normal');
});

async function setMode(mode: 'normal' | 'duplicate' | 'reverse' | 'drop') {
  const reply = await harness.sandbox('/_sandbox/delivery', { method: 'PUT', body: { mode } });
  expect(reply.status).toBe(200);
}

async function deliveries(): Promise<DeliveryRecord[]> {
  const reply = await harness.sandbox<{ data: DeliveryRecord[] }>(`/_sandbox/deliveries?account=${accountId}`);
  return reply.body.data.filter((record) => SUBSCRIBED.has(record.eventType));
}

/** Runs a customer action; returns its result and the deliveries it scheduled. */
async function act<T>(action: () => Promise<T>): Promise<{ result: T; records: DeliveryRecord[] }> {
  const before = (await deliveries()).length;
  const result = await action();
  await harness.flushDeliveries();
  return { result, records: (await deliveries()).slice(before) };
}

async function pay(checkoutSessionId: string, card: string) {
  const { result, records } = await act(() => harness.pay(checkoutSessionId, card));
  expect(result.status).toBe(200);
  return { paymentIntentId: result.body.paymentIntent.id, records };
}

async function newPayment() {
  const created = await harness.createPayment({
    merchantId,
    amount: 4200,
    currency: 'usd',
    description: 'Delivery mode order',
    reference: 'modes',
  });
  expect(created.status).toBe(201);
  return created.body;
}

async function authenticate(paymentIntentId: string, result: 'succeeded' | 'failed') {
  await harness.sandbox(`/_sandbox/payment_intents/${paymentIntentId}/authenticate`, { body: { result } });
}

// Events of one second tie on `created`; later actions get later events.
async function advanceClock() {
  await harness.sandbox('/_sandbox/clock/advance', { body: { seconds: 10 } });
}

async function resend(eventId: string) {
  await harness.sandbox(`/_sandbox/events/${eventId}/resend`, { body: {} });
  await harness.flushDeliveries();
}

describe('duplicate delivery mode', () => {
  it('applies each event once', async () => {
    await setMode('duplicate');
    const payment = await newPayment();

    const challenged = await pay(payment.checkoutSessionId, CARDS.threeDSecure);
    const authenticated = await act(() => authenticate(challenged.paymentIntentId, 'succeeded'));

    const stored = (await harness.payment(payment.paymentId)).body;
    const all = [...challenged.records, ...authenticated.records];
    const eventIds = stored.history.flatMap((entry) => (entry.eventId ? [entry.eventId] : []));
    expect(stored.status).toBe('succeeded');
    expect(stored.history.map((entry) => entry.status)).toEqual(['pending', 'requires_action', 'succeeded']);
    expect(new Set(eventIds).size).toBe(2);
    expect(all).toHaveLength(4);
    expect(all.every((record) => record.status === 200)).toBe(true);
    expect(all.filter((record) => record.responseBody?.includes('"duplicate":true'))).toHaveLength(2);
  });
});

describe('reverse delivery mode', () => {
  it('applies reversed batches in full', async () => {
    await setMode('reverse');
    const payment = await newPayment();

    const declined = await pay(payment.checkoutSessionId, CARDS.decline);
    await advanceClock();
    const paid = await pay(payment.checkoutSessionId, CARDS.success);

    const stored = (await harness.payment(payment.paymentId)).body;
    expect([...declined.records, ...paid.records].map((record) => record.status)).toEqual([200, 200]);
    expect(stored.status).toBe('succeeded');
    expect(stored.history.map((entry) => entry.status)).toEqual(['pending', 'failed', 'succeeded']);
  });

  it('keeps the newest of reversed events', async () => {
    await setMode('drop');
    const payment = await newPayment();
    const challenged = await pay(payment.checkoutSessionId, CARDS.threeDSecure);
    await advanceClock();
    const failed = await act(() => authenticate(challenged.paymentIntentId, 'failed'));
    await setMode('reverse');

    for (const record of [...failed.records, ...challenged.records]) await resend(record.eventId);

    const stored = (await harness.payment(payment.paymentId)).body;
    expect(stored.status).toBe('failed');
    expect(stored.history.map((entry) => entry.status)).toEqual(['pending', 'failed']);
  });

  it('keeps success against older events', async () => {
    await setMode('drop');
    const payment = await newPayment();
    const challenged = await pay(payment.checkoutSessionId, CARDS.threeDSecure);
    await advanceClock();
    const failed = await act(() => authenticate(challenged.paymentIntentId, 'failed'));
    await advanceClock();
    const paid = await pay(payment.checkoutSessionId, CARDS.success);
    await setMode('reverse');

    for (const record of [...paid.records, ...failed.records, ...challenged.records]) await resend(record.eventId);

    const stored = (await harness.payment(payment.paymentId)).body;
    expect(stored.status).toBe('succeeded');
    expect(stored.history.map((entry) => entry.status)).toEqual(['pending', 'succeeded']);
  });
});

describe('drop delivery mode', () => {
  it('applies a dropped event on resend', async () => {
    await setMode('drop');
    const payment = await newPayment();
    const { records: dropped } = await pay(payment.checkoutSessionId, CARDS.success);
    const waiting = (await harness.payment(payment.paymentId)).body;
    await setMode('normal');

    await resend(dropped[0].eventId);
    await resend(dropped[0].eventId);

    const stored = (await harness.payment(payment.paymentId)).body;
    const attempts = (await deliveries()).filter((record) => record.eventId === dropped[0].eventId);
    expect(dropped).toEqual([expect.objectContaining({ dropped: true, status: null })]);
    expect(waiting.status).toBe('pending');
    expect(stored.status).toBe('succeeded');
    expect(stored.history.map((entry) => entry.status)).toEqual(['pending', 'succeeded']);
    expect(attempts.map((record) => record.status)).toEqual([null, 200, 200]);
    expect(attempts[1].responseBody).toContain('"received":true');
    expect(attempts[2].responseBody).toContain('"duplicate":true');
  });
});
