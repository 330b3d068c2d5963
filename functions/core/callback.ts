import { createHmac, timingSafeEqual } from 'node:crypto';

import type { Payment, PaymentError } from './payment';
import type { PaymentStatus } from './payment-state';

/** Body of a flow callback, sent once per status change. */
export interface StatusChangedCallback {
  type: 'payment.status_changed';
  paymentId: string;
  status: PaymentStatus;
  previousStatus: PaymentStatus;
  reference: string;
  merchantId: string;
  amount: number;
  currency: string;
  lastError?: PaymentError;
  occurredAt: string;
}

/** A callback to deliver, as queued between attempts. */
export interface CallbackMessage {
  url: string;
  /** `paymentId:version`: receivers drop repeats with it. */
  idempotencyKey: string;
  payload: StatusChangedCallback;
  /** Number of attempts made so far. */
  attempts: number;
}

/**
 * Builds the callback for a change between two stored versions of a
 * payment, or undefined when the status did not change or the payment has
 * no callback URL.
 */
export function callbackForChange(
  before: Payment | undefined,
  after: Payment,
): CallbackMessage | undefined {
  if (!after.callbackUrl) return undefined;
  if (!before || before.status === after.status) return undefined;
  if (after.version <= before.version) return undefined;
  const entry = after.history.at(-1);
  return {
    url: after.callbackUrl,
    idempotencyKey: `${after.paymentId}:${after.version}`,
    attempts: 0,
    payload: {
      type: 'payment.status_changed',
      paymentId: after.paymentId,
      status: after.status,
      previousStatus: before.status,
      reference: after.reference,
      merchantId: after.merchantId,
      amount: after.amount,
      currency: after.currency,
      ...(after.lastError && { lastError: after.lastError }),
      occurredAt: entry?.at ?? after.updatedAt,
    },
  };
}

/**
 * Computes the `Chat-Payments-Signature` header: `t=<unix seconds>,v1=<hex
 * HMAC-SHA256 of "t.body">`, the scheme Stripe uses for its webhooks.
 */
export function signCallback(body: string, secret: string, timestamp: number): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

/**
 * Verifies a `Chat-Payments-Signature` header as a flow receiver should:
 * any `v1` may match, and the timestamp must be within the tolerance.
 */
export function verifyCallbackSignature(
  body: string,
  header: string,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamp = Number(parts.find(([name]) => name === 't')?.[1]);
  if (!Number.isInteger(timestamp)) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(
    createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'),
  );
  return parts
    .filter(([name]) => name === 'v1')
    .some(([, value]) => {
      const candidate = Buffer.from(value ?? '');
      return candidate.length === expected.length && timingSafeEqual(candidate, expected);
    });
}
