import Stripe from 'stripe';
import { Harness, rejectionOf, sessionParams, startHarness, TestAccount } from './helpers';

let harness: Harness;
let account: TestAccount;
let stripe: Stripe;

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

async function clockNow(): Promise<number> {
  return (await harness.control<{ now: number }>('GET', '/_sandbox/clock')).body.now;
}

describe('session create', () => {
  it('returns an open checkout session', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const now = await clockNow();
    expect(session.id).toMatch(/^cs_test_[A-Za-z0-9]+$/);
    expect(session.object).toBe('checkout.session');
    expect(session.status).toBe('open');
    expect(session.payment_status).toBe('unpaid');
    expect(session.payment_intent).toBeNull();
    expect(session.amount_total).toBe(2500);
    expect(session.currency).toBe('usd');
    expect(session.livemode).toBe(false);
    expect(session.mode).toBe('payment');
    expect(session.client_reference_id).toBe('pay_1');
    expect(session.metadata).toEqual({
      jelou_payment_id: 'pay_1',
      jelou_merchant_id: 'merchant_1',
    });
    expect(session.url).toBe(`${harness.sandbox.url}/c/pay/${session.id}`);
    expect(session.expires_at).toBeGreaterThanOrEqual(now + 24 * 3600 - 2);
    expect(session.created).toBeLessThanOrEqual(now);
  });

  it('serves the hosted payment page', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const response = await fetch(session.url as string);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(html).toContain('$25.00');
    expect(html).toContain(`action="/_sandbox/checkout/sessions/${session.id}/pay"`);
  });

  it('pays through the hosted form', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const response = await fetch(
      `${harness.sandbox.url}/_sandbox/checkout/sessions/${session.id}/pay`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'card=4242+4242+4242+4242&email=buyer%40example.com',
        redirect: 'manual',
      },
    );
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(session.success_url);
    const paid = await stripe.checkout.sessions.retrieve(session.id);
    expect(paid.status).toBe('complete');
    expect(paid.customer_details?.email).toBe('buyer@example.com');
  });

  it('walks the hosted 3-D Secure pages', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const declined = await fetch(
      `${harness.sandbox.url}/_sandbox/checkout/sessions/${session.id}/pay`,
      {
        method: 'POST',
        headers: form,
        body: 'card=4000000000000002',
        redirect: 'manual',
      },
    );
    expect(declined.status).toBe(303);
    const declinedPage = await fetch(`${harness.sandbox.url}${declined.headers.get('location')}`);
    expect(await declinedPage.text()).toContain('Your card was declined.');

    const challenged = await fetch(
      `${harness.sandbox.url}/_sandbox/checkout/sessions/${session.id}/pay`,
      {
        method: 'POST',
        headers: form,
        body: 'card=4000+0025+0000+3155',
        redirect: 'manual',
      },
    );
    const challengePath = challenged.headers.get('location') as string;
    expect(challengePath).toMatch(/^\/c\/authenticate\/pi_/);
    const challengePage = await (await fetch(`${harness.sandbox.url}${challengePath}`)).text();
    expect(challengePage).toContain('name="result" value="succeeded"');

    const intentId = challengePath.split('/').pop() as string;
    const approved = await fetch(
      `${harness.sandbox.url}/_sandbox/payment_intents/${intentId}/authenticate`,
      {
        method: 'POST',
        headers: form,
        body: 'result=succeeded',
        redirect: 'manual',
      },
    );
    expect(approved.status).toBe(303);
    expect(approved.headers.get('location')).toBe(session.success_url);
    expect((await stripe.paymentIntents.retrieve(intentId)).status).toBe('succeeded');
  });

  it('expands payment intent and line items', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    await harness.control('POST', `/_sandbox/checkout/sessions/${session.id}/pay`, {
      card: '4242424242424242',
    });
    const expanded = await stripe.checkout.sessions.retrieve(session.id, {
      expand: ['payment_intent', 'line_items'],
    });
    const intent = expanded.payment_intent as Stripe.PaymentIntent;
    expect(intent.object).toBe('payment_intent');
    expect(intent.metadata).toEqual({ jelou_payment_id: 'pay_1', jelou_merchant_id: 'merchant_1' });
    expect(intent.description).toBe('Order 42');
    expect(expanded.line_items?.data[0].quantity).toBe(2);
    expect(expanded.line_items?.data[0].description).toBe('Green tea');
    const error = await rejectionOf(
      stripe.checkout.sessions.retrieve(session.id, { expand: ['customer'] }),
    );
    expect(error.raw.message).toBe('This property cannot be expanded (customer).');
  });

  it('lists sessions by payment intent', async () => {
    const first = await stripe.checkout.sessions.create(sessionParams());
    await stripe.checkout.sessions.create(sessionParams());
    const paid = await harness.control('POST', `/_sandbox/checkout/sessions/${first.id}/pay`, {
      card: '4242424242424242',
    });
    const intentId = paid.body.paymentIntent.id as string;
    const all = await stripe.checkout.sessions.list();
    expect(all.data).toHaveLength(2);
    const filtered = await stripe.checkout.sessions.list({ payment_intent: intentId });
    expect(filtered.data.map((session) => session.id)).toEqual([first.id]);
    expect(filtered.url).toBe('/v1/checkout/sessions');
  });
});

