import Stripe from 'stripe';
import { Harness, rejectionOf, sessionParams, startHarness, TestAccount } from './helpers';

let harness: Harness;
let account: TestAccount;
let stripe: Stripe;

interface PayResult {
  checkoutSession: Stripe.Checkout.Session;
  paymentIntent: Stripe.PaymentIntent;
}

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.close();
});

beforeEach(async () => {
  await harness.control('POST', '/_sandbox/reset');
  account = await harness.createAccount();
  stripe = harness.client(account.secretKey);
});

async function pay(sessionId: string, card: string) {
  return harness.control<PayResult & { error?: { message: string } }>(
    'POST',
    `/_sandbox/checkout/sessions/${sessionId}/pay`,
    { card },
  );
}

async function eventTypes(): Promise<string[]> {
  const events = await stripe.events.list({ limit: 100 });
  return events.data.map((event) => event.type).reverse();
}

describe('test cards', () => {
  it('completes the session with 4242', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const paid = await pay(session.id, '4242 4242 4242 4242');
    expect(paid.status).toBe(200);
    const { paymentIntent, checkoutSession } = paid.body;
    expect(paymentIntent.id).toMatch(/^pi_/);
    expect(paymentIntent.status).toBe('succeeded');
    expect(paymentIntent.amount).toBe(2500);
    expect(paymentIntent.amount_received).toBe(2500);
    expect(paymentIntent.currency).toBe('usd');
    expect(paymentIntent.latest_charge).toMatch(/^ch_/);
    expect(paymentIntent.metadata.jelou_payment_id).toBe('pay_1');
    expect(checkoutSession.status).toBe('complete');
    expect(checkoutSession.payment_status).toBe('paid');
    expect(checkoutSession.payment_intent).toBe(paymentIntent.id);
    expect(checkoutSession.url).toBeNull();
    expect(await eventTypes()).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);
    const retrieved = await stripe.paymentIntents.retrieve(paymentIntent.id, {
      expand: ['latest_charge'],
    });
    expect((retrieved.latest_charge as Stripe.Charge).status).toBe('succeeded');
    expect((retrieved.latest_charge as Stripe.Charge).payment_method_details?.card?.last4).toBe(
      '4242',
    );
  });

  it('declines the generic decline card', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const paid = await pay(session.id, '4000000000000002');
    const { paymentIntent, checkoutSession } = paid.body;
    expect(paymentIntent.status).toBe('requires_payment_method');
    expect(paymentIntent.last_payment_error?.type).toBe('card_error');
    expect(paymentIntent.last_payment_error?.code).toBe('card_declined');
    expect(paymentIntent.last_payment_error?.decline_code).toBe('generic_decline');
    expect(paymentIntent.last_payment_error?.message).toBe('Your card was declined.');
    expect(checkoutSession.status).toBe('open');
    expect(checkoutSession.payment_status).toBe('unpaid');
    expect(await eventTypes()).toEqual([
      'payment_intent.created',
      'charge.failed',
      'payment_intent.payment_failed',
    ]);
  });

  it('declines for insufficient funds', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const { paymentIntent } = (await pay(session.id, '4000 0000 0000 9995')).body;
    expect(paymentIntent.status).toBe('requires_payment_method');
    expect(paymentIntent.last_payment_error?.code).toBe('card_declined');
    expect(paymentIntent.last_payment_error?.decline_code).toBe('insufficient_funds');
    const failed = await stripe.events.list({ type: 'payment_intent.payment_failed' });
    const object = failed.data[0].data.object as Stripe.PaymentIntent;
    expect(object.last_payment_error?.decline_code).toBe('insufficient_funds');
  });

  it('retries on the same payment intent', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const declined = (await pay(session.id, '4000000000000002')).body.paymentIntent;
    const succeeded = (await pay(session.id, '4242424242424242')).body.paymentIntent;
    expect(succeeded.id).toBe(declined.id);
    expect(succeeded.status).toBe('succeeded');
    expect(succeeded.last_payment_error).toBeNull();
    const created = await stripe.events.list({ type: 'payment_intent.created' });
    expect(created.data).toHaveLength(1);
  });

  it('rejects an unknown card', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const response = await pay(session.id, '4111111111111111');
    expect(response.status).toBe(400);
    expect(response.body.error?.message).toContain('ending in 1111');
  });

  it('rejects paying a completed session', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    await pay(session.id, '4242424242424242');
    const again = await pay(session.id, '4242424242424242');
    expect(again.status).toBe(400);
    expect(again.body.error?.message).toContain('already complete');
  });
});

describe('3-D Secure', () => {
  async function startAuthentication(): Promise<Stripe.PaymentIntent> {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const { paymentIntent } = (await pay(session.id, '4000002500003155')).body;
    expect(paymentIntent.status).toBe('requires_action');
    expect(paymentIntent.next_action?.type).toBe('use_stripe_sdk');
    return paymentIntent;
  }

  it('succeeds after authentication', async () => {
    const intent = await startAuthentication();
    const response = await harness.control<PayResult>(
      'POST',
      `/_sandbox/payment_intents/${intent.id}/authenticate`,
      {
        result: 'succeeded',
      },
    );
    expect(response.status).toBe(200);
    expect(response.body.paymentIntent.status).toBe('succeeded');
    expect(response.body.paymentIntent.next_action).toBeNull();
    expect(response.body.checkoutSession.status).toBe('complete');
    expect(await eventTypes()).toEqual([
      'payment_intent.created',
      'payment_intent.requires_action',
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);
  });

  it('fails after failed authentication', async () => {
    const intent = await startAuthentication();
    const response = await harness.control<PayResult>(
      'POST',
      `/_sandbox/payment_intents/${intent.id}/authenticate`,
      {
        result: 'failed',
      },
    );
    const failed = response.body.paymentIntent;
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_payment_error?.code).toBe('payment_intent_authentication_failure');
    expect(response.body.checkoutSession.status).toBe('open');
    expect(await eventTypes()).toEqual([
      'payment_intent.created',
      'payment_intent.requires_action',
      'payment_intent.payment_failed',
    ]);
    const again = await harness.control(
      'POST',
      `/_sandbox/payment_intents/${intent.id}/authenticate`,
      {
        result: 'succeeded',
      },
    );
    expect(again.status).toBe(400);
  });
});

