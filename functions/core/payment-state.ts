/**
 * The payment state machine. Pure: no I/O, no clock. Given a payment's
 * current state and an observation of the PaymentIntent (from a webhook, a
 * reconcile run or the api), it decides whether and how the state changes.
 */

export const PAYMENT_STATUSES = [
  'pending',
  'requires_action',
  'succeeded',
  'failed',
  'expired',
  'needs_review',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export type ChangeSource = 'webhook' | 'reconcile' | 'api';

/** Statuses that no automatic observation changes any more. */
const FINAL: ReadonlySet<PaymentStatus> = new Set(['succeeded', 'needs_review']);

/** Statuses the reconcile function still watches. */
export function isOpen(status: PaymentStatus): boolean {
  return status === 'pending' || status === 'requires_action' || status === 'failed';
}

// Allowed moves. `failed` may go back to `requires_action` or on to
// `succeeded` because the customer can retry in the same Checkout Session.
// `expired` may still become `succeeded`: when a session expires while the
// customer's payment is completing, the money was taken and that wins.
const ALLOWED: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  pending: ['requires_action', 'succeeded', 'failed', 'expired', 'needs_review'],
  requires_action: ['succeeded', 'failed', 'expired', 'needs_review'],
  failed: ['requires_action', 'succeeded', 'expired', 'needs_review'],
  expired: ['succeeded', 'needs_review'],
  succeeded: [],
  needs_review: [],
};

// Order used only to break ties between events created in the same second.
const PROGRESS: Readonly<Record<PaymentStatus, number>> = {
  pending: 0,
  requires_action: 1,
  failed: 2,
  expired: 3,
  succeeded: 4,
  needs_review: 5,
};

export interface CurrentState {
  status: PaymentStatus;
  /** `created` (Unix seconds) of the last event applied, if any. */
  lastEventCreated?: number;
}

export interface Observation {
  status: PaymentStatus;
  /**
   * When the observed state came about, in Unix seconds: the event's
   * `created`, or the time of the read for reconcile.
   */
  occurredAt: number;
}

export type Decision =
  | { apply: true; status: PaymentStatus }
  | { apply: false; reason: 'final' | 'stale' | 'unchanged' | 'not_allowed' };

/** Decides whether an observation moves the payment, and to which status. */
export function decide(current: CurrentState, observed: Observation): Decision {
  if (FINAL.has(current.status)) return { apply: false, reason: 'final' };
  if (observed.status === current.status) {
    return { apply: false, reason: 'unchanged' };
  }
  if (!ALLOWED[current.status].includes(observed.status)) {
    return { apply: false, reason: 'not_allowed' };
  }
  if (isStale(current, observed)) return { apply: false, reason: 'stale' };
  return { apply: true, status: observed.status };
}

/**
 * Returns true when an observation repeats the current status but is newer
 * than the last one applied. Storing its time keeps an event of another
 * status created in between from overwriting the status later. For
 * example, after `failed` at 1 and `failed` at 3, `requires_action` at 2
 * is stale.
 */
export function confirmsLater(current: CurrentState, observed: Observation): boolean {
  if (FINAL.has(current.status) || observed.status !== current.status) {
    return false;
  }
  const last = current.lastEventCreated;
  return last === undefined || observed.occurredAt > last;
}

// An older observation never overwrites a newer one, except that success
// and review always win: money that moved must be reported.
function isStale(current: CurrentState, observed: Observation): boolean {
  if (observed.status === 'succeeded' || observed.status === 'needs_review') {
    return false;
  }
  const last = current.lastEventCreated;
  if (last === undefined) return false;
  if (observed.occurredAt < last) return true;
  if (observed.occurredAt === last) {
    return PROGRESS[observed.status] <= PROGRESS[current.status];
  }
  return false;
}

/** Maps a PaymentIntent status to the payment status it implies. */
export function statusFromPaymentIntent(
  paymentIntentStatus: string,
  hasPaymentError: boolean,
): PaymentStatus | undefined {
  switch (paymentIntentStatus) {
    case 'succeeded':
      return 'succeeded';
    case 'requires_action':
      return 'requires_action';
    case 'requires_payment_method':
      // A new PaymentIntent also starts here, before any attempt.
      return hasPaymentError ? 'failed' : undefined;
    default:
      return undefined;
  }
}

/** Maps one of the three subscribed event types to a payment status. */
export function statusFromEventType(type: string): PaymentStatus | undefined {
  switch (type) {
    case 'payment_intent.succeeded':
      return 'succeeded';
    case 'payment_intent.requires_action':
      return 'requires_action';
    case 'payment_intent.payment_failed':
      return 'failed';
    default:
      return undefined;
  }
}

export const SUBSCRIBED_EVENT_TYPES = [
  'payment_intent.succeeded',
  'payment_intent.requires_action',
  'payment_intent.payment_failed',
] as const;
