import Stripe from 'stripe';

import { aimAtPayment, fixtureCases, fixturesAvailable, readFixtureEvent } from '../helpers/fixtures';
import { StageHarness } from '../helpers/local-stage';

const WEBHOOK_SECRET = 'whsec_fixtureSecretForTests0123456789';
const cases = fixtureCases();
const describeFixtures = fixturesAvailable && cases.length > 0 ? describe : describe.skip;

let harness: StageHarness;
let eventCounter = 0;
let retrievalAccountId: string;

beforeAll(async () => {
  if (!fixturesAvailable) return;
  harness = await StageHarness.start();
  await harness.installMerchant('fixture-shop', { webhookSecret: WEBHOOK_SECRET });
  const { account } = await harness.installMerchant('fixture-retrieval', {});
  retrievalAccountId = account.accountId;
});

afterAll(async () => {
  await harness?.stop();
});

async function newPayment(merchantId = 'fixture-shop') {
  const created = await harness.createPayment({
    merchantId,
    amount: 1999,
    currency: 'eur',
    description: 'Fixture order',
    reference: 'fixture',
  });
  return { paymentId: created.body.paymentId, merchantId, amount: 1999, currency: 'eur' };
}

function signedDelivery(payload: string) {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
}

describeFixtures('Stripe fixtures signed by the merchant', () => {
  it.each(cases.map((fixture) => [fixture.file, fixture] as const))('handles %s', async (_file, fixture) => {
    const payment = await newPayment();
    eventCounter += 1;
    const event = aimAtPayment(readFixtureEvent(fixture.file), payment, {
      eventId: `evt_fixture_${eventCounter}`,
      created: Math.floor(Date.now() / 1000),
    });
    const payload = JSON.stringify(event);

    const reply = await harness.api('/link-webhook?provider=STRIPE', {
      method: 'POST',
      raw: payload,
      headers: { 'stripe-signature': signedDelivery(payload) },
    });
    const stored = (await harness.payment(payment.paymentId)).body;

    expect(reply.status).toBe(200);
    if (fixture.ignored) {
      expect(reply.body).toHaveProperty('ignored');
      expect(stored.status).toBe('pending');
      return;
    }
    expect(reply.body).toEqual(expect.objectContaining({ received: true, status: fixture.expectedStatus }));
    expect(stored.status).toBe(fixture.expectedStatus);
    if (fixture.expectedErrorCode) {
      expect(stored.lastError?.code).toBe(fixture.expectedErrorCode);
    }
  });

  it('keeps succeeded after late older redeliveries', async () => {
    const payment = await newPayment();
    const base = Math.floor(Date.now() / 1000);
    const deliveries = [
      ['lago-payment_intent.succeeded-1.json', base + 3600],
      ['phplog-payment_intent.payment_failed-1.json', base + 10],
      ['phplog-payment_intent.requires_action-1.json', base],
    ] as const;

    for (const [file, created] of deliveries) {
      eventCounter += 1;
      const payload = JSON.stringify(
        aimAtPayment(readFixtureEvent(file), payment, {
          eventId: `evt_fixture_${eventCounter}`,
          created,
          paymentIntentId: 'pi_fixture_late_redelivery',
        }),
      );
      await harness.api('/link-webhook?provider=STRIPE', {
        method: 'POST',
        raw: payload,
        headers: { 'stripe-signature': signedDelivery(payload) },
      });
    }
    const stored = (await harness.payment(payment.paymentId)).body;

    expect(stored.status).toBe('succeeded');
    expect(stored.history.map((entry) => entry.status)).toEqual(['pending', 'succeeded']);
  });
});

describeFixtures('Stripe fixtures verified by retrieval', () => {
  it.each(cases.map((fixture) => [fixture.file, fixture] as const))('handles %s', async (_file, fixture) => {
    const payment = await newPayment('fixture-retrieval');
    eventCounter += 1;
    const event = aimAtPayment(readFixtureEvent(fixture.file), payment, {
      eventId: `evt_fixture_${eventCounter}`,
      created: Math.floor(Date.now() / 1000),
    });
    await harness.sandbox(`/_sandbox/accounts/${retrievalAccountId}/events`, { body: { event } });

    const reply = await harness.api('/link-webhook?provider=STRIPE', {
      method: 'POST',
      raw: JSON.stringify(event),
    });
    const stored = (await harness.payment(payment.paymentId)).body;

    expect(reply.status).toBe(200);
    if (fixture.ignored) {
      expect(reply.body).toHaveProperty('ignored');
      expect(stored.status).toBe('pending');
      return;
    }
    expect(stored.status).toBe(fixture.expectedStatus);
    if (fixture.expectedErrorCode) {
      expect(stored.lastError?.code).toBe(fixture.expectedErrorCode);
    }
  });

  it('rejects an event Stripe does not know', async () => {
    const payment = await newPayment('fixture-retrieval');
    const event = aimAtPayment(readFixtureEvent('lago-payment_intent.succeeded-2.json'), payment, {
      eventId: 'evt_fixture_never_stored',
      created: Math.floor(Date.now() / 1000),
    });

    const reply = await harness.api('/link-webhook?provider=STRIPE', {
      method: 'POST',
      raw: JSON.stringify(event),
    });

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: expect.objectContaining({ code: 'unknown_event' }) });
    expect((await harness.payment(payment.paymentId)).body.status).toBe('pending');
  });
});
