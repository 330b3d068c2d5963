import { verifyCallbackSignature } from '../../functions/core/callback';
import { CallbackReceiver } from '../helpers/callback-receiver';
import { StageHarness } from '../helpers/local-stage';

let harness: StageHarness;
let receiver: CallbackReceiver;
let secretKey: string;
const merchantId = 'callback-shop';

beforeAll(async () => {
  harness = await StageHarness.start();
  receiver = await CallbackReceiver.start();
  secretKey = (await harness.installMerchant(merchantId)).account.secretKey;
});

afterAll(async () => {
  await receiver?.stop();
  await harness?.stop();
});

beforeEach(() => {
  receiver.answer = () => 204;
});

async function newPayment(overrides: Record<string, unknown> = {}) {
  const created = await harness.createPayment({
    merchantId,
    amount: 1500,
    currency: 'usd',
    description: 'Callback order',
    reference: 'order-cb',
    callbackUrl: receiver.url,
    ...overrides,
  });
  return created.body;
}

async function settle() {
  await harness.flushDeliveries();
  await harness.stage.settleCallbacks();
}

/**
 * Waits up to five seconds for a payment's callbacks, because DynamoDB
 * Local can publish a stream record a moment after the write.
 */
async function callbacksOf(paymentId: string, expected: number) {
  const deadline = Date.now() + 5_000;
  while (receiver.forPayment(paymentId).length < expected && Date.now() < deadline) {
    await harness.stage.settleCallbacks();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return receiver.forPayment(paymentId);
}

describe('flow callbacks', () => {
  it('delivers one signed callback per change', async () => {
    const payment = await newPayment();

    await harness.pay(payment.checkoutSessionId, '4242424242424242');
    await settle();

    const callbacks = await callbacksOf(payment.paymentId, 1);
    expect(callbacks).toHaveLength(1);
    const [callback] = callbacks;
    expect(JSON.parse(callback!.body)).toEqual(
      expect.objectContaining({
        type: 'payment.status_changed',
        paymentId: payment.paymentId,
        status: 'succeeded',
        previousStatus: 'pending',
        reference: 'order-cb',
        merchantId,
        amount: 1500,
        currency: 'usd',
        occurredAt: expect.any(String),
      }),
    );
    expect(callback!.headers['idempotency-key']).toBe(`${payment.paymentId}:2`);
    const signature = String(callback!.headers['chat-payments-signature']);
    expect(
      verifyCallbackSignature(callback!.body, signature, harness.stage.callbackSigningSecret, Math.floor(Date.now() / 1000)),
    ).toBe(true);
    expect(verifyCallbackSignature(callback!.body, signature, 'wrong-secret', Math.floor(Date.now() / 1000))).toBe(false);
  });

  it('reports each step of 3-D Secure', async () => {
    const payment = await newPayment();

    const paid = await harness.pay(payment.checkoutSessionId, '4000002500003155');
    await settle();
    await harness.sandbox(`/_sandbox/payment_intents/${paid.body.paymentIntent.id}/authenticate`, {
      body: { result: 'succeeded' },
    });
    await settle();

    const statuses = (await callbacksOf(payment.paymentId, 2)).map((item) => JSON.parse(item.body).status);
    expect(statuses).toEqual(['requires_action', 'succeeded']);
  });

  it('carries the decline in lastError', async () => {
    const payment = await newPayment();

    await harness.pay(payment.checkoutSessionId, '4000000000009995');
    await settle();

    const [callback] = await callbacksOf(payment.paymentId, 1);
    expect(JSON.parse(callback!.body).lastError).toEqual(
      expect.objectContaining({ code: 'card_declined', declineCode: 'insufficient_funds' }),
    );
  });

  it('retries a receiver that is down', async () => {
    const payment = await newPayment();
    let failures = 0;
    receiver.answer = () => (++failures <= 2 ? 503 : 204);

    await harness.pay(payment.checkoutSessionId, '4242424242424242');
    await settle();

    const callbacks = await callbacksOf(payment.paymentId, 3);
    expect(callbacks.map((item) => item.answeredWith)).toEqual([503, 503, 204]);
    expect(new Set(callbacks.map((item) => item.headers['idempotency-key'])).size).toBe(1);
    expect(callbacks.map((item) => item.headers['chat-payments-attempt'])).toEqual(['1', '2', '3']);
  });

  it('dead-letters after the last retry', async () => {
    receiver.answer = () => 500;
    const payment = await newPayment();

    await harness.pay(payment.checkoutSessionId, '4242424242424242');
    await settle();
    const attempts = await callbacksOf(payment.paymentId, 4);
    await harness.stage.settleCallbacks();
    const deadLetters = await harness.api<{ data: { message: { idempotencyKey: string; attempts: number }; reason: string }[] }>(
      '/_local/dead-letters',
    );

    const mine = deadLetters.body.data.filter((item) => item.message.idempotencyKey === `${payment.paymentId}:2`);
    expect(attempts).toHaveLength(4);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.message.attempts).toBe(4);
    expect(mine[0]?.reason).toContain('HTTP 500');
  });
});

