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
 * Reads the envelope of a parsed event body. Throws InvalidInputError when
 * `id`, `type` or `data.object` is missing, with a message for the person
 * reading the delivery log in the Stripe Dashboard.
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
  if (typeof id !== 'string' || id.length === 0 || id.length > 255) missing.push('id');
  if (typeof type !== 'string' || type.length === 0 || type.length > 255) missing.push('type');
  if (!object || typeof object !== 'object' || Array.isArray(object)) {
    missing.push('data.object');
  }
  if (missing.length > 0) {
    throw new InvalidInputError(
      'invalid_event',
      `The body is not a Stripe event: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing or invalid. This URL only takes webhook deliveries from Stripe.`,
    );
  }
  const created = typeof body.created === 'number' ? body.created : 0;
  return {
    id: id as string,
    type: type as string,
    created,
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
  const code = typeof error.code === 'string' ? error.code : undefined;
  const type = typeof error.type === 'string' ? error.type : undefined;
  const message = typeof error.message === 'string' ? error.message : '';
  if (!code && !type) return undefined;
  return {
    code: code ?? type ?? 'payment_failed',
    ...(typeof error.decline_code === 'string' && { declineCode: error.decline_code }),
    message,
  };
}
