import type { ChangeSource, PaymentStatus } from './payment-state';

export interface PaymentError {
  code: string;
  declineCode?: string;
  message: string;
}

export interface HistoryEntry {
  status: PaymentStatus;
  /** ISO 8601 time at which the service recorded the change. */
  at: string;
  source: ChangeSource;
  eventId?: string;
}

/** A payment as stored, one per Checkout Session. */
export interface Payment {
  paymentId: string;
  merchantId: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  description: string;
  reference: string;
  url: string;
  checkoutSessionId: string;
  paymentIntentId?: string;
  callbackUrl?: string;
  customerEmail?: string;
  lastError?: PaymentError;
  history: HistoryEntry[];
  /** Starts at 1 and grows by one with every status change. */
  version: number;
  /** Unix seconds of the last observation applied (event `created` or read). */
  lastEventCreated?: number;
  /** ISO 8601 time at which the Checkout Session expires. */
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
}

/** Builds the body of `GET /payments/{id}` from a stored payment. */
export function toPaymentView(payment: Payment): Record<string, unknown> {
  return {
    paymentId: payment.paymentId,
    merchantId: payment.merchantId,
    status: payment.status,
    amount: payment.amount,
    currency: payment.currency,
    description: payment.description,
    reference: payment.reference,
    url: payment.url,
    checkoutSessionId: payment.checkoutSessionId,
    paymentIntentId: payment.paymentIntentId,
    lastError: payment.lastError,
    history: payment.history,
    expiresAt: payment.expiresAt,
    createdAt: payment.createdAt,
    updatedAt: payment.updatedAt,
  };
}

/** The PaymentIntent fields this service reads, from an event or the API. */
export interface PaymentIntentSnapshot {
  id: string;
  status: string;
  amount: number;
  currency: string;
  metadata: Record<string, string>;
  lastPaymentError?: PaymentError;
}

export type MatchProblem =
  | { code: 'merchant_mismatch'; message: string }
  | { code: 'payment_intent_mismatch'; message: string };

/**
 * Checks that a PaymentIntent belongs to the payment. Returns a problem
 * when it names another merchant, or is another PaymentIntent than the one
 * the payment already has. Amount and currency are checked separately,
 * because a mismatch there sends the payment to review instead.
 */
export function findMatchProblem(
  payment: Payment,
  intent: PaymentIntentSnapshot,
): MatchProblem | undefined {
  const merchant = intent.metadata.jelou_merchant_id;
  if (merchant !== undefined && merchant !== payment.merchantId) {
    return {
      code: 'merchant_mismatch',
      message: `The PaymentIntent ${intent.id} names another merchant than payment ${payment.paymentId}; the event was not applied.`,
    };
  }
  if (payment.paymentIntentId && payment.paymentIntentId !== intent.id) {
    return {
      code: 'payment_intent_mismatch',
      message: `Payment ${payment.paymentId} belongs to PaymentIntent ${payment.paymentIntentId}, not ${intent.id}; the event was not applied.`,
    };
  }
  return undefined;
}

/** Returns true when the PaymentIntent charges what the payment asked. */
export function amountMatches(
  payment: Payment,
  intent: PaymentIntentSnapshot,
): boolean {
  return (
    intent.amount === payment.amount &&
    intent.currency.toLowerCase() === payment.currency
  );
}
