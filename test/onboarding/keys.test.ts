import {
  FULL_PERMISSIONS,
  install,
  type Permissions,
  restrictedKey,
  rollKey,
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

describe('install with a key mistake', () => {
  it('rejects a publishable key', async () => {
    const account = await harness.createAccount();

    const reply = await install(harness, 'pk-shop', { apiKey: account.publishableKey });

    expect(reply.status).toBe(400);
    expect(reply.body.error?.code).toBe('publishable_key');
    expect(reply.body.error?.message).toContain('Developers → API keys');
  });

  it('names the environment for live keys', async () => {
    const account = await harness.createAccount();
    const live = await standardKeys(harness, account.accountId, 'live');

    const reply = await install(harness, 'live-key-shop', { apiKey: live.secretKey });

    expect(reply.status).toBe(400);
    expect(reply.body.error?.code).toBe('mode_mismatch');
    expect(reply.body.error?.message).toContain(
      'Install this key in the Live (chat-payments.jelou.ai) environment',
    );
  });

  it('rejects a signing secret as key', async () => {
    const reply = await install(harness, 'whsec-shop', { apiKey: 'whsec_3xAmPl3S1gn1ngS3cr3t' });

    expect(reply.status).toBe(400);
    expect(reply.body.error?.code).toBe('webhook_secret_not_api_key');
  });

  it.each([
    ['spaces around', (key: string) => `  ${key}  `],
    ['a trailing newline', (key: string) => `${key}\n`],
    ['a leading tab', (key: string) => `\t${key}`],
    ['a zero-width space', (key: string) => `${key.slice(0, 12)}\u200B${key.slice(12)}`],
    ['a byte order mark', (key: string) => `\uFEFF${key}`],
    ['no-break spaces', (key: string) => `\u00A0${key}\u00A0`],
    ['a left-to-right mark', (key: string) => `\u200E${key}`],
  ])('trims %s from keys', async (_case, dirty) => {
    const account = await harness.createAccount();

    const reply = await install(harness, 'trimmed-shop', { apiKey: dirty(account.secretKey) });

    expect(reply.status).toBe(200);
    expect(reply.body.keyHint).toBe(`sk_test_…${account.secretKey.slice(-4)}`);
  });

  it('rejects a rolled key', async () => {
    const account = await harness.createAccount();
    await rollKey(harness, account.secretKey);

    const reply = await install(harness, 'rolled-shop', { apiKey: account.secretKey });

    expect(reply.status).toBe(400);
    expect(reply.body.error?.code).toBe('key_rejected');
    expect(reply.body.error?.message).toContain(`sk_test_…${account.secretKey.slice(-4)}`);
  });

  it('rejects a deleted key', async () => {
    const account = await harness.createAccount();
    await harness.sandbox(`/_sandbox/keys/${account.secretKey}`, { method: 'DELETE' });

    const reply = await install(harness, 'deleted-shop', { apiKey: account.secretKey });

    expect(reply.status).toBe(400);
    expect(reply.body.error?.code).toBe('key_rejected');
  });
});

describe('install with a restricted key', () => {
  it.each<[string, Permissions, string[]]>([
    [
      'PaymentIntents',
      { checkout_sessions: 'write', events: 'read' },
      ['PaymentIntents: Read'],
    ],
    [
      'Checkout Sessions write',
      { payment_intents: 'read', checkout_sessions: 'read', events: 'read' },
      ['Checkout Sessions: Write'],
    ],
    ['Events', { payment_intents: 'read', checkout_sessions: 'write' }, ['Events: Read']],
    [
      'every permission',
      {},
      ['PaymentIntents: Read', 'Events: Read', 'Checkout Sessions: Write'],
    ],
  ])('names missing %s', async (_case, permissions, missing) => {
    const account = await harness.createAccount();
    const key = await restrictedKey(harness, account.accountId, permissions);

    const reply = await install(harness, 'weak-key-shop', { apiKey: key });

    expect(reply.status).toBe(400);
    expect(reply.body.error?.code).toBe('missing_permissions');
    expect(reply.body.error?.missingPermissions).toEqual(missing);
    for (const name of missing) expect(reply.body.error?.message).toContain(name);
  });

  it('installs without account access', async () => {
    const account = await harness.createAccount();
    const key = await restrictedKey(harness, account.accountId, FULL_PERMISSIONS);

    const reply = await install(harness, 'no-account-shop', { apiKey: key });

    expect(reply.status).toBe(200);
    expect(reply.body.keyType).toBe('restricted');
    expect(reply.body.accountId).toBeNull();
  });

  it('names the account when readable', async () => {
    const account = await harness.createAccount();
    const key = await restrictedKey(harness, account.accountId, {
      ...FULL_PERMISSIONS,
      account: 'read',
    });

    const reply = await install(harness, 'account-shop', { apiKey: key });

    expect(reply.body.accountId).toBe(account.accountId);
  });

  it('installs without webhook endpoint access', async () => {
    const account = await harness.createAccount();
    const key = await restrictedKey(harness, account.accountId, {
      ...FULL_PERMISSIONS,
      webhook_endpoints: 'none',
    });

    const reply = await install(harness, 'no-webhook-shop', { apiKey: key });

    expect(reply.status).toBe(200);
    expect(reply.body.webhook.status).toBe('unknown');
    expect(reply.body.webhook.problems[0]?.code).toBe('cannot_check');
    expect(reply.body.webhook.problems[0]?.message).toContain('Webhook Endpoints: Read');
  });

  it('explains a missing endpoint write', async () => {
    const account = await harness.createAccount();
    const key = await restrictedKey(harness, account.accountId, {
      ...FULL_PERMISSIONS,
      webhook_endpoints: 'read',
    });

    const reply = await install(harness, 'read-webhook-shop', {
      apiKey: key,
      configureWebhook: true,
    });

    expect(reply.status).toBe(200);
    expect(reply.body.webhook.status).toBe('missing');
    expect(reply.body.webhook.problems.map((problem) => problem.code)).toContain(
      'cannot_configure',
    );
  });

  it('creates payments with the key', async () => {
    const account = await harness.createAccount();
    const key = await restrictedKey(harness, account.accountId, FULL_PERMISSIONS);
    await install(harness, 'rk-pay-shop', { apiKey: key, configureWebhook: true });
    const created = await harness.createPayment({
      merchantId: 'rk-pay-shop',
      amount: 900,
      currency: 'usd',
      description: 'Restricted key order',
      reference: 'rk-1',
    });

    await harness.pay(created.body.checkoutSessionId, '4242424242424242');
    await harness.flushDeliveries();
    const payment = await harness.payment(created.body.paymentId);

    expect(created.status).toBe(201);
    expect(payment.body.status).toBe('succeeded');
  });
});
