import Stripe from 'stripe';

import {
  type Harness,
  rejectionOf,
  sessionParams,
  startHarness,
  startReceiver,
  type TestAccount,
  type WebhookReceiver,
} from '../sandbox/helpers';

let harness: Harness;
let receiver: WebhookReceiver;
let account: TestAccount;

beforeAll(async () => {
  harness = await startHarness();
  receiver = await startReceiver();
  account = await harness.createAccount();
});

afterAll(async () => {
  await receiver.close();
  await harness.close();
});

async function restrictedKey(permissions: Record<string, string>): Promise<string> {
  const reply = await harness.control<{ restrictedKey: string }>(
    'POST',
    `/_sandbox/accounts/${account.accountId}/restricted_keys`,
    { permissions },
  );
  return reply.body.restrictedKey;
}

async function paySession(stripe: Stripe): Promise<string> {
  const session = await stripe.checkout.sessions.create(sessionParams());
  const paid = await harness.control<{ paymentIntent: { id: string } }>(
    'POST',
    `/_sandbox/checkout/sessions/${session.id}/pay`,
    { card: '4242424242424242' },
  );
  await harness.control('POST', '/_sandbox/deliveries/flush');
  return paid.body.paymentIntent.id;
}

describe('sandbox PaymentIntents list', () => {
  it('lists newest first', async () => {
    const stripe = harness.client(account.secretKey);
    const first = await paySession(stripe);
    const second = await paySession(stripe);

    const list = await stripe.paymentIntents.list({ limit: 2 });

    expect(list.object).toBe('list');
    expect(list.data.map((intent) => intent.id)).toEqual([second, first]);
  });

  it('needs the read permission', async () => {
    const key = await restrictedKey({ events: 'read' });

    const error = await rejectionOf(harness.client(key).paymentIntents.list({ limit: 1 }));

    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(error.raw.type).toBe('invalid_request_error');
    expect(error.raw.message).toContain(
      "Having the 'rak_payment_intent_read' permission would allow this request to continue.",
    );
  });

  it('hides the other mode', async () => {
    const live = await harness.control<{ secretKey: string }>(
      'POST',
      `/_sandbox/accounts/${account.accountId}/keys`,
      { mode: 'live' },
    );

    const list = await harness.client(live.body.secretKey).paymentIntents.list();

    expect(list.data).toEqual([]);
  });
});

describe('sandbox permission probes', () => {
  it('checks permission before parameters', async () => {
    const readOnly = await restrictedKey({ checkout_sessions: 'read' });
    const writer = await restrictedKey({ checkout_sessions: 'write' });
    const empty = {} as Stripe.Checkout.SessionCreateParams;

    const forbidden = await rejectionOf(harness.client(readOnly).checkout.sessions.create(empty));
    const invalid = await rejectionOf(harness.client(writer).checkout.sessions.create(empty));

    expect(forbidden.statusCode).toBe(403);
    expect(invalid.statusCode).toBe(400);
  });
});

describe('sandbox endpoint states', () => {
  it('delivers again once enabled', async () => {
    const stripe = harness.client(account.secretKey);
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['payment_intent.succeeded'],
    });
    await stripe.webhookEndpoints.update(endpoint.id, { disabled: true });
    await paySession(stripe);
    const whileDisabled = receiver.requests.length;

    const enabled = await stripe.webhookEndpoints.update(endpoint.id, { disabled: false });
    await paySession(stripe);

    expect(whileDisabled).toBe(0);
    expect(enabled.status).toBe('enabled');
    expect(receiver.requests).toHaveLength(1);
  });
});
