import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';

import { createSecretsClient } from '../../functions/adapters/secret-store';
import {
  createEndpoint,
  describeMerchant,
  install,
  paymentBody,
  rollKey,
  startWarmContainer,
  type WarmContainer,
} from '../helpers/onboarding';
import { request, StageHarness } from '../helpers/local-stage';

let harness: StageHarness;

beforeAll(async () => {
  harness = await StageHarness.start();
});

afterAll(async () => {
  await harness?.stop();
});

describe('re-install with a new key', () => {
  let warm: WarmContainer;

  beforeAll(async () => {
    warm = await startWarmContainer(harness);
  });

  afterAll(async () => {
    await warm?.close();
  });

  async function payThroughWarm(reference: string) {
    const created = await request<{ paymentId: string; checkoutSessionId: string }>(
      `${warm.url}/payments`,
      {
        body: paymentBody('rotating-shop', reference),
        headers: { 'idempotency-key': reference },
      },
    );
    if (created.status === 201) {
      await harness.pay(created.body.checkoutSessionId, '4242424242424242');
      await harness.flushDeliveries();
    }
    return created;
  }

  it('reaches warm containers at once', async () => {
    const account = await harness.createAccount();
    // Deliveries go to the warm container, which verifies each one by
    // retrieving its event with the merchant's key.
    await createEndpoint(harness, account.secretKey, `${warm.url}/link-webhook?provider=STRIPE`);
    await install(harness, 'rotating-shop', { apiKey: account.secretKey });
    const before = await payThroughWarm('before-rotation');
    const newKey = await rollKey(harness, account.secretKey);

    await install(harness, 'rotating-shop', { apiKey: newKey });
    const after = await payThroughWarm('after-rotation');
    const payment = await harness.payment(after.body.paymentId);

    expect((await harness.payment(before.body.paymentId)).body.status).toBe('succeeded');
    expect(after.status).toBe(201);
    expect(payment.body.status).toBe('succeeded');
  });
});

describe('uninstall and install again', () => {
  it('restores the deleted secret', async () => {
    const account = await harness.createAccount();
    await install(harness, 'cycle-shop', { apiKey: account.secretKey, configureWebhook: true });
    await harness.api('/merchants/cycle-shop/stripe', { method: 'DELETE' });
    const newKey = await rollKey(harness, account.secretKey);

    const again = await install(harness, 'cycle-shop', {
      apiKey: newKey,
      configureWebhook: true,
    });
    const secret = await createSecretsClient(harness.stage.config).send(
      new DescribeSecretCommand({
        SecretId: harness.stage.services.secrets.secretName('cycle-shop'),
      }),
    );
    const created = await harness.createPayment(paymentBody('cycle-shop'));
    await harness.pay(created.body.checkoutSessionId, '4242424242424242');
    await harness.flushDeliveries();
    const payment = await harness.payment(created.body.paymentId);

    expect(again.status).toBe(200);
    expect(again.body.keyHint).toBe(`sk_test_…${newKey.slice(-4)}`);
    expect(secret.DeletedDate).toBeUndefined();
    expect(payment.body.status).toBe('succeeded');
  });

  it('keeps open payments readable', async () => {
    await harness.installMerchant('closing-shop');
    const created = await harness.createPayment(paymentBody('closing-shop'));

    await harness.api('/merchants/closing-shop/stripe', { method: 'DELETE' });
    const openPayment = await harness.payment(created.body.paymentId);
    const rejected = await harness.createPayment(paymentBody('closing-shop', 'after-removal'));

    expect(openPayment.status).toBe(200);
    expect(openPayment.body.status).toBe('pending');
    expect(rejected.status).toBe(409);
  });
});

describe('key rolled after install', () => {
  it('shows the key as rejected', async () => {
    const { account } = await harness.installMerchant('rolled-later');
    await rollKey(harness, account.secretKey);

    const reply = await describeMerchant(harness, 'rolled-later');

    expect(reply.status).toBe(200);
    expect(reply.body.keyStatus).toBe('rejected');
    expect(reply.body.webhook.problems[0]?.code).toBe('key_rejected');
    expect(reply.body.webhook.problems[0]?.message).toContain(
      `sk_test_…${account.secretKey.slice(-4)}`,
    );
  });

  it('rejects payments with a fix', async () => {
    const { account } = await harness.installMerchant('rolled-pay');
    await rollKey(harness, account.secretKey);

    const created = await harness.createPayment(paymentBody('rolled-pay'));

    expect(created.status).toBe(409);
    expect((created.body as unknown as { error: { code: string } }).error.code).toBe(
      'key_rejected',
    );
  });
});