describe('session validation', () => {
  it('rejects payment_method_types as unknown', async () => {
    const params = {
      ...sessionParams(),
      payment_method_types: ['card'],
    } as Stripe.Checkout.SessionCreateParams;
    const error = await rejectionOf(stripe.checkout.sessions.create(params));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.code).toBe('parameter_unknown');
    expect(error.param).toBe('payment_method_types');
  });

  it('rejects amounts below the minimum', async () => {
    const cases = [
      { currency: 'usd', unit_amount: 49, message: '$0.50 usd' },
      { currency: 'gbp', unit_amount: 29, message: '£0.30 gbp' },
      { currency: 'mxn', unit_amount: 999, message: '$10.00 mxn' },
      { currency: 'jpy', unit_amount: 49, message: '¥50 jpy' },
    ];
    for (const { currency, unit_amount, message } of cases) {
      const params = sessionParams({
        line_items: [
          { price_data: { currency, unit_amount, product_data: { name: 'Tea' } }, quantity: 1 },
        ],
      });
      const error = await rejectionOf(stripe.checkout.sessions.create(params));
      expect(error.statusCode).toBe(400);
      expect(error.code).toBe('amount_too_small');
      expect(error.param).toBe('line_items');
      expect(error.raw.message).toContain(message);
    }
    const atMinimum = sessionParams({
      line_items: [
        {
          price_data: { currency: 'gbp', unit_amount: 30, product_data: { name: 'Tea' } },
          quantity: 1,
        },
      ],
    });
    expect((await stripe.checkout.sessions.create(atMinimum)).amount_total).toBe(30);
  });

  it('rejects expires_at out of range', async () => {
    const now = await clockNow();
    for (const expiresAt of [now + 29 * 60, now + 24 * 3600 + 60]) {
      const error = await rejectionOf(
        stripe.checkout.sessions.create(sessionParams({ expires_at: expiresAt })),
      );
      expect(error.statusCode).toBe(400);
      expect(error.param).toBe('expires_at');
    }
    const valid = await stripe.checkout.sessions.create(
      sessionParams({ expires_at: now + 31 * 60 }),
    );
    expect(valid.expires_at).toBe(now + 31 * 60);
  });

  it('rejects uppercase and unknown currencies', async () => {
    for (const currency of ['USD', 'xyz']) {
      const params = sessionParams({
        line_items: [
          {
            price_data: { currency, unit_amount: 500, product_data: { name: 'Tea' } },
            quantity: 1,
          },
        ],
      });
      const error = await rejectionOf(stripe.checkout.sessions.create(params));
      expect(error.statusCode).toBe(400);
      expect(error.param).toBe('line_items[0][price_data][currency]');
      expect(error.raw.message).toMatch(/^Invalid currency: /);
    }
  });

  it('reports missing and unknown nested params', async () => {
    const missing = await rejectionOf(
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [
          { price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Tea' } } },
        ],
      }),
    );
    expect(missing.code).toBe('parameter_missing');
    expect(missing.param).toBe('line_items[0][quantity]');
    const unknown = await rejectionOf(
      stripe.checkout.sessions.create(
        sessionParams({ payment_intent_data: { metadata: {}, setup_future_usage: 'off_session' } }),
      ),
    );
    expect(unknown.code).toBe('parameter_unknown');
    expect(unknown.param).toBe('payment_intent_data[setup_future_usage]');
    const noMode = await rejectionOf(
      stripe.checkout.sessions.create({ ...sessionParams(), mode: undefined }),
    );
    expect(noMode.code).toBe('parameter_missing');
    expect(noMode.param).toBe('mode');
  });
});

describe('idempotency', () => {
  it('replays the same response', async () => {
    const first = await stripe.checkout.sessions.create(sessionParams(), {
      idempotencyKey: 'create-pay_1',
    });
    const second = await stripe.checkout.sessions.create(sessionParams(), {
      idempotencyKey: 'create-pay_1',
    });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    const all = await stripe.checkout.sessions.list();
    expect(all.data).toHaveLength(1);
  });

  it('rejects reuse with other params', async () => {
    await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'create-pay_2' });
    const error = await rejectionOf(
      stripe.checkout.sessions.create(sessionParams({ client_reference_id: 'pay_other' }), {
        idempotencyKey: 'create-pay_2',
      }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.statusCode).toBe(400);
    expect(error.raw.type).toBe('idempotency_error');
    expect(error.raw.message).toContain("Try using a key other than 'create-pay_2'");
  });

  it('does not save validation errors', async () => {
    const bad = sessionParams({
      line_items: [
        {
          price_data: { currency: 'usd', unit_amount: 1, product_data: { name: 'Tea' } },
          quantity: 1,
        },
      ],
    });
    await rejectionOf(stripe.checkout.sessions.create(bad, { idempotencyKey: 'create-pay_3' }));
    const session = await stripe.checkout.sessions.create(sessionParams(), {
      idempotencyKey: 'create-pay_3',
    });
    expect(session.status).toBe('open');
  });

  it('scopes keys to the account', async () => {
    const other = harness.client((await harness.createAccount()).secretKey);
    const first = await stripe.checkout.sessions.create(sessionParams(), {
      idempotencyKey: 'shared-key',
    });
    const second = await other.checkout.sessions.create(sessionParams(), {
      idempotencyKey: 'shared-key',
    });
    expect(second.id).not.toBe(first.id);
  });
});
