import { InvalidInputError } from './errors';

export type StripeMode = 'test' | 'live';
export type KeyType = 'standard' | 'restricted';

export interface ClassifiedKey {
  /** The key after trimming: the only form that is stored or sent. */
  key: string;
  mode: StripeMode;
  keyType: KeyType;
}

// Characters that copy and paste from web pages and chat apps bring along:
// zero-width space, non-joiner, joiner, word joiner, byte order mark.
const INVISIBLE_CHARACTERS = /[\u200B-\u200D\u2060\uFEFF]/g;
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
      'This is a Publishable key (pk_…). Paste the Secret key instead: in the Stripe Dashboard open Developers → API keys and reveal the key that starts with sk_ (or use a restricted key, rk_).',
    );
  }
  if (key.startsWith('whsec_')) {
    throw new InvalidInputError(
      'webhook_secret_not_api_key',
      'This is a webhook signing secret (whsec_…), not an API key. Paste the Secret key from Developers → API keys (sk_… or rk_…); the signing secret goes in the webhookSecret field.',
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
    `This is a ${key.mode}-mode key (${keyKind}_${key.mode}_…) but this is the ${environmentName(stageMode)} environment, which takes ${stageMode}-mode keys (sk_${stageMode}_… or rk_${stageMode}_…). Use a ${stageMode}-mode key here, or install this key in the ${environmentName(key.mode)} environment.`,
    { details: { keyMode: key.mode, stageMode } },
  );
}

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
