import {
  createEndpoint,
  describeMerchant,
  FULL_PERMISSIONS,
  install,
  type InstallView,
  PAYMENT_EVENTS,
  paymentBody,
  restrictedKey,
  secretsIn,
  standardKeys,
} from '../helpers/onboarding';
import { StageHarness } from '../helpers/local-stage';

let harness: StageHarness;

beforeAll(async () => {
  harness = await StageHarness.start();
});

afterAll(async () => {
  await harness?.stop();
});

const DAY_MS = 86_400_000;

describe('GET /merchants/{id}/stripe', () => {
  it('shows the last accepted event', async () => {
    const installedAt = new Date().toISOString();
    await harness.installMerchant('event-shop');
    const created = await harness.createPayment(paymentBody('event-shop'));
    await harness.pay(created.body.checkoutSessionId, '4242424242424242');
    await harness.flushDeliveries();

    const reply = await describeMerchant(harness, 'event-shop');

    expect(reply.body.lastEventAt).toEqual(expect.any(String));
    expect(reply.body.lastEventAt! >= installedAt).toBe(true);
  });

  describe('after rejected deliveries', () => {
    let view: InstallView;

    beforeAll(async () => {
      const account = await harness.createAccount();
      // The merchant made the endpoint by hand and pasted the signing
      // secret of some other endpoint.
      await createEndpoint(harness, account.secretKey, harness.webhookUrl);
      await install(harness, 'rejecting-shop', {
        apiKey: account.secretKey,
        webhookSecret: 'whsec_ofAnotherEndpoint',
      });
      const signed = await harness.createPayment(paymentBody('rejecting-shop', 'signed'));
      await harness.pay(signed.body.checkoutSessionId, '4242424242424242');

      // A live-mode endpoint of the same account points to the test URL.
      const live = await standardKeys(harness, account.accountId, 'live');
      await createEndpoint(harness, live.secretKey, `${harness.webhookUrl}&merchant=rejecting-shop`);
      const liveSession = await harness.stripe(live.secretKey).checkout.sessions.create({
        mode: 'payment',
        line_items: [
          {
            quantity: 1,
            price_data: { currency: 'usd', unit_amount: 700, product_data: { name: 'Tea' } },
          },
        ],
        success_url: 'https://shop.example.com/done',
      });
      await harness.pay(liveSession.id, '4242424242424242');
      await harness.flushDeliveries();

      // Installed again without a secret, deliveries are checked by
      // retrieval, and an event Stripe does not have is rejected.
      await install(harness, 'rejecting-shop', { apiKey: account.secretKey });
      const payment = await harness.payment(signed.body.paymentId);
      await harness.api('/link-webhook?provider=STRIPE', {
        raw: JSON.stringify({
          id: 'evt_1NotInThisAccount000000',
          object: 'event',
          type: 'payment_intent.succeeded',
          livemode: false,
          created: Math.floor(Date.now() / 1000),
          data: {
            object: {
              id: payment.body.paymentIntentId,
              object: 'payment_intent',
              amount: 1500,
              currency: 'usd',
              status: 'succeeded',
              metadata: { jelou_payment_id: signed.body.paymentId },
            },
          },
        }),
      });

      view = (await describeMerchant(harness, 'rejecting-shop')).body;
    });

    it('counts rejections by reason', () => {
      expect(view.rejectedDeliveries).toEqual({
        invalid_signature: 1,
        mode_mismatch: 1,
        unknown_event: 1,
      });
    });

    it('explains each rejection reason', () => {
      const byReason = Object.fromEntries(
        (view.deliveryProblems ?? []).map((problem) => [problem.reason, problem.message]),
      );

      expect(byReason.invalid_signature).toContain('Signing secret');
      expect(byReason.mode_mismatch).toContain(
        'https://chat-payments.jelou.ai/link-webhook?provider=STRIPE',
      );
      expect(byReason.unknown_event).toContain('another Stripe account');
    });
  });

  it('excludes rejections older than seven days', async () => {
    await harness.installMerchant('old-rejections');
    const now = Date.now();
    const store = harness.stage.services.installations;
    await store.recordRejection('old-rejections', 'invalid_signature', new Date(now - 7 * DAY_MS));
    await store.recordRejection('old-rejections', 'invalid_signature', new Date(now - 6 * DAY_MS));
    await store.recordRejection('old-rejections', 'mode_mismatch', new Date(now - 30 * DAY_MS));

    const reply = await describeMerchant(harness, 'old-rejections');

    expect(reply.body.rejectedDeliveries).toEqual({ invalid_signature: 1 });
  });
});

describe('install and describe responses', () => {
  it('carry no secret', async () => {
    const account = await harness.createAccount();
    const rk = await restrictedKey(harness, account.accountId, FULL_PERMISSIONS);
    const weak = await restrictedKey(harness, account.accountId, { events: 'read' });
    const secret = 'whsec_givenByTheMerchant123';
    await createEndpoint(harness, account.secretKey, harness.webhookUrl, PAYMENT_EVENTS);

    const replies = [
      await install(harness, 'quiet-shop', { apiKey: account.secretKey, webhookSecret: secret }),
      await describeMerchant(harness, 'quiet-shop'),
      await install(harness, 'quiet-shop', { apiKey: rk, configureWebhook: true }),
      await describeMerchant(harness, 'quiet-shop'),
      await install(harness, 'quiet-shop', { apiKey: weak }),
      await install(harness, 'quiet-shop', { apiKey: account.publishableKey }),
      await install(harness, 'quiet-shop', { apiKey: ` ${secret}` }),
    ];

    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 200, 400, 400, 400]);
    expect(replies.flatMap((reply) => secretsIn(reply.body))).toEqual([]);
  });
});
