import { InvalidInputError } from '../core/errors';
import type { PaymentError, PaymentIntentSnapshot } from '../core/payment';

/** The envelope fields of a Stripe event that routing needs. */
export interface StripeEventEnvelope {
  id: string;
  type: string;
  created: number;
  livemode: boolean | undefined;
  object: Record<string, unknown>;
}

/**
 * Stripe event ids: `evt_` and letters, digits or underscores. Checking the
 * shape keeps unusable ids (such as lone UTF-16 surrogates, which cannot be
 * URL-encoded for the event retrieval) from reaching DynamoDB or Stripe.
 */
const EVENT_ID = /^evt_[A-Za-z0-9_]{1,251}$/;

/** Stripe ids of PaymentIntents: `pi_` and letters, digits or underscores. */
export const PAYMENT_INTENT_ID = /^pi_[A-Za-z0-9_]{1,252}$/;

/** Maximum lengths, in UTF-16 code units, kept from a PaymentIntent's last error. */
const MAX_ERROR_CODE_CHARS = 100;
const MAX_ERROR_MESSAGE_CHARS = 1000;

/**
 * Reads the envelope of a parsed event body. Throws InvalidInputError when
 * `id`, `type` or `data.object` is missing or invalid, or `created` is not
 * a Unix time, with a message for the person reading the delivery log in
 * the Stripe Dashboard. A missing `created` reads as 0, the oldest time.
 */
export function readEnvelope(body: Record<string, unknown>): StripeEventEnvelope {
  const missing: string[] = [];
  const id = body.id;
  const type = body.type;
  const data = body.data;
  const object =
    data && typeof data === 'object' && !Array.isArray(data)
      ? (data as Record<string, unknown>).object
      : undefined;

  if (typeof id !== 'string' || !EVENT_ID.test(id)) missing.push('id');
  if (typeof type !== 'string' || type.length === 0 || type.length > 255) missing.push('type');
  if (!object || typeof object !== 'object' || Array.isArray(object)) {
    missing.push('data.object');
  }

  const created = body.created ?? 0;
  if (typeof created !== 'number' || !Number.isSafeInteger(created) || created < 0) {
    missing.push('created');
  }

  if (missing.length > 0) {
    throw new InvalidInputError(
      'invalid_event',
      `The body is not a Stripe event: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing or invalid. This URL only takes webhook deliveries from Stripe.`,
    );
  }

  return {
    id: id as string,
    type: type as string,
    created: created as number,
    livemode: typeof body.livemode === 'boolean' ? body.livemode : undefined,
    object: object as Record<string, unknown>,
  };
}

/** Reads the PaymentIntent fields this service uses, or undefined. */
export function readPaymentIntent(
  object: Record<string, unknown>,
): PaymentIntentSnapshot | undefined {
  if (object.object !== 'payment_intent') return undefined;
  const { id, status, amount, currency } = object;
  if (
    typeof id !== 'string' ||
    !PAYMENT_INTENT_ID.test(id) ||
    typeof status !== 'string' ||
    typeof amount !== 'number' ||
    typeof currency !== 'string'
  ) {
    return undefined;
  }
  return {
    id,
    status,
    amount,
    currency: currency.toLowerCase(),
    metadata: readMetadata(object.metadata),
    lastPaymentError: readPaymentError(object.last_payment_error),
  };
}

function readMetadata(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const metadata: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'string') metadata[key] = entry;
  }
  return metadata;
}

function readPaymentError(value: unknown): PaymentError | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const error = value as Record<string, unknown>;
  const code = shortString(error.code, MAX_ERROR_CODE_CHARS);
  const type = shortString(error.type, MAX_ERROR_CODE_CHARS);
  const declineCode = shortString(error.decline_code, MAX_ERROR_CODE_CHARS);
  const message = shortString(error.message, MAX_ERROR_MESSAGE_CHARS) ?? '';
  if (!code && !type) return undefined;
  return {
    code: code ?? type ?? 'payment_failed',
    ...(declineCode && { declineCode }),
    message,
  };
}

// The error is stored on the payment, so its size stays bounded whatever a
// signed event carries. A DynamoDB item is limited to 400 KB.
function shortString(value: unknown, maxChars: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  return value.length > maxChars ? value.slice(0, maxChars) : value;
}
