import { StageHarness } from '../helpers/local-stage';

let harness: StageHarness;

beforeAll(async () => {
  harness = await StageHarness.start();
});

afterAll(async () => {
  await harness?.stop();
});

const install = (merchantId: string, body: Record<string, unknown>) =>
  harness.api(`/merchants/${merchantId}/stripe`, { method: 'PUT', body });

describe('PUT /merchants/{id}/stripe', () => {
  it('installs a standard test key', async () => {
    const account = await harness.createAccount('test', 'Pizza Planet');

    const reply = await install('pizza', { apiKey: account.secretKey });

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(
      expect.objectContaining({
        merchantId: 'pizza',
        mode: 'test',
        accountId: account.accountId,
        accountName: 'Pizza Planet',
        keyType: 'standard',
        keyHint: `sk_test_…${account.secretKey.slice(-4)}`,
        installedAt: expect.any(String),
      }),
    );
    expect((reply.body.webhook as { status: string }).status).toBe('missing');
    expect(JSON.stringify(reply.body)).not.toContain(account.secretKey);
  });

  it('creates the webhook endpoint when asked', async () => {
    const account = await harness.createAccount();

    const reply = await install('auto-hook', { apiKey: account.secretKey, configureWebhook: true });
    const endpoints = await harness.stripe(account.secretKey).webhookEndpoints.list();

    expect((reply.body.webhook as { status: string }).status).toBe('ok');
    expect(endpoints.data).toHaveLength(1);
    expect(endpoints.data[0]?.url).toBe(`${harness.webhookUrl}&merchant=auto-hook`);
    expect([...(endpoints.data[0]?.enabled_events ?? [])].sort()).toEqual([
      'payment_intent.payment_failed',
      'payment_intent.requires_action',
      'payment_intent.succeeded',
    ]);
  });

  it('reuses its endpoint on re-install', async () => {
    const account = await harness.createAccount();
    await install('reinstall', { apiKey: account.secretKey, configureWebhook: true });

    const again = await install('reinstall', { apiKey: account.secretKey, configureWebhook: true });
    const endpoints = await harness.stripe(account.secretKey).webhookEndpoints.list();

    expect(again.status).toBe(200);
    expect(endpoints.data).toHaveLength(1);
  });

  it.each([
    ['a publishable key', (keys: { publishableKey: string }) => keys.publishableKey, 'publishable_key'],
    ['a signing secret', () => 'whsec_abc123', 'webhook_secret_not_api_key'],
    ['garbage', () => 'hello', 'invalid_key_format'],
    ['a live key', () => 'sk_live_abc123', 'mode_mismatch'],
    ['an unknown key', () => 'sk_test_doesNotExist123', 'key_rejected'],
  ])('rejects %s', async (_case, pick, code) => {
    const account = await harness.createAccount();

    const reply = await install('rejected', { apiKey: pick(account) });

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: expect.objectContaining({ code }) });
  });

  it('accepts a key with stray whitespace', async () => {
    const account = await harness.createAccount();

    const reply = await install('trimmed', { apiKey: ` \u200B${account.secretKey}\n` });

    expect(reply.status).toBe(200);
  });

  it('rejects an unknown field', async () => {
    const account = await harness.createAccount();

    const reply = await install('fields', { apiKey: account.secretKey, apikey: 'x' });

    expect(reply.status).toBe(400);
    expect((reply.body.error as { message: string }).message).toContain('apikey');
  });
});

describe('GET and DELETE /merchants/{id}/stripe', () => {
  it('describes an installed merchant', async () => {
    await harness.installMerchant('described');

    const reply = await harness.api('/merchants/described/stripe');

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(
      expect.objectContaining({ merchantId: 'described', lastEventAt: null, rejectedDeliveries: {} }),
    );
  });

  it('answers 404 for an unknown merchant', async () => {
    const reply = await harness.api('/merchants/unknown-merchant/stripe');

    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: expect.objectContaining({ code: 'not_installed' }) });
  });

  it('uninstalls and installs again at once', async () => {
    const { account } = await harness.installMerchant('cycle');
    const created = await harness.createPayment({
      merchantId: 'cycle',
      amount: 1000,
      currency: 'usd',
      description: 'Kept order',
      reference: 'kept',
    });

    const removed = await harness.api('/merchants/cycle/stripe', { method: 'DELETE' });
    const afterRemoval = await harness.api('/merchants/cycle/stripe');
    const endpoints = await harness.stripe(account.secretKey).webhookEndpoints.list();
    const keptPayment = await harness.payment(created.body.paymentId);
    const again = await install('cycle', { apiKey: account.secretKey });

    expect(removed.status).toBe(204);
    expect(afterRemoval.status).toBe(404);
    expect(endpoints.data).toHaveLength(0);
    expect(keptPayment.status).toBe(200);
    expect(again.status).toBe(200);
  });
});
