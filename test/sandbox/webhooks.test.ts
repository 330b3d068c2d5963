import dns from 'node:dns';
import http from 'node:http';
import Stripe from 'stripe';
import {
  Harness,
  rejectionOf,
  sessionParams,
  startHarness,
  startReceiver,
  TestAccount,
  WebhookReceiver,
} from './helpers';

let harness: Harness;
let receiver: WebhookReceiver;
let account: TestAccount;
let stripe: Stripe;

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  endpointId: string;
  accountId: string;
  url: string;
  attempt: number;
  status: number | null;
  responseBody: string | null;
  error?: string;
  dropped?: boolean;
  at: string;
}

const THREE_EVENTS = [
  'payment_intent.succeeded',
  'payment_intent.requires_action',
  'payment_intent.payment_failed',
];

beforeAll(async () => {
  harness = await startHarness();
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver.close();
  await harness.close();
});

beforeEach(async () => {
  await harness.control('POST', '/_sandbox/reset');
  receiver.requests.length = 0;
  receiver.status = 200;
  account = await harness.createAccount();
  stripe = harness.client(account.secretKey);
});

async function flush(): Promise<void> {
  const response = await harness.control('POST', '/_sandbox/deliveries/flush');
  expect(response.status).toBe(200);
}

async function deliveries(query = ''): Promise<Delivery[]> {
  return (await harness.control<{ data: Delivery[] }>('GET', `/_sandbox/deliveries${query}`)).body
    .data;
}

async function paySession(card: string): Promise<void> {
  const session = await stripe.checkout.sessions.create(sessionParams());
  const response = await harness.control('POST', `/_sandbox/checkout/sessions/${session.id}/pay`, {
    card,
  });
  expect(response.status).toBe(200);
}

function receivedTypes(): string[] {
  return receiver.requests.map((request) => JSON.parse(request.rawBody).type as string);
}

describe('webhook endpoint API', () => {
  it('returns the secret only on create', async () => {
    const created = await stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: THREE_EVENTS as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
      api_version: '2026-11-18.endive',
      metadata: { created_by: 'chat-payments' },
      description: 'chat-payments test',
    });
    expect(created.id).toMatch(/^we_/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9]+$/);
    expect(created.status).toBe('enabled');
    expect(created.api_version).toBe('2026-11-18.endive');
    expect(created.livemode).toBe(false);
    const retrieved = await stripe.webhookEndpoints.retrieve(created.id);
    expect(retrieved.secret).toBeUndefined();
    expect(retrieved.enabled_events).toEqual(THREE_EVENTS);
    const listed = await stripe.webhookEndpoints.list();
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0].secret).toBeUndefined();
  });

  it('updates and deletes an endpoint', async () => {
    const created = await stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['*'],
    });
    const disabled = await stripe.webhookEndpoints.update(created.id, {
      disabled: true,
      url: `${receiver.url}&merchant=m1`,
      enabled_events: ['payment_intent.succeeded'],
      metadata: { service: 'chat-payments' },
    });
    expect(disabled.status).toBe('disabled');
    expect(disabled.url).toBe(`${receiver.url}&merchant=m1`);
    expect(disabled.enabled_events).toEqual(['payment_intent.succeeded']);
    expect(disabled.metadata).toEqual({ service: 'chat-payments' });
    const unset = await stripe.webhookEndpoints.update(created.id, { metadata: { service: '' } });
    expect(unset.metadata).toEqual({});
    const versionChange = await rejectionOf(
      stripe.webhookEndpoints.update(created.id, {
        api_version: '2025-01-01',
      } as Stripe.WebhookEndpointUpdateParams),
    );
    expect(versionChange.code).toBe('parameter_unknown');
    const deleted = await stripe.webhookEndpoints.del(created.id);
    expect(deleted.deleted).toBe(true);
    const missing = await rejectionOf(stripe.webhookEndpoints.retrieve(created.id));
    expect(missing.statusCode).toBe(404);
  });

  it('rejects misspelled event types', async () => {
    const error = await rejectionOf(
      stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: [
          'payment_intent.succeded' as Stripe.WebhookEndpointCreateParams.EnabledEvent,
        ],
      }),
    );
    expect(error.statusCode).toBe(400);
    expect(error.param).toBe('enabled_events[0]');
  });

  it('caps endpoints at sixteen', async () => {
    for (let i = 0; i < 16; i += 1) {
      await stripe.webhookEndpoints.create({
        url: `${receiver.url}&n=${i}`,
        enabled_events: ['*'],
      });
    }
    const error = await rejectionOf(
      stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] }),
    );
    expect(error.statusCode).toBe(400);
    expect(error.raw.message).toContain('maximum of 16 webhook endpoints');
    const all: string[] = [];
    for await (const endpoint of stripe.webhookEndpoints.list({ limit: 5 })) {
      all.push(endpoint.id);
    }
    expect(all).toHaveLength(16);
  });
});

