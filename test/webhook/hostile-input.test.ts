import fc from 'fast-check';

import type { Payment } from '../../functions/core/payment';
import type { HttpEvent } from '../../functions/shared/http';
import type { Services } from '../../functions/shared/services';
import { createWebhookHandler } from '../../functions/webhook/handler';
import { StageHarness } from '../helpers/local-stage';
import { pendingPayment } from '../helpers/services';
import {
  gatewayEvent,
  newCredentials,
  newPaymentIntentId,
  paymentIntentEvent,
  replyBody,
  rolledSignatureHeader,
  signatureHeader,
  signedDelivery,
} from '../helpers/webhook-delivery';

let harness: StageHarness;
let services: Services;
let handler: ReturnType<typeof createWebhookHandler>;

const shop = { merchantId: 'hostile-shop', ...newCredentials() };
const otherShop = { merchantId: 'hostile-other', ...newCredentials() };
const secret = shop.webhookSecret as string;
const otherSecret = otherShop.webhookSecret as string;

beforeAll(async () => {
  harness = await StageHarness.start();
  services = harness.stage.services;
  handler = createWebhookHandler(() => services);
  await harness.installMerchant(shop.merchantId, { webhookSecret: secret });
  await harness.installMerchant(otherShop.merchantId, { webhookSecret: otherSecret });
});

afterAll(async () => {
  await harness?.stop();
});

async function storedPayment(overrides: Partial<Payment> = {}): Promise<Payment> {
  const payment = pendingPayment({ merchantId: shop.merchantId, ...overrides });
  await services.payments.createIfAbsent(payment, new Date().toISOString());
  return payment;
}

/** Builds a succeeded event for the payment, as its merchant's account sends it. */
function eventFor(payment: Payment, overrides: Partial<Parameters<typeof paymentIntentEvent>[0]> = {}) {
  return paymentIntentEvent({
    type: 'payment_intent.succeeded',
    paymentIntentId: payment.paymentIntentId ?? newPaymentIntentId(),
    paymentId: payment.paymentId,
    merchantId: payment.merchantId,
    amount: payment.amount,
    currency: payment.currency,
    ...overrides,
  });
}

function signedRaw(body: string, options: { base64?: boolean } = {}): HttpEvent {
  return gatewayEvent(body, {
    headers: { 'stripe-signature': signatureHeader(body, secret) },
    base64: options.base64,
  });
}

interface RejectionCase {
  name: string;
  build(): Promise<{ request: HttpEvent; payment?: Payment }>;
  status: number;
  code: string;
  /** Words the message must contain, so the reader learns what is wrong. */
  messageContains: string;
}

const oneMegabyte = 1024 * 1024;

