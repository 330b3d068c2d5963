import Stripe from 'stripe';
import { Harness, rejectionOf, startHarness, TestAccount } from './helpers';

let harness: Harness;
let account: TestAccount;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.close();
});

beforeEach(async () => {
  await harness.control('POST', '/_sandbox/reset');
  account = await harness.createAccount();
});

describe('API keys', () => {
  it('issues keys with Stripe prefixes', () => {
    expect(account.accountId).toMatch(/^acct_[A-Za-z0-9]+$/);
    expect(account.secretKey).toMatch(/^sk_test_[A-Za-z0-9]{24,}$/);
    expect(account.publishableKey).toMatch(/^pk_test_[A-Za-z0-9]{24,}$/);
  });

  it('rejects an unknown key', async () => {
    const key = 'sk_test_51ThisKeyWasNeverIssuedAbcd';
    const error = await rejectionOf(harness.client(key).balance.retrieve());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error.statusCode).toBe(401);
    expect(error.raw.type).toBe('invalid_request_error');
    expect(error.raw.message).toMatch(/^Invalid API Key provided: sk_test_\*+Abcd$/);
    expect(error.raw.message).not.toContain(key);
  });

  it('returns 401 without a key', async () => {
    const response = await fetch(`${harness.sandbox.url}/v1/balance`);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(response.status).toBe(401);
    expect(body.error.message).toMatch(/^You did not provide an API key/);
  });

  it('rejects a publishable key', async () => {
    const error = await rejectionOf(harness.client(account.publishableKey).balance.retrieve());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error.raw.message).toMatch(/cannot be made with a publishable API key/);
  });

  it('rejects a rolled key', async () => {
    const rolled = await harness.control<{ secretKey: string }>(
      'POST',
      `/_sandbox/keys/${account.secretKey}/roll`,
    );
    expect(rolled.status).toBe(200);
    expect(rolled.body.secretKey).toMatch(/^sk_test_/);
    expect(rolled.body.secretKey).not.toBe(account.secretKey);
    const error = await rejectionOf(harness.client(account.secretKey).balance.retrieve());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error.raw.message).not.toContain(account.secretKey);
    const balance = await harness.client(rolled.body.secretKey).balance.retrieve();
    expect(balance.object).toBe('balance');
  });

  it('rejects a deleted key', async () => {
    const deleted = await harness.control('DELETE', `/_sandbox/keys/${account.secretKey}`);
    expect(deleted.status).toBe(200);
    const error = await rejectionOf(harness.client(account.secretKey).balance.retrieve());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error.statusCode).toBe(401);
  });

  it('accepts basic authentication', async () => {
    const credentials = Buffer.from(`${account.secretKey}:`).toString('base64');
    const response = await fetch(`${harness.sandbox.url}/v1/balance`, {
      headers: { Authorization: `Basic ${credentials}` },
    });
    expect(response.status).toBe(200);
  });

  it('sets Request-Id on every response', async () => {
    const responses = await Promise.all([
      fetch(`${harness.sandbox.url}/v1/balance`),
      fetch(`${harness.sandbox.url}/v1/nothing-here`),
      fetch(`${harness.sandbox.url}/_sandbox/delivery`),
    ]);
    for (const response of responses) {
      expect(response.headers.get('request-id')).toMatch(/^req_[A-Za-z0-9]+$/);
    }
  });
});

