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

describe('injected faults', () => {
  it('returns 429 with the reason header', async () => {
    const added = await harness.control('POST', '/_sandbox/faults', {
      method: 'GET',
      path: '/v1/events',
      status: 429,
      times: 1,
    });
    expect(added.status).toBe(200);
    const error = await rejectionOf(stripe.events.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error.statusCode).toBe(429);
    expect(error.code).toBe('rate_limit');
    expect(error.raw.type).toBe('invalid_request_error');
    expect(error.raw.message).toMatch(/^Too many requests/);
    expect(error.headers['stripe-rate-limited-reason']).toBe('global-rate');
    expect(error.requestId).toMatch(/^req_/);
    const after = await stripe.events.list();
    expect(after.object).toBe('list');
  });

  it('returns 500 api errors', async () => {
    await harness.control('POST', '/_sandbox/faults', {
      path: '/v1/checkout/sessions',
      status: 500,
      times: 2,
    });
    const first = await rejectionOf(stripe.checkout.sessions.create(sessionParams()));
    expect(first).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(first.statusCode).toBe(500);
    expect(first.raw.type).toBe('api_error');
    const retried = harness.client(account.secretKey, { maxNetworkRetries: 2 });
    const started = Date.now();
    const session = await retried.checkout.sessions.create(sessionParams());
    expect(session.status).toBe('open');
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    const sessions = await stripe.checkout.sessions.list();
    expect(sessions.data).toHaveLength(1);
  });

  it('matches only method and path', async () => {
    await harness.control('POST', '/_sandbox/faults', {
      method: 'POST',
      path: '/v1/webhook_endpoints*',
      status: 500,
    });
    const list = await stripe.webhookEndpoints.list();
    expect(list.data).toEqual([]);
    const error = await rejectionOf(
      stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hook', enabled_events: ['*'] }),
    );
    expect(error.statusCode).toBe(500);
    const faults = await harness.control<{ data: unknown[] }>('GET', '/_sandbox/faults');
    expect(faults.body.data).toEqual([]);
  });

  it('delays responses past client timeouts', async () => {
    await harness.control('POST', '/_sandbox/faults', {
      method: 'GET',
      path: '/v1/balance',
      delayMs: 1500,
      times: 1,
    });
    const impatient = harness.client(account.secretKey, { timeout: 300 });
    const started = Date.now();
    const error = await rejectionOf(impatient.balance.retrieve());
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(error.message).toContain('timeout');
    expect(Date.now() - started).toBeLessThan(1400);
    const balance = await impatient.balance.retrieve();
    expect(balance.object).toBe('balance');
  });

  it('answers after the delay', async () => {
    await harness.control('POST', '/_sandbox/faults', { path: '/v1/account', delayMs: 300 });
    const started = Date.now();
    const current = await stripe.accounts.retrieveCurrent();
    expect(current.id).toBe(account.accountId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('clears faults on request', async () => {
    await harness.control('POST', '/_sandbox/faults', {
      path: '/v1/events',
      status: 429,
      times: 5,
    });
    const cleared = await harness.control<{ cleared: number }>('DELETE', '/_sandbox/faults');
    expect(cleared.body.cleared).toBe(1);
    const events = await stripe.events.list();
    expect(events.object).toBe('list');
  });

  it('rejects invalid fault definitions', async () => {
    const cases = [
      { path: 'v1/events', status: 429 },
      { path: '/v1/events', status: 418 },
      { path: '/v1/events' },
      { path: '/v1/events', status: 500, times: 0 },
    ];
    for (const body of cases) {
      const response = await harness.control('POST', '/_sandbox/faults', body);
      expect(response.status).toBe(400);
    }
  });
});