const rejections: RejectionCase[] = [
  {
    name: 'invalid JSON',
    build: async () => ({ request: signedRaw('{"id": "evt_1",') }),
    status: 400,
    code: 'invalid_json',
    messageContains: 'not valid JSON',
  },
  ...['[]', '"event"', '42', 'null', 'true'].map((body) => ({
    name: `JSON ${body} that is not an object`,
    build: async () => ({ request: signedRaw(body) }),
    status: 400,
    code: 'invalid_json',
    messageContains: 'must be a JSON object',
  })),
  ...(['id', 'type', 'data'] as const).map((field) => ({
    name: `an event without ${field}`,
    build: async () => {
      const event = eventFor(await storedPayment());
      delete event[field];
      return { request: signedRaw(JSON.stringify(event)) };
    },
    status: 400,
    code: 'invalid_event',
    messageContains: `${field === 'data' ? 'data.object' : field} is missing or invalid`,
  })),
  {
    name: 'an event without data.object',
    build: async () => {
      const event = eventFor(await storedPayment());
      event.data = { previous_attributes: {} };
      return { request: signedRaw(JSON.stringify(event)) };
    },
    status: 400,
    code: 'invalid_event',
    messageContains: 'data.object is missing or invalid',
  },
  {
    name: 'an id that is no event id',
    build: async () => {
      const event = eventFor(await storedPayment(), { eventId: 'evt_\ud800/../x' });
      return { request: signedRaw(JSON.stringify(event)) };
    },
    status: 400,
    code: 'invalid_event',
    messageContains: 'id is missing or invalid',
  },
  {
    name: 'a created time that is no Unix time',
    build: async () => {
      const event = eventFor(await storedPayment());
      return { request: signedRaw(JSON.stringify(event).replace(/"created":\d+/, '"created":1e400')) };
    },
    status: 400,
    code: 'invalid_event',
    messageContains: 'created is missing or invalid',
  },
  {
    name: 'a body over 1 MB',
    build: async () => ({ request: signedRaw(`{"padding":"${'x'.repeat(oneMegabyte)}"}`) }),
    status: 413,
    code: 'payload_too_large',
    messageContains: 'larger than 1 MB',
  },
  {
    name: 'a base64 body over 1 MB',
    build: async () => ({
      request: signedRaw(`{"padding":"${'x'.repeat(oneMegabyte)}"}`, { base64: true }),
    }),
    status: 413,
    code: 'payload_too_large',
    messageContains: 'larger than 1 MB',
  },
  {
    name: 'a body re-serialized after signing',
    build: async () => {
      const payment = await storedPayment();
      const signed = JSON.stringify(eventFor(payment), null, 2);
      const request = gatewayEvent(JSON.stringify(JSON.parse(signed)), {
        headers: { 'stripe-signature': signatureHeader(signed, secret) },
      });
      return { request, payment };
    },
    status: 400,
    code: 'invalid_signature',
    messageContains: 'does not match the signing secret',
  },
  {
    name: 'an expired timestamp',
    build: async () => {
      const payment = await storedPayment();
      const request = signedDelivery(eventFor(payment), secret, {
        timestamp: Math.floor(Date.now() / 1000) - 301,
      });
      return { request, payment };
    },
    status: 400,
    code: 'invalid_signature',
    messageContains: 'older than 5 minutes',
  },
  {
    name: 'a wrong secret',
    build: async () => {
      const payment = await storedPayment();
      return { request: signedDelivery(eventFor(payment), newCredentials().webhookSecret as string), payment };
    },
    status: 400,
    code: 'invalid_signature',
    messageContains: 'does not match the signing secret',
  },
  {
    name: 'no Stripe-Signature header',
    build: async () => {
      const payment = await storedPayment();
      return { request: gatewayEvent(JSON.stringify(eventFor(payment))), payment };
    },
    status: 400,
    code: 'invalid_signature',
    messageContains: 'Stripe-Signature header is missing',
  },
  ...([
    ['an unknown provider', { provider: 'PAYPAL' }],
    ['a missing provider', {}],
  ] as [string, Record<string, string>][]).map(([name, query]) => ({
    name,
    build: async () => {
      const payment = await storedPayment();
      const body = JSON.stringify(eventFor(payment));
      const request = gatewayEvent(body, {
        query,
        headers: { 'stripe-signature': signatureHeader(body, secret) },
      });
      return { request, payment };
    },
    status: 404,
    code: 'unknown_provider',
    messageContains: '?provider=STRIPE',
  })),
  {
    name: 'an invalid merchant parameter',
    build: async () => {
      const payment = await storedPayment();
      const body = JSON.stringify(eventFor(payment));
      const request = gatewayEvent(body, {
        query: { provider: 'STRIPE', merchant: '../hostile-shop' },
        headers: { 'stripe-signature': signatureHeader(body, secret) },
      });
      return { request, payment };
    },
    status: 400,
    code: 'invalid_merchant_id',
    messageContains: 'merchant parameter',
  },
  {
    name: "another merchant's secret",
    build: async () => {
      const payment = await storedPayment();
      return { request: signedDelivery(eventFor(payment), otherSecret), payment };
    },
    status: 400,
    code: 'invalid_signature',
    messageContains: 'does not match the signing secret',
  },
  {
    name: "another merchant's secret and URL",
    build: async () => {
      const payment = await storedPayment();
      const request = signedDelivery(eventFor(payment), otherSecret, { merchant: otherShop.merchantId });
      return { request, payment };
    },
    status: 400,
    code: 'merchant_mismatch',
    messageContains: 'belongs to another merchant',
  },
  {
    name: 'a PaymentIntent other than the linked one',
    build: async () => {
      const payment = await storedPayment({ paymentIntentId: newPaymentIntentId() });
      const request = signedDelivery(eventFor(payment, { paymentIntentId: newPaymentIntentId() }), secret);
      return { request, payment };
    },
    status: 400,
    code: 'payment_intent_mismatch',
    messageContains: `belongs to PaymentIntent`,
  },
  {
    name: "a PaymentIntent of another payment",
    build: async () => {
      const first = await storedPayment();
      const paymentIntentId = newPaymentIntentId();
      await handler(signedDelivery(eventFor(first, { paymentIntentId, type: 'payment_intent.requires_action' }), secret));
      const payment = await storedPayment();
      return { request: signedDelivery(eventFor(payment, { paymentIntentId }), secret), payment };
    },
    status: 400,
    code: 'payment_intent_mismatch',
    messageContains: 'belongs to another payment',
  },
  {
    name: 'a PaymentIntent naming another merchant',
    build: async () => {
      const payment = await storedPayment();
      const event = eventFor(payment, { merchantId: otherShop.merchantId });
      return { request: signedDelivery(event, secret), payment };
    },
    status: 400,
    code: 'merchant_mismatch',
    messageContains: 'names another merchant',
  },
];

