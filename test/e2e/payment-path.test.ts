import { StageHarness } from '../helpers/local-stage';

let harness: StageHarness;

beforeAll(async () => {
  harness = await StageHarness.start();
});

afterAll(async () => {
  await harness?.stop();
});

const paymentBody = (merchantId: string, overrides: Record<string, unknown> = {}) => ({
  merchantId,
  amount: 2500,
  currency: 'usd',
  description: 'Two pizzas',
  reference: 'order-42',
  ...overrides,
});

async function settle(paymentId: string) {
  await harness.flushDeliveries();
  return (await harness.payment(paymentId)).body;
}

describe.each([
  ['signature', { configureWebhook: true }],
  ['retrieval', {}],
])('payment path verified by %s', (mode, installBody) => {
  const merchantId = `shop-${mode}`;

  beforeAll(async () => {
    const { account } = await harness.installMerchant(merchantId, installBody);
    if (mode === 'retrieval') {
      // The merchant creates the endpoint by hand and gives no secret, so
      // each delivery is verified by retrieving the event from Stripe.
      await harness.stripe(account.secretKey).webhookEndpoints.create({
        url: harness.webhookUrl,
        enabled_events: [
          'payment_intent.succeeded',
          'payment_intent.requires_action',
          'payment_intent.payment_failed',
        ],
      });
    }
  });

  it('creates a pending payment', async () => {
    const created = await harness.createPayment(paymentBody(merchantId));

    expect(created.status).toBe(201);
    expect(created.body.status).toBe('pending');
    expect(created.body.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(created.body.checkoutSessionId).toMatch(/^cs_test_/);
    const stored = await harness.payment(created.body.paymentId);
    expect(stored.body.history).toEqual([expect.objectContaining({ status: 'pending', source: 'api' })]);
  });

  it('succeeds with the success card', async () => {
    const created = await harness.createPayment(paymentBody(merchantId));

    await harness.pay(created.body.checkoutSessionId, '4242424242424242');
    const payment = await settle(created.body.paymentId);

    expect(payment.status).toBe('succeeded');
    expect(payment.paymentIntentId).toMatch(/^pi_/);
    expect(payment.history.at(-1)).toEqual(expect.objectContaining({ status: 'succeeded', source: 'webhook' }));
  });

  it('succeeds after 3-D Secure', async () => {
    const created = await harness.createPayment(paymentBody(merchantId));

    const paid = await harness.pay(created.body.checkoutSessionId, '4000002500003155');
    const waiting = await settle(created.body.paymentId);
    await harness.sandbox(`/_sandbox/payment_intents/${paid.body.paymentIntent.id}/authenticate`, {
      body: { result: 'succeeded' },
    });
    const payment = await settle(created.body.paymentId);

    expect(waiting.status).toBe('requires_action');
    expect(payment.status).toBe('succeeded');
    expect(payment.history.map((entry) => entry.status)).toEqual(['pending', 'requires_action', 'succeeded']);
  });

  it('fails when 3-D Secure fails', async () => {
    const created = await harness.createPayment(paymentBody(merchantId));

    const paid = await harness.pay(created.body.checkoutSessionId, '4000002500003155');
    await settle(created.body.paymentId);
    await harness.sandbox(`/_sandbox/payment_intents/${paid.body.paymentIntent.id}/authenticate`, {
      body: { result: 'failed' },
    });
    const payment = await settle(created.body.paymentId);

    expect(payment.status).toBe('failed');
    expect(payment.lastError?.code).toBe('payment_intent_authentication_failure');
  });

  it('reports a generic decline', async () => {
    const created = await harness.createPayment(paymentBody(merchantId));

    await harness.pay(created.body.checkoutSessionId, '4000000000000002');
    const payment = await settle(created.body.paymentId);

    expect(payment.status).toBe('failed');
    expect(payment.lastError?.code).toBe('card_declined');
    expect(payment.lastError?.declineCode).toBe('generic_decline');
  });

  it('reports insufficient funds', async () => {
    const created = await harness.createPayment(paymentBody(merchantId));

    await harness.pay(created.body.checkoutSessionId, '4000000000009995');
    const payment = await settle(created.body.paymentId);

    expect(payment.status).toBe('failed');
    expect(payment.lastError?.code).toBe('card_declined');
    expect(payment.lastError?.declineCode).toBe('insufficient_funds');
  });

  it('succeeds on retry after a decline', async () => {
    const created = await harness.createPayment(paymentBody(merchantId));

    await harness.pay(created.body.checkoutSessionId, '4000000000000002');
    await settle(created.body.paymentId);
    await harness.pay(created.body.checkoutSessionId, '4242424242424242');
    const payment = await settle(created.body.paymentId);

    expect(payment.status).toBe('succeeded');
    expect(payment.lastError).toBeUndefined();
  });
});

describe('POST /payments', () => {
  const merchantId = 'shop-idempotency';

  beforeAll(async () => {
    await harness.installMerchant(merchantId);
  });

  it('returns the same payment for a key', async () => {
    const first = await harness.createPayment(paymentBody(merchantId), 'same-key-1');

    const second = await harness.createPayment(paymentBody(merchantId), 'same-key-1');

    expect(second.status).toBe(201);
    expect(second.body.paymentId).toBe(first.body.paymentId);
    expect(second.body.checkoutSessionId).toBe(first.body.checkoutSessionId);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
  });

  it('rejects a reused key with another body', async () => {
    await harness.createPayment(paymentBody(merchantId), 'same-key-2');

    const other = await harness.createPayment(paymentBody(merchantId, { amount: 9900 }), 'same-key-2');

    expect(other.status).toBe(409);
    expect(other.body).toEqual({ error: expect.objectContaining({ code: 'idempotency_key_reused' }) });
  });

  it('creates one payment under concurrent retries', async () => {
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => harness.createPayment(paymentBody(merchantId), 'same-key-3')),
    );

    const ids = new Set(replies.map((reply) => reply.body.paymentId));
    expect(replies.every((reply) => reply.status === 201)).toBe(true);
    expect(ids.size).toBe(1);
  });

  it.each([
    [{ amount: 10 }, 'amount_too_small'],
    [{ amount: 10.5 }, 'invalid_amount'],
    [{ currency: 'USD' }, 'invalid_currency'],
    [{ expiresInMinutes: 10 }, 'invalid_request'],
    [{ callbackUrl: 'http://example.com/hook' }, 'invalid_callback_url'],
    [{ unknownField: 1 }, 'invalid_request'],
    [{ merchantId: 'bad id!' }, 'invalid_merchant_id'],
  ])('rejects %j with %s', async (overrides, code) => {
    const reply = await harness.createPayment(paymentBody(merchantId, overrides));

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: expect.objectContaining({ code }) });
  });

  it('requires an Idempotency-Key header', async () => {
    const reply = await harness.api('/payments', { method: 'POST', body: paymentBody(merchantId) });

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: expect.objectContaining({ code: 'invalid_idempotency_key' }) });
  });

  it('rejects a merchant that is not installed', async () => {
    const reply = await harness.createPayment(paymentBody('nobody-here'));

    expect(reply.status).toBe(409);
    expect(reply.body).toEqual({ error: expect.objectContaining({ code: 'not_installed' }) });
  });

  it('answers 404 for an unknown payment', async () => {
    const reply = await harness.payment('pay_000000000000000000000000');

    expect(reply.status).toBe(404);
  });
});
