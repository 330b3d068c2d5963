import Stripe from 'stripe';

import { STRIPE_API_VERSION } from '../../functions/adapters/stripe-gateway';
import {
  createEndpoint,
  describeMerchant,
  install,
  PAYMENT_EVENTS,
  paymentBody,
} from '../helpers/onboarding';
import { StageHarness } from '../helpers/local-stage';

let harness: StageHarness;

beforeAll(async () => {
  harness = await StageHarness.start();
});

afterAll(async () => {
  await harness?.stop();
});

const codes = (entries: { code: string }[]) => entries.map((entry) => entry.code);

async function endpointsOf(apiKey: string) {
  return (await harness.stripe(apiKey).webhookEndpoints.list()).data;
}

describe('install with configureWebhook', () => {
  it('creates the endpoint as specified', async () => {
    const account = await harness.createAccount();

    const reply = await install(harness, 'auto-shop', {
      apiKey: account.secretKey,
      configureWebhook: true,
    });
    const [endpoint] = await endpointsOf(account.secretKey);

    expect(reply.body.webhook.status).toBe('ok');
    expect(reply.body.webhook.endpointId).toBe(endpoint?.id);
    expect(endpoint?.url).toBe(`${harness.webhookUrl}&merchant=auto-shop`);
    expect([...(endpoint?.enabled_events ?? [])].sort()).toEqual([...PAYMENT_EVENTS].sort());
    expect(endpoint?.api_version).toBe(STRIPE_API_VERSION);
    expect(endpoint?.metadata).toEqual({
      created_by: 'chat-payments',
      jelou_merchant_id: 'auto-shop',
    });
  });

  it('verifies deliveries by signature', async () => {
    const account = await harness.createAccount();
    await install(harness, 'signed-shop', { apiKey: account.secretKey, configureWebhook: true });
    const created = await harness.createPayment(paymentBody('signed-shop'));
    await harness.pay(created.body.checkoutSessionId, '4242424242424242');
    await harness.flushDeliveries();
    const [event] = (
      await harness.stripe(account.secretKey).events.list({ type: 'payment_intent.succeeded' })
    ).data;

    const forged = await harness.api(
      '/link-webhook?provider=STRIPE&merchant=signed-shop',
      {
        raw: JSON.stringify(event),
        headers: {
          'stripe-signature': Stripe.webhooks.generateTestHeaderString({
            payload: JSON.stringify(event),
            secret: 'whsec_notTheEndpointSecret',
          }),
        },
      },
    );
    const payment = await harness.payment(created.body.paymentId);

    expect(payment.body.status).toBe('succeeded');
    expect(forged.status).toBe(400);
    expect((forged.body.error as { code: string }).code).toBe('invalid_signature');
  });

  it('reuses a correct merchant endpoint', async () => {
    const account = await harness.createAccount();
    const existing = await createEndpoint(harness, account.secretKey, harness.webhookUrl);

    const reply = await install(harness, 'reuse-shop', {
      apiKey: account.secretKey,
      configureWebhook: true,
    });

    expect(await endpointsOf(account.secretKey)).toHaveLength(1);
    expect(reply.body.webhook.endpointId).toBe(existing);
    expect(codes(reply.body.webhook.notes)).toEqual(['reused', 'verified_by_retrieval']);
  });

  it('reuses its own endpoint on re-install', async () => {
    const account = await harness.createAccount();
    await install(harness, 'again-shop', { apiKey: account.secretKey, configureWebhook: true });

    const again = await install(harness, 'again-shop', {
      apiKey: account.secretKey,
      configureWebhook: true,
    });
    const stored = await harness.stage.services.installations.get('again-shop');

    expect(await endpointsOf(account.secretKey)).toHaveLength(1);
    expect(codes(again.body.webhook.notes)).toEqual(['reused']);
    expect(stored?.hasWebhookSecret).toBe(true);
  });

  it('enables its own disabled endpoint', async () => {
    const account = await harness.createAccount();
    const first = await install(harness, 'revive-shop', {
      apiKey: account.secretKey,
      configureWebhook: true,
    });
    const endpointId = first.body.webhook.endpointId as string;
    await harness.stripe(account.secretKey).webhookEndpoints.update(endpointId, {
      disabled: true,
    });
    const disabled = await describeMerchant(harness, 'revive-shop');

    const again = await install(harness, 'revive-shop', {
      apiKey: account.secretKey,
      configureWebhook: true,
    });
    const endpoints = await endpointsOf(account.secretKey);

    expect(disabled.body.webhook.status).toBe('disabled');
    expect(disabled.body.webhook.problems[0]?.message).toContain('which chat-payments created');
    expect(again.body.webhook.status).toBe('ok');
    expect(codes(again.body.webhook.notes)).toEqual(['repaired']);
    expect(endpoints.map((endpoint) => [endpoint.id, endpoint.status])).toEqual([
      [endpointId, 'enabled'],
    ]);
  });

  it('keeps its secret after repair', async () => {
    const account = await harness.createAccount();
    const first = await install(harness, 'repair-pay-shop', {
      apiKey: account.secretKey,
      configureWebhook: true,
    });
    await harness.stripe(account.secretKey).webhookEndpoints.update(
      first.body.webhook.endpointId as string,
      { disabled: true, enabled_events: ['payment_intent.succeeded'] },
    );
    await install(harness, 'repair-pay-shop', {
      apiKey: account.secretKey,
      configureWebhook: true,
    });
    const created = await harness.createPayment(paymentBody('repair-pay-shop'));

    await harness.pay(created.body.checkoutSessionId, '4000000000000002');
    await harness.flushDeliveries();
    const payment = await harness.payment(created.body.paymentId);

    expect(payment.body.status).toBe('failed');
  });

  it('replaces a disabled merchant endpoint', async () => {
    const account = await harness.createAccount();
    const old = await createEndpoint(harness, account.secretKey, harness.webhookUrl);
    await harness.stripe(account.secretKey).webhookEndpoints.update(old, { disabled: true });

    const reply = await install(harness, 'replace-shop', {
      apiKey: account.secretKey,
      configureWebhook: true,
    });
    const several = reply.body.webhook.notes.find((note) => note.code === 'several_endpoints');

    expect(reply.body.webhook.status).toBe('ok');
    expect(reply.body.webhook.endpointId).not.toBe(old);
    expect(several?.message).toContain(`Delete ${old}`);
  });

  it('prefers its own signing secret', async () => {
    const account = await harness.createAccount();

    const reply = await install(harness, 'given-secret-shop', {
      apiKey: account.secretKey,
      webhookSecret: 'whsec_pastedFromAnotherEndpoint',
      configureWebhook: true,
    });
    const created = await harness.createPayment(paymentBody('given-secret-shop'));
    await harness.pay(created.body.checkoutSessionId, '4242424242424242');
    await harness.flushDeliveries();
    const payment = await harness.payment(created.body.paymentId);

    expect(codes(reply.body.webhook.notes)).toContain('signing_secret_replaced');
    expect(payment.body.status).toBe('succeeded');
  });
});