describe('webhook rejects hostile input', () => {
  it.each(rejections.map((item) => [item.name, item] as const))('rejects %s', async (_name, item) => {
    const { request, payment } = await item.build();

    const reply = await handler(request);

    const body = replyBody(reply);
    const error = body.error as { code: string; message: string };
    expect(reply.statusCode).toBe(item.status);
    expect(error.code).toBe(item.code);
    expect(error.message).toContain(item.messageContains);
    if (payment) {
      const stored = await services.payments.get(payment.paymentId);
      expect(stored?.status).toBe(payment.status);
      expect(stored?.version).toBe(payment.version);
    }
  });

  it('records an event of the other mode', async () => {
    const payment = await storedPayment();
    const before = await harness.api<{ rejectedDeliveries: Record<string, number> }>(
      `/merchants/${shop.merchantId}/stripe`,
    );

    const reply = await handler(signedDelivery(eventFor(payment, { livemode: true }), secret));

    const after = await harness.api<{ rejectedDeliveries: Record<string, number> }>(
      `/merchants/${shop.merchantId}/stripe`,
    );
    const error = replyBody(reply).error as { code: string; message: string };
    expect(reply.statusCode).toBe(400);
    expect(error.code).toBe('mode_mismatch');
    expect(error.message).toContain('live-mode event was sent to the');
    expect(after.body.rejectedDeliveries.mode_mismatch).toBe(
      (before.body.rejectedDeliveries.mode_mismatch ?? 0) + 1,
    );
    expect((await services.payments.get(payment.paymentId))?.status).toBe('pending');
  });
});

describe('webhook accepts what Stripe sends', () => {
  it('decodes a base64 body', async () => {
    const payment = await storedPayment();

    const reply = await handler(signedDelivery(eventFor(payment), secret, { base64: true }));

    expect(reply.statusCode).toBe(200);
    expect(replyBody(reply)).toEqual({ received: true, paymentId: payment.paymentId, status: 'succeeded' });
  });

  it('accepts a rolled secret pair', async () => {
    const payment = await storedPayment();
    const body = JSON.stringify(eventFor(payment));
    const header = rolledSignatureHeader(body, [newCredentials().webhookSecret as string, secret]);

    const reply = await handler(gatewayEvent(body, { headers: { 'stripe-signature': header } }));

    expect(reply.statusCode).toBe(200);
    expect(replyBody(reply).status).toBe('succeeded');
  });

  it.each([
    ['amount', { amount: 2499 }],
    ['currency', { currency: 'eur' }],
  ])('sends another %s to review', async (_field, overrides) => {
    const payment = await storedPayment({ amount: 2500, currency: 'usd' });

    const reply = await handler(signedDelivery(eventFor(payment, overrides), secret));

    expect(reply.statusCode).toBe(200);
    expect(replyBody(reply).status).toBe('needs_review');
    expect((await services.payments.get(payment.paymentId))?.status).toBe('needs_review');
  });

  it.each([
    'payment_intent.created',
    'payment_intent.canceled',
    'charge.succeeded',
    'checkout.session.completed',
  ])('ignores the type %s', async (type) => {
    const payment = await storedPayment();

    const reply = await handler(signedDelivery(eventFor(payment, { type }), secret));

    expect(reply.statusCode).toBe(200);
    expect(replyBody(reply).ignored).toContain(type);
    expect((await services.payments.get(payment.paymentId))?.version).toBe(1);
  });

  it('bounds an oversized error message', async () => {
    const payment = await storedPayment();
    const event = eventFor(payment, {
      type: 'payment_intent.payment_failed',
      lastPaymentError: { code: 'card_declined', message: 'x'.repeat(500_000) },
    });

    const reply = await handler(signedDelivery(event, secret));

    const stored = await services.payments.get(payment.paymentId);
    expect(reply.statusCode).toBe(200);
    expect(stored?.status).toBe('failed');
    expect(stored?.lastError?.message).toHaveLength(1000);
  });

  it('ignores an object it did not create', async () => {
    const event = paymentIntentEvent({
      type: 'payment_intent.succeeded',
      paymentIntentId: newPaymentIntentId(),
      amount: 999,
      currency: 'usd',
    });

    const reply = await handler(signedDelivery(event, secret));

    expect(reply.statusCode).toBe(200);
    expect(replyBody(reply).ignored).toContain('not created by chat-payments');
  });
});

// Values that reach every branch: valid and broken pieces of real events,
// lone UTF-16 surrogates, numbers JSON cannot hold, and large strings.
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)) }),
  fc.constantFrom('evt_1', 'pi_3', 'pay_', '', ' ', '\u0000', 'x'.repeat(300), 'x'.repeat(500_000)),
);