describe('restricted keys', () => {
  async function restrictedKey(permissions: Record<string, string>): Promise<string> {
    const response = await harness.control<{ restrictedKey: string }>(
      'POST',
      `/_sandbox/accounts/${account.accountId}/restricted_keys`,
      { permissions },
    );
    expect(response.status).toBe(200);
    return response.body.restrictedKey;
  }

  it('returns 403 naming the permission', async () => {
    const key = await restrictedKey({ payment_intents: 'read', checkout_sessions: 'write' });
    expect(key).toMatch(/^rk_test_[A-Za-z0-9]{24,}$/);
    const error = await rejectionOf(harness.client(key).events.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(error.statusCode).toBe(403);
    expect(error.raw.type).toBe('invalid_request_error');
    expect(error.raw.message).toContain(
      "Having the 'rak_event_read' permission would allow this request to continue.",
    );
    expect(error.raw.message).toContain(`on account '${account.accountId}'`);
    expect(error.raw.message).not.toContain(key);
  });

  it('requires write for creating sessions', async () => {
    const key = await restrictedKey({ checkout_sessions: 'read' });
    const error = await rejectionOf(
      harness.client(key).checkout.sessions.create({
        mode: 'payment',
        line_items: [
          {
            price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Tea' } },
            quantity: 1,
          },
        ],
      }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(error.raw.message).toContain("'rak_checkout_session_write'");
  });

  it('lets write include read', async () => {
    const key = await restrictedKey({ webhook_endpoints: 'write', events: 'read' });
    const endpoints = await harness.client(key).webhookEndpoints.list();
    expect(endpoints.object).toBe('list');
    const events = await harness.client(key).events.list();
    expect(events.data).toEqual([]);
  });

  it('denies account reads by default', async () => {
    const key = await restrictedKey({ payment_intents: 'read' });
    const error = await rejectionOf(harness.client(key).accounts.retrieveCurrent());
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(error.raw.message).toContain("'rak_accounts_kyc_id_numbers_read'");
    const balanceError = await rejectionOf(harness.client(key).balance.retrieve());
    expect(balanceError.raw.message).toContain("'rak_balance_read'");
  });

  it('checks permission before existence', async () => {
    const key = await restrictedKey({ events: 'read' });
    const error = await rejectionOf(
      harness.client(key).paymentIntents.retrieve('pi_3DoesNotExist'),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(error.raw.message).toContain("'rak_payment_intent_read'");
  });

  it('rejects an unknown permission level', async () => {
    const response = await harness.control(
      'POST',
      `/_sandbox/accounts/${account.accountId}/restricted_keys`,
      {
        permissions: { events: 'write' },
      },
    );
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('permissions.events');
  });
});

describe('test and live data', () => {
  it('keeps modes of an account apart', async () => {
    const liveKeys = await harness.control<{ secretKey: string }>(
      'POST',
      `/_sandbox/accounts/${account.accountId}/keys`,
      {
        mode: 'live',
      },
    );
    expect(liveKeys.body.secretKey).toMatch(/^sk_live_/);
    const testClient = harness.client(account.secretKey);
    const liveClient = harness.client(liveKeys.body.secretKey);
    const session = await testClient.checkout.sessions.create({
      mode: 'payment',
      line_items: [
        {
          price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Tea' } },
          quantity: 1,
        },
      ],
    });
    expect(session.livemode).toBe(false);
    expect(session.id).toMatch(/^cs_test_/);

    const error = await rejectionOf(liveClient.checkout.sessions.retrieve(session.id));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('resource_missing');

    const liveSession = await liveClient.checkout.sessions.create({
      mode: 'payment',
      line_items: [
        {
          price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Tea' } },
          quantity: 1,
        },
      ],
    });
    expect(liveSession.livemode).toBe(true);
    expect(liveSession.id).toMatch(/^cs_live_/);
  });

  it('hides other accounts objects', async () => {
    const other = await harness.createAccount();
    const session = await harness.client(account.secretKey).checkout.sessions.create({
      mode: 'payment',
      line_items: [
        {
          price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Tea' } },
          quantity: 1,
        },
      ],
    });
    const error = await rejectionOf(
      harness.client(other.secretKey).checkout.sessions.retrieve(session.id),
    );
    expect(error.statusCode).toBe(404);
    expect(error.raw.message).toBe(`No such checkout.session: '${session.id}'`);
  });
});

describe('account endpoints', () => {
  it('returns the account object', async () => {
    const current = await harness.client(account.secretKey).accounts.retrieveCurrent();
    expect(current.id).toBe(account.accountId);
    expect(current.object).toBe('account');
    expect(current.business_profile?.name).toBe('Acme Tea');
    expect(current.settings?.dashboard.display_name).toBe('Acme Tea');
  });

  it('returns 404 for unknown routes', async () => {
    const response = await fetch(`${harness.sandbox.url}/v1/customers`, {
      headers: { Authorization: `Bearer ${account.secretKey}` },
    });
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(response.status).toBe(404);
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/^Unrecognized request URL \(GET: \/v1\/customers\)/);
  });
});
