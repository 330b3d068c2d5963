import { InvalidInputError } from './errors';

export type StripeMode = 'test' | 'live';
export type KeyType = 'standard' | 'restricted';

export interface ClassifiedKey {
  /** The key after trimming: the only form that is stored or sent. */
  key: string;
  mode: StripeMode;
  keyType: KeyType;
}

// Characters that copy and paste from web pages, PDFs and chat apps bring
// along: soft hyphen, zero-width space, non-joiner and joiner, left-to-right
// and right-to-left marks, bidirectional embeddings and isolates, word
// joiner, byte order mark. Stripe keys never contain them.
const INVISIBLE_CHARACTERS =
  /[\u00AD\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/g;
const API_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9]+$/;

/** Strips invisible characters anywhere and whitespace at both ends. */
export function cleanKey(raw: string): string {
  return raw.replace(INVISIBLE_CHARACTERS, '').trim();
}

/**
 * Classifies a pasted Stripe key. Throws InvalidInputError with code
 * `publishable_key`, `webhook_secret_not_api_key` or `invalid_key_format`;
 * its message never repeats the key.
 */
export function classifyKey(raw: string): ClassifiedKey {
  const key = cleanKey(raw);
  if (key.startsWith('pk_')) {
    throw new InvalidInputError(
      'publishable_key',
      'This is a Publishable key (pk_…), which cannot create payments. Paste the Secret key instead: in the Stripe Dashboard open Developers → API keys, reveal the Secret key (it starts with sk_) and copy it, or use a restricted key (rk_) with the permissions chat-payments needs.',
    );
  }
  if (key.startsWith('whsec_')) {
    throw new InvalidInputError(
      'webhook_secret_not_api_key',
      'This is a webhook signing secret (whsec_…), not an API key. Paste the Secret key from Developers → API keys in the Stripe Dashboard (it starts with sk_ or rk_). The signing secret is optional and goes in its own field.',
    );
  }
  const match = API_KEY.exec(key);
  if (!match) {
    throw new InvalidInputError(
      'invalid_key_format',
      'The API key is not a Stripe Secret key. Copy it again from Developers → API keys in the Stripe Dashboard: it starts with sk_test_, sk_live_, rk_test_ or rk_live_ followed by letters and digits.',
    );
  }
  return {
    key,
    keyType: match[1] === 'rk' ? 'restricted' : 'standard',
    mode: match[2] as StripeMode,
  };
}

/** Returns a hint such as `sk_test_…4242` that identifies a key safely. */
export function keyHint(key: string): string {
  const prefix = /^(sk|rk)_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}…${key.slice(-4)}`;
}

/**
 * Checks that a key's mode matches the stage. Throws `mode_mismatch` naming
 * both environments and which key each takes.
 */
export function assertKeyMode(
  key: ClassifiedKey,
  stageMode: StripeMode,
): void {
  if (key.mode === stageMode) return;
  const keyKind = key.keyType === 'restricted' ? 'rk' : 'sk';
  throw new InvalidInputError(
    'mode_mismatch',
    `This is a ${key.mode}-mode key (${keyKind}_${key.mode}_…), but this is the ${environmentName(stageMode)} environment, which takes ${stageMode}-mode keys (sk_${stageMode}_… or rk_${stageMode}_…). Install this key in the ${environmentName(key.mode)} environment instead, or copy the ${stageMode}-mode key: in the Stripe Dashboard switch to ${stageMode} mode and open Developers → API keys.`,
    { details: { keyMode: key.mode, stageMode } },
  );
}

/** Names an environment with its public host, as merchants know it. */
export function environmentName(mode: StripeMode): string {
  return mode === 'live'
    ? 'Live (chat-payments.jelou.ai)'
    : 'Test (chat-payments.jelou.dev)';
}

const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9]+$/;

/** Cleans and checks a webhook signing secret; throws on a wrong format. */
export function classifyWebhookSecret(raw: string): string {
  const secret = cleanKey(raw);
  if (!WEBHOOK_SECRET.test(secret)) {
    throw new InvalidInputError(
      'invalid_webhook_secret',
      'The webhook signing secret must start with whsec_. Copy it from Developers → Webhooks → your endpoint → Signing secret in the Stripe Dashboard, or leave it out.',
    );
  }
  return secret;
}

/**
 * Restricted-key permissions this service uses, named as the Stripe
 * Dashboard's key editor shows them, resource first and access level second.
 */
export const DASHBOARD_PERMISSIONS = {
  paymentIntentsRead: 'PaymentIntents: Read',
  checkoutSessionsRead: 'Checkout Sessions: Read',
  checkoutSessionsWrite: 'Checkout Sessions: Write',
  eventsRead: 'Events: Read',
  webhookEndpointsRead: 'Webhook Endpoints: Read',
  webhookEndpointsWrite: 'Webhook Endpoints: Write',
} as const;

// The `rak_…` names that Stripe's 403 messages use for the same permissions.
const PERMISSIONS_BY_RAK_NAME: Readonly<Record<string, string>> = {
  rak_payment_intent_read: DASHBOARD_PERMISSIONS.paymentIntentsRead,
  rak_checkout_session_read: DASHBOARD_PERMISSIONS.checkoutSessionsRead,
  rak_checkout_session_write: DASHBOARD_PERMISSIONS.checkoutSessionsWrite,
  rak_event_read: DASHBOARD_PERMISSIONS.eventsRead,
  rak_webhook_read: DASHBOARD_PERMISSIONS.webhookEndpointsRead,
  rak_webhook_write: DASHBOARD_PERMISSIONS.webhookEndpointsWrite,
};

/**
 * Returns the Dashboard name of the `rak_…` permission named in a Stripe
 * 403 message, or undefined when it names none this service uses.
 */
export function dashboardPermissionName(stripeMessage: string): string | undefined {
  const rakName = /\brak_[a-z_]+/.exec(stripeMessage)?.[0];
  return rakName === undefined ? undefined : PERMISSIONS_BY_RAK_NAME[rakName];
}