// JSON.stringify cannot write a number JSON.parse reads as Infinity, so the
// mutated event carries this marker in its place, replaced in the text.
const INFINITY_MARKER = '"@infinity@"';

const hostileNumber = fc.constantFrom<unknown>(
  -1,
  0,
  1.5,
  1e300,
  Number.MAX_SAFE_INTEGER + 2,
  JSON.parse(INFINITY_MARKER),
  '1700000000',
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(hostileString, hostileNumber, fc.jsonValue({ maxDepth: 2 }));

/** What each field of an event may be replaced with. */
const FIELD_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  id: hostileValue,
  type: hostileValue,
  created: hostileNumber,
  livemode: hostileValue,
  data: hostileValue,
  'object.id': hostileValue,
  'object.amount': hostileNumber,
  'object.currency': hostileValue,
  'object.metadata': hostileValue,
  'object.object': hostileValue,
  'object.last_payment_error': fc.oneof(
    { weight: 1, arbitrary: hostileValue },
    {
      weight: 3,
      arbitrary: fc.record({
      code: hostileString,
      decline_code: hostileString,
        message: fc.oneof(hostileString, fc.constant('x'.repeat(500_000))),
      }),
    },
  ),
  'metadata.jelou_payment_id': hostileValue,
  'metadata.jelou_merchant_id': hostileValue,
};

const replacement = fc
  .constantFrom(...Object.keys(FIELD_VALUES))
  .chain((path) => FIELD_VALUES[path].map((value) => [path, value] as const));

const mutation = fc.record({
  type: fc.constantFrom('payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.requires_action'),
  replacements: fc.array(replacement, { minLength: 1, maxLength: 2 }),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

interface FuzzInput {
  body: string | Mutation;
  signature: 'valid' | 'other' | 'none' | 'garbage';
  garbage: string;
  provider?: string;
  merchant?: string;
  base64: boolean;
}

// Most inputs are signed events for a fresh payment with one or two fields
// replaced, because those reach the deep paths. The others combine any
// headers and query with such events or with bodies that are no events.
const fuzzInput: fc.Arbitrary<FuzzInput> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      body: mutation,
      signature: fc.constant('valid' as const),
      garbage: fc.constant(''),
      provider: fc.constant('STRIPE'),
      base64: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      body: fc.oneof(mutation, hostileString, fc.json({ maxDepth: 3 })),
      signature: fc.constantFrom('valid' as const, 'other' as const, 'none' as const, 'garbage' as const),
      garbage: hostileString,
      provider: fc.constantFrom('STRIPE', 'stripe', 'PAYPAL', undefined),
      merchant: fc.constantFrom(undefined, shop.merchantId, otherShop.merchantId, 'nobody', '../x'),
      base64: fc.boolean(),
    }),
  },
);

describe('webhook fuzzing', () => {
  it('never returns 5xx or throws', async () => {
    const property = fc.asyncProperty(fuzzInput, async (fuzz) => {
      const body = typeof fuzz.body === 'string' ? fuzz.body : mutatedEvent(await storedPayment(), fuzz.body);
      const reply = await handler(requestFor(body, fuzz));
      if ((reply.statusCode ?? 500) >= 500) {
        throw new Error(`returned ${reply.statusCode}: ${(reply.body ?? '').slice(0, 300)}`);
      }
    });

    const result = await fc.check(property, { numRuns: Number(process.env.FUZZ_RUNS ?? 300) });

    expect(result.failed ? `${fc.defaultReportMessage(result)}\n${String(result.errorInstance)}` : 'passed').toBe('passed');
  }, 300_000);
});

function mutatedEvent(payment: Payment, mutation: Mutation): string {
  const event = eventFor(payment, { type: mutation.type });
  const object = (event.data as { object: Record<string, unknown> }).object;
  const metadata = object.metadata as Record<string, unknown>;
  for (const [path, value] of mutation.replacements) {
    if (path.startsWith('object.')) object[path.slice('object.'.length)] = value;
    else if (path.startsWith('metadata.')) metadata[path.slice('metadata.'.length)] = value;
    else event[path] = value;
  }
  return JSON.stringify(event).replaceAll(INFINITY_MARKER, '1e400');
}

function requestFor(body: string, fuzz: FuzzInput): HttpEvent {
  const headers: Record<string, string> = {};
  if (fuzz.signature === 'valid') headers['stripe-signature'] = signatureHeader(body, secret);
  if (fuzz.signature === 'other') headers['stripe-signature'] = signatureHeader(body, otherSecret);
  if (fuzz.signature === 'garbage') headers['stripe-signature'] = fuzz.garbage;
  const query: Record<string, string> = {};
  if (fuzz.provider) query.provider = fuzz.provider;
  if (fuzz.merchant) query.merchant = fuzz.merchant;
  return gatewayEvent(body, { headers, query, base64: fuzz.base64 });
}