describe('webhook deliveries', () => {
  async function createEndpoint(
    events: string[] = THREE_EVENTS,
    url = receiver.url,
  ): Promise<Stripe.WebhookEndpoint> {
    return stripe.webhookEndpoints.create({
      url,
      enabled_events: events as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
    });
  }

  it('signs deliveries like Stripe', async () => {
    const endpoint = await createEndpoint();
    await paySession('4242424242424242');
    await flush();
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request.path).toBe('/link-webhook?provider=STRIPE');
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request.headers['user-agent']).toBe('Stripe/1.0 (+https://stripe.com/docs/webhooks)');
    const signature = request.headers['stripe-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64},v0=[0-9a-f]{64}$/);
    const event = stripe.webhooks.constructEvent(
      request.rawBody,
      signature,
      endpoint.secret as string,
    );
    expect(event.type).toBe('payment_intent.succeeded');
    expect(event.livemode).toBe(false);

    expect(() => stripe.webhooks.constructEvent(request.rawBody, signature, 'whsec_wrong')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    const reserialized = JSON.stringify(JSON.parse(request.rawBody));
    expect(() =>
      stripe.webhooks.constructEvent(reserialized, signature, endpoint.secret as string),
    ).toThrow(Stripe.errors.StripeSignatureVerificationError);

    const records = await deliveries();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      eventId: event.id,
      eventType: 'payment_intent.succeeded',
      endpointId: endpoint.id,
      accountId: account.accountId,
      url: receiver.url,
      attempt: 1,
      status: 200,
      responseBody: '{"received":true}',
    });
    expect((await stripe.events.retrieve(event.id)).pending_webhooks).toBe(0);
  });

  it('delivers only subscribed event types', async () => {
    await createEndpoint();
    await createEndpoint(['*'], `${receiver.url}&all=1`);
    await paySession('4000000000000002');
    await flush();
    const narrow = receiver.requests.filter((request) => !request.path.includes('all=1'));
    const wide = receiver.requests.filter((request) => request.path.includes('all=1'));
    expect(narrow.map((request) => JSON.parse(request.rawBody).type)).toEqual([
      'payment_intent.payment_failed',
    ]);
    expect(wide.map((request) => JSON.parse(request.rawBody).type)).toEqual([
      'payment_intent.created',
      'charge.failed',
      'payment_intent.payment_failed',
    ]);
  });

  it('records failing responses and keeps pending', async () => {
    await createEndpoint();
    receiver.status = 500;
    await paySession('4242424242424242');
    await flush();
    const [record] = await deliveries();
    expect(record.status).toBe(500);
    const event = await stripe.events.retrieve(record.eventId);
    expect(event.pending_webhooks).toBe(1);
    const unsuccessful = await stripe.events.list({ delivery_success: false });
    expect(unsuccessful.data.map((item) => item.id)).toEqual([record.eventId]);
  });

  it('resends an event on request', async () => {
    await createEndpoint();
    receiver.status = 500;
    await paySession('4242424242424242');
    await flush();
    receiver.status = 200;
    const [first] = await deliveries();
    const resent = await harness.control('POST', `/_sandbox/events/${first.eventId}/resend`);
    expect(resent.status).toBe(200);
    await flush();
    const records = await deliveries(`?event=${first.eventId}`);
    expect(records.map((record) => [record.attempt, record.status])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect((await stripe.events.retrieve(first.eventId)).pending_webhooks).toBe(0);
  });

  it('skips disabled endpoints', async () => {
    const endpoint = await createEndpoint();
    await stripe.webhookEndpoints.update(endpoint.id, { disabled: true });
    await paySession('4242424242424242');
    await flush();
    expect(receiver.requests).toHaveLength(0);
    expect(await deliveries()).toHaveLength(0);
  });

  it('blocks non-loopback hosts without contacting them', async () => {
    // Every lookup fails at once, so even a faulty sandbox could not reach the host.
    let lookupCalls = 0;
    const lookup = jest.spyOn(dns, 'lookup').mockImplementation(((...args: unknown[]) => {
      lookupCalls += 1;
      const callback = args[args.length - 1] as (error: Error) => void;
      callback(new Error('DNS lookups are blocked in this test'));
    }) as unknown as typeof dns.lookup);
    try {
      // The blocked lookup proves that the spy intercepts the lookups node:http makes.
      const probe = await new Promise<string>((resolve) => {
        http
          .get('http://sandbox-probe.invalid/', () => resolve('response'))
          .on('error', (error) => resolve(error.message));
      });
      expect(probe).toBe('DNS lookups are blocked in this test');
      expect(lookupCalls).toBe(1);
      lookupCalls = 0;
      await createEndpoint(
        THREE_EVENTS,
        'https://chat-payments.jelou.dev/link-webhook?provider=STRIPE',
      );
      await paySession('4242424242424242');
      await flush();
    } finally {
      lookup.mockRestore();
    }
    expect(lookupCalls).toBe(0);
    const [record] = await deliveries();
    expect(record.status).toBeNull();
    expect(record.responseBody).toBeNull();
    expect(record.error).toContain('loopback');
    expect(record.error).toContain('chat-payments.jelou.dev');
    expect(receiver.requests).toHaveLength(0);
  });

  it('delivers to localhost names', async () => {
    await createEndpoint(THREE_EVENTS, receiver.url.replace('127.0.0.1', 'localhost'));
    await paySession('4242424242424242');
    await flush();
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0].headers.host).toMatch(/^localhost:\d+$/);
  });

  it('duplicates every delivery', async () => {
    await createEndpoint(['*']);
    expect((await harness.control('PUT', '/_sandbox/delivery', { mode: 'duplicate' })).status).toBe(
      200,
    );
    await paySession('4000002500003155');
    await flush();
    expect(receivedTypes()).toEqual([
      'payment_intent.created',
      'payment_intent.created',
      'payment_intent.requires_action',
      'payment_intent.requires_action',
    ]);
    const ids = receiver.requests.map((request) => JSON.parse(request.rawBody).id);
    expect(ids[0]).toBe(ids[1]);
    const records = await deliveries();
    expect(records.map((record) => record.attempt)).toEqual([1, 2, 1, 2]);
  });

  it('reverses each action in reverse mode', async () => {
    await createEndpoint(['*']);
    await harness.control('PUT', '/_sandbox/delivery', { mode: 'reverse' });
    expect((await harness.control('GET', '/_sandbox/delivery')).body).toEqual({ mode: 'reverse' });
    const session = await stripe.checkout.sessions.create(sessionParams());
    await harness.control('POST', `/_sandbox/checkout/sessions/${session.id}/pay`, {
      card: '4000000000000002',
    });
    await flush();
    await harness.control('POST', `/_sandbox/checkout/sessions/${session.id}/pay`, {
      card: '4242424242424242',
    });
    await flush();
    expect(receivedTypes()).toEqual([
      'payment_intent.payment_failed',
      'charge.failed',
      'payment_intent.created',
      'checkout.session.completed',
      'payment_intent.succeeded',
      'charge.succeeded',
    ]);
  });

  it('records drops without sending', async () => {
    await createEndpoint();
    await harness.control('PUT', '/_sandbox/delivery', { mode: 'drop' });
    await paySession('4242424242424242');
    await flush();
    expect(receiver.requests).toHaveLength(0);
    const records = await deliveries(`?account=${account.accountId}`);
    expect(records).toHaveLength(1);
    expect(records[0].dropped).toBe(true);
    expect(records[0].status).toBeNull();
    const event = await stripe.events.retrieve(records[0].eventId);
    expect(event.pending_webhooks).toBe(1);
  });

  it('delivers once in normal mode', async () => {
    await createEndpoint(['*']);
    await harness.control('PUT', '/_sandbox/delivery', { mode: 'drop' });
    await harness.control('PUT', '/_sandbox/delivery', { mode: 'normal' });
    await paySession('4242424242424242');
    await flush();
    expect(receivedTypes()).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);
  });

  it('rejects an unknown delivery mode', async () => {
    const response = await harness.control('PUT', '/_sandbox/delivery', { mode: 'shuffle' });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('normal, duplicate, reverse, drop');
  });

  it('signs live mode without v0', async () => {
    const live = await harness.createAccount('live');
    const liveStripe = harness.client(live.secretKey);
    const endpoint = await liveStripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['*'],
    });
    const session = await liveStripe.checkout.sessions.create(sessionParams());
    await harness.control('POST', `/_sandbox/checkout/sessions/${session.id}/pay`, {
      card: '4242424242424242',
    });
    await flush();
    expect(receiver.requests).toHaveLength(4);
    for (const request of receiver.requests) {
      const signature = request.headers['stripe-signature'] as string;
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      const event = liveStripe.webhooks.constructEvent(
        request.rawBody,
        signature,
        endpoint.secret as string,
      );
      expect(event.livemode).toBe(true);
    }
  });
});