describe('install of another account', () => {
  it('deletes the endpoint it replaced', async () => {
    const first = await harness.createAccount();
    const second = await harness.createAccount();
    await install(harness, 'moving-shop', { apiKey: first.secretKey, configureWebhook: true });

    const reply = await install(harness, 'moving-shop', {
      apiKey: second.secretKey,
      configureWebhook: true,
    });

    expect(reply.body.webhook.status).toBe('ok');
    expect(await endpointsOf(first.secretKey)).toEqual([]);
    expect(await endpointsOf(second.secretKey)).toHaveLength(1);
  });
});

describe('uninstall', () => {
  it('deletes only its own endpoint', async () => {
    const account = await harness.createAccount();
    const merchants = await createEndpoint(
      harness,
      account.secretKey,
      'https://shop.example.com/stripe/hooks',
    );
    await install(harness, 'leaving-shop', { apiKey: account.secretKey, configureWebhook: true });

    const removed = await harness.api('/merchants/leaving-shop/stripe', { method: 'DELETE' });
    const left = await endpointsOf(account.secretKey);

    expect(removed.status).toBe(204);
    expect(left.map((endpoint) => endpoint.id)).toEqual([merchants]);
  });

  it('keeps a merchant-made endpoint', async () => {
    const account = await harness.createAccount();
    const merchants = await createEndpoint(harness, account.secretKey, harness.webhookUrl);
    await install(harness, 'manual-shop', { apiKey: account.secretKey, configureWebhook: true });

    await harness.api('/merchants/manual-shop/stripe', { method: 'DELETE' });
    const left = await endpointsOf(account.secretKey);

    expect(left.map((endpoint) => endpoint.id)).toEqual([merchants]);
  });
});