describe('notify after a crash', () => {
  it('sends again from the stream', async () => {
    const payment = await newPayment();
    const queue = harness.stage.callbackQueue;
    const retryLater = queue.retryLater.bind(queue);
    let crashes = 0;
    queue.retryLater = async (...args) => {
      crashes += 1;
      if (crashes === 1) throw new Error('queue unavailable');
      return retryLater(...args);
    };
    let answers = 0;
    receiver.answer = () => (++answers === 1 ? 503 : 204);

    try {
      await harness.pay(payment.checkoutSessionId, '4242424242424242');
      await harness.flushDeliveries();
      for (let poll = 0; poll < 20 && answers < 2; poll++) await harness.stage.settleCallbacks();
    } finally {
      queue.retryLater = retryLater;
    }

    const callbacks = receiver.forPayment(payment.paymentId);
    expect(crashes).toBe(1);
    expect(callbacks.map((item) => item.answeredWith)).toEqual([503, 204]);
  });
});

describe('reconcile', () => {
  const realNow = () => new Date();

  afterEach(async () => {
    harness.stage.services.now = realNow;
    await harness.sandbox('/_sandbox/delivery', { method: 'PUT', body: { mode: 'normal' } });
  });

  function moveClock(minutes: number) {
    harness.stage.services.now = () => new Date(Date.now() + minutes * 60_000);
  }

  it('repairs a payment whose webhook was dropped', async () => {
    await harness.sandbox('/_sandbox/delivery', { method: 'PUT', body: { mode: 'drop' } });
    const payment = await newPayment();
    await harness.pay(payment.checkoutSessionId, '4242424242424242');
    await settle();
    const before = (await harness.payment(payment.paymentId)).body;

    moveClock(11);
    const run = await harness.api('/_local/reconcile', { method: 'POST' });
    await settle();

    const after = (await harness.payment(payment.paymentId)).body;
    const install = await harness.api<{ webhook: { suspect?: { paymentId: string } } }>(`/merchants/${merchantId}/stripe`);
    expect(before.status).toBe('pending');
    expect(run.status).toBe(200);
    expect(after.status).toBe('succeeded');
    expect(after.history.at(-1)).toEqual(expect.objectContaining({ status: 'succeeded', source: 'reconcile' }));
    expect(install.body.webhook.suspect?.paymentId).toBe(payment.paymentId);
    expect(await callbacksOf(payment.paymentId, 1)).toHaveLength(1);
  });

  it('expires an unpaid session past its expiry', async () => {
    const payment = await newPayment({ expiresInMinutes: 30 });

    moveClock(31);
    await harness.api('/_local/reconcile', { method: 'POST' });
    await settle();

    const after = (await harness.payment(payment.paymentId)).body;
    const session = await harness.stripe(secretKey).checkout.sessions.retrieve(payment.checkoutSessionId);
    expect(after.status).toBe('expired');
    expect(session.status).toBe('expired');
    const [callback] = await callbacksOf(payment.paymentId, 1);
    expect(JSON.parse(callback?.body ?? '{}').status).toBe('expired');
  });

  it('leaves a young payment alone', async () => {
    const payment = await newPayment();

    await harness.api('/_local/reconcile', { method: 'POST' });

    const after = (await harness.payment(payment.paymentId)).body;
    expect(after.status).toBe('pending');
    expect(after.history).toHaveLength(1);
  });
});
