import {
  createEndpoint,
  describeMerchant,
  install,
  paymentBody,
  standardKeys,
} from '../helpers/onboarding';
import { StageHarness } from '../helpers/local-stage';

let harness: StageHarness;

beforeAll(async () => {
  harness = await StageHarness.start({ stage: 'live' });
});

afterAll(async () => {
  await harness?.stop();
});

describe('live stage onboarding', () => {
  it('names the environment for test keys', async () => {
    const account = await harness.createAccount('test');

    const reply = await install(harness, 'test-key-shop', { apiKey: account.secretKey });

    expect(reply.status).toBe(400);
    expect(reply.body.error?.code).toBe('mode_mismatch');
    expect(reply.body.error?.message).toContain(
      'Install this key in the Test (chat-payments.jelou.dev) environment',
    );
  });

  it('reports the test environment URL', async () => {
    const account = await harness.createAccount('live');
    await createEndpoint(
      harness,
      account.secretKey,
      'https://chat-payments.jelou.dev/link-webhook?provider=STRIPE',
    );

    const reply = await install(harness, 'dev-url-shop', { apiKey: account.secretKey });

    expect(reply.body.webhook.status).toBe('wrong_url');
    expect(reply.body.webhook.problems[0]?.code).toBe('other_environment');
    expect(reply.body.webhook.problems[0]?.message).toContain('Test (chat-payments.jelou.dev)');
    expect(reply.body.webhook.problems[0]?.message).toContain('in live mode');
  });

  it('takes live payments end to end', async () => {
    const account = await harness.createAccount('live');
    await install(harness, 'live-shop', { apiKey: account.secretKey, configureWebhook: true });
    const created = await harness.createPayment(paymentBody('live-shop'));

    await harness.pay(created.body.checkoutSessionId, '4242424242424242');
    await harness.flushDeliveries();
    const payment = await harness.payment(created.body.paymentId);

    expect(created.body.checkoutSessionId).toMatch(/^cs_live_/);
    expect(payment.body.status).toBe('succeeded');
  });

  it('explains test events sent here', async () => {
    const account = await harness.createAccount('live');
    await install(harness, 'mixed-shop', { apiKey: account.secretKey, configureWebhook: true });
    const test = await standardKeys(harness, account.accountId, 'test');
    await createEndpoint(harness, test.secretKey, `${harness.webhookUrl}&merchant=mixed-shop`);
    const session = await harness.stripe(test.secretKey).checkout.sessions.create({
      mode: 'payment',
      line_items: [
        {
          quantity: 1,
          price_data: { currency: 'usd', unit_amount: 700, product_data: { name: 'Tea' } },
        },
      ],
      success_url: 'https://shop.example.com/done',
    });
    await harness.pay(session.id, '4242424242424242');
    await harness.flushDeliveries();

    const reply = await describeMerchant(harness, 'mixed-shop');

    expect(reply.body.rejectedDeliveries).toEqual({ mode_mismatch: 1 });
    expect(reply.body.deliveryProblems?.[0]?.message).toContain(
      'https://chat-payments.jelou.dev/link-webhook?provider=STRIPE',
    );
  });
});
