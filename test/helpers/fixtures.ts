import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Folder of real Stripe payloads from public sources, kept outside the
 * repository. STRIPE_FIXTURES_DIR overrides the default `../shared/fixtures`.
 */
export const FIXTURES_DIR = resolve(
  process.env.STRIPE_FIXTURES_DIR ?? join(__dirname, '..', '..', '..', 'shared', 'fixtures'),
);

export const fixturesAvailable = existsSync(FIXTURES_DIR);

if (!fixturesAvailable) {
  process.stderr.write(
    `Stripe fixture tests are skipped: ${FIXTURES_DIR} does not exist. Set STRIPE_FIXTURES_DIR to the folder of fixture payloads to run them.\n`,
  );
}

/** What the service should do with a fixture once it names a payment. */
export interface FixtureCase {
  file: string;
  expectedStatus?: string;
  expectedErrorCode?: string;
  ignored: boolean;
}

// Expected handling of each delivery fixture, from the fixtures' SOURCES.md.
const EXPECTED: Record<string, Omit<FixtureCase, 'file'>> = {
  'lago-payment_intent.succeeded-1.json': { expectedStatus: 'succeeded', ignored: false },
  'lago-payment_intent.succeeded-2.json': { expectedStatus: 'succeeded', ignored: false },
  'lago-payment_intent.payment_failed-1.json': {
    expectedStatus: 'failed',
    expectedErrorCode: 'authentication_required',
    ignored: false,
  },
  'phplog-payment_intent.payment_failed-1.json': {
    expectedStatus: 'failed',
    expectedErrorCode: 'authentication_required',
    ignored: false,
  },
  'phplog-payment_intent.requires_action-1.json': { expectedStatus: 'requires_action', ignored: false },
  'lago-payment_intent.canceled-1.json': { ignored: true },
  'openapi-payment_intent.created-1.json': { ignored: true },
  'zulip-charge.failed-1.json': { ignored: true },
  'braze-charge.succeeded-1.json': { ignored: true },
  'djstripe-account.application.deauthorized-1.json': { ignored: true },
  'lambdaurl-checkout.session.completed-1.json': { ignored: true },
  'pay-checkout.session.completed-1.json': { ignored: true },
};

export function fixtureCases(): FixtureCase[] {
  if (!fixturesAvailable) return [];
  const present = new Set(readdirSync(FIXTURES_DIR));
  return Object.entries(EXPECTED)
    .filter(([file]) => present.has(file))
    .map(([file, expected]) => ({ file, ...expected }));
}

/**
 * Reads a fixture as a Stripe event. Fixtures that hold a whole HTTP or
 * Lambda delivery have the event in their body; fixtures of `data` only
 * get an envelope.
 */
export function readFixtureEvent(file: string): Record<string, unknown> {
  const raw = JSON.parse(readFileSync(join(FIXTURES_DIR, file), 'utf8')) as Record<string, unknown>;
  const wrapped = raw.body ?? raw.payload;
  if (typeof wrapped === 'string') return JSON.parse(wrapped) as Record<string, unknown>;
  if (wrapped && typeof wrapped === 'object') return wrapped as Record<string, unknown>;
  if (raw.object === 'event' || typeof raw.type === 'string') return raw;
  if (raw.data || (raw.object && typeof raw.object === 'object')) {
    return {
      id: `evt_fixture_${file.replace(/\W/g, '_')}`,
      object: 'event',
      type: file.split('-')[1],
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: raw.data ?? { object: raw.object },
    };
  }
  return raw;
}

/**
 * Points a fixture event at one of our payments: the metadata names it,
 * amount and currency match, and the mode is the stage's.
 */
export function aimAtPayment(
  event: Record<string, unknown>,
  payment: { paymentId: string; merchantId: string; amount: number; currency: string },
  options: { eventId: string; created: number; paymentIntentId?: string },
): Record<string, unknown> {
  const copy = structuredClone(event);
  copy.id = options.eventId;
  copy.created = options.created;
  copy.livemode = false;
  const data = (copy.data ?? {}) as Record<string, unknown>;
  const object = (data.object ?? {}) as Record<string, unknown>;
  object.metadata = {
    ...((object.metadata as Record<string, unknown>) ?? {}),
    jelou_payment_id: payment.paymentId,
    jelou_merchant_id: payment.merchantId,
  };
  object.livemode = false;
  if (object.object === 'payment_intent') {
    object.id = options.paymentIntentId ?? `pi_fixture_${payment.paymentId.slice(4)}`;
  }
  if (object.object === 'payment_intent' || object.object === 'checkout.session') {
    if ('amount' in object || object.object === 'payment_intent') object.amount = payment.amount;
    object.currency = payment.currency;
  }
  data.object = object;
  copy.data = data;
  return copy;
}