describe('session expiry', () => {
  it('expires through the API route', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired.status).toBe('expired');
    expect(expired.url).toBeNull();
    expect(await eventTypes()).toEqual(['checkout.session.expired']);
    const error = await rejectionOf(stripe.checkout.sessions.expire(session.id));
    expect(error.statusCode).toBe(400);
    const payment = await pay(session.id, '4242424242424242');
    expect(payment.status).toBe(400);
    expect(payment.body.error?.message).toContain('can no longer be paid');
  });

  it('expires through the control route', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    await pay(session.id, '4000000000000002');
    const response = await harness.control<Stripe.Checkout.Session>(
      'POST',
      `/_sandbox/checkout/sessions/${session.id}/expire`,
    );
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('expired');
    const intent = await stripe.paymentIntents.retrieve(response.body.payment_intent as string);
    expect(intent.status).toBe('canceled');
    expect(intent.cancellation_reason).toBe('abandoned');
    const types = await eventTypes();
    expect(types.slice(-2)).toEqual(['payment_intent.canceled', 'checkout.session.expired']);
  });

  it('expires when the clock passes', async () => {
    const now = (await harness.control<{ now: number }>('GET', '/_sandbox/clock')).body.now;
    const short = await stripe.checkout.sessions.create(
      sessionParams({ expires_at: now + 31 * 60 }),
    );
    const long = await stripe.checkout.sessions.create(
      sessionParams({ expires_at: now + 3 * 3600 }),
    );
    const advanced = await harness.control<{ now: number; expiredSessions: string[] }>(
      'POST',
      '/_sandbox/clock/advance',
      { seconds: 3600 },
    );
    expect(advanced.body.expiredSessions).toEqual([short.id]);
    expect(advanced.body.now).toBeGreaterThanOrEqual(now + 3600);
    expect((await stripe.checkout.sessions.retrieve(short.id)).status).toBe('expired');
    expect((await stripe.checkout.sessions.retrieve(long.id)).status).toBe('open');
    const expiredEvents = await stripe.events.list({ type: 'checkout.session.expired' });
    expect(expiredEvents.data).toHaveLength(1);
    expect(expiredEvents.data[0].request?.id).toBeNull();
    expect(expiredEvents.data[0].created).toBeGreaterThanOrEqual(now + 3600);
  });
});

describe('events API', () => {
  it('returns events in Stripe shape', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    await pay(session.id, '4242424242424242');
    const list = await stripe.events.list({ type: 'payment_intent.*' });
    expect(list.data.map((event) => event.type)).toEqual([
      'payment_intent.succeeded',
      'payment_intent.created',
    ]);
    const event = await stripe.events.retrieve(list.data[0].id);
    expect(event.id).toMatch(/^evt_/);
    expect(event.object).toBe('event');
    expect(event.api_version).toBe('2026-11-18.endive');
    expect(event.livemode).toBe(false);
    expect(event.pending_webhooks).toBe(0);
    expect(event.request?.id).toMatch(/^req_/);
    expect((event.data.object as Stripe.PaymentIntent).status).toBe('succeeded');
  });

  it('keeps snapshots of each state', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    await pay(session.id, '4000000000000002');
    await pay(session.id, '4242424242424242');
    const created = (await stripe.events.list({ type: 'payment_intent.created' })).data[0];
    expect((created.data.object as Stripe.PaymentIntent).status).toBe('requires_payment_method');
    expect((created.data.object as Stripe.PaymentIntent).last_payment_error).toBeNull();
  });

  it('returns 404 for unknown events', async () => {
    const error = await rejectionOf(stripe.events.retrieve('evt_1Unknown'));
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('resource_missing');
    expect(error.raw.message).toBe("No such event: 'evt_1Unknown'");
  });

  it('paginates with starting_after', async () => {
    for (let i = 0; i < 3; i += 1) {
      const session = await stripe.checkout.sessions.create(sessionParams());
      await pay(session.id, '4242424242424242');
    }
    const firstPage = await stripe.events.list({ limit: 5 });
    expect(firstPage.data).toHaveLength(5);
    expect(firstPage.has_more).toBe(true);
    const ids: string[] = [];
    for await (const event of stripe.events.list({ limit: 5 })) {
      ids.push(event.id);
    }
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
  });

  it('filters by created time', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    await pay(session.id, '4000000000000002');
    await harness.control('POST', '/_sandbox/clock/advance', { seconds: 600 });
    const now = (await harness.control<{ now: number }>('GET', '/_sandbox/clock')).body.now;
    await pay(session.id, '4242424242424242');
    const recent = await stripe.events.list({ created: { gte: now } });
    expect(recent.data.map((event) => event.type).sort()).toEqual([
      'charge.succeeded',
      'checkout.session.completed',
      'payment_intent.succeeded',
    ]);
  });
});
