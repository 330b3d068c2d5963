import fc from 'fast-check';

/**
 * The model of the webhook property test: random delivery schedules and
 * the state each payment must end in. The expected state is derived from
 * the payment rules directly, never through the service's state machine.
 */

export type EventKind = 'requires_action' | 'failed' | 'succeeded';

export const EVENT_TYPES: Record<EventKind, string> = {
  requires_action: 'payment_intent.requires_action',
  failed: 'payment_intent.payment_failed',
  succeeded: 'payment_intent.succeeded',
};

export interface EventPlan {
  kind: EventKind;
  /** Seconds after the schedule's base time: small, so ties are common. */
  second: number;
  /** Deliveries of this event outside any burst. */
  copies: number;
}

export type Mismatch = 'none' | 'amount' | 'currency';

export interface PaymentPlan {
  /** Index of the owning merchant. */
  merchant: number;
  /** How the PaymentIntent differs from the payment, if it does. */
  mismatch: Mismatch;
  events: EventPlan[];
}

/**
 * Deliveries that must change nothing:
 * - `signed_by_other`: names a payment but is signed with another
 *   merchant's secret (400).
 * - `routed_to_other`: the same, with the other merchant in the URL (400).
 * - `unknown_object`: a PaymentIntent this service did not create (200
 *   ignored).
 * - `other_type`: an event type outside the three (200 ignored).
 */
export type ForeignKind = 'signed_by_other' | 'routed_to_other' | 'unknown_object' | 'other_type';

export interface ForeignPlan {
  kind: ForeignKind;
  /** Index of the payment the delivery names. */
  payment: number;
}

export interface BurstPlan {
  payment: number;
  event: number;
  /** Concurrent deliveries of the one event. */
  copies: number;
}

export type OrderPlan = 'shuffled' | 'reversed' | 'created';

export interface SchedulePlan {
  payments: PaymentPlan[];
  foreign: ForeignPlan[];
  burst: BurstPlan | null;
  order: OrderPlan;
  /** Sort keys that shuffle the deliveries in `shuffled` order. */
  shuffleKeys: number[];
  /** Sizes of the groups of deliveries sent concurrently, in turn. */
  waveSizes: number[];
}

/** One item of a schedule: `copies` concurrent deliveries of one event. */
export type Delivery =
  | { kind: 'authentic'; payment: number; event: number; copies: number }
  | { kind: 'foreign'; foreign: number; copies: 1 };

export const MERCHANT_COUNT = 3;

const eventPlan: fc.Arbitrary<EventPlan> = fc.record({
  kind: fc.constantFrom<EventKind>('requires_action', 'failed', 'succeeded', 'requires_action', 'failed'),
  second: fc.integer({ min: 0, max: 3 }),
  copies: fc.integer({ min: 1, max: 3 }),
});

const paymentPlan: fc.Arbitrary<PaymentPlan> = fc.record({
  merchant: fc.integer({ min: 0, max: MERCHANT_COUNT - 1 }),
  mismatch: fc.constantFrom<Mismatch>('none', 'none', 'none', 'none', 'none', 'amount', 'currency'),
  events: fc.array(eventPlan, { minLength: 0, maxLength: 4 }),
});

/** Schedules of one to three payments with two to six distinct events. */
export const schedulePlan: fc.Arbitrary<SchedulePlan> = fc
  .record({
    payments: fc.array(paymentPlan, { minLength: 1, maxLength: 3 }),
    foreign: fc.array(
      fc.record({
        kind: fc.constantFrom<ForeignKind>('signed_by_other', 'routed_to_other', 'unknown_object', 'other_type'),
        payment: fc.nat(),
      }),
      { maxLength: 2 },
    ),
    burst: fc.oneof(
      { arbitrary: fc.constant(null), weight: 9 },
      {
        arbitrary: fc.record({
          payment: fc.nat(),
          event: fc.nat(),
          copies: fc.integer({ min: 20, max: 24 }),
        }),
        weight: 1,
      },
    ),
    order: fc.constantFrom<OrderPlan>('shuffled', 'shuffled', 'reversed', 'created'),
    shuffleKeys: fc.array(fc.nat({ max: 1000 }), { minLength: 40, maxLength: 40 }),
    waveSizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 12 }),
  })
  .filter((plan) => {
    const events = plan.payments.reduce((sum, payment) => sum + payment.events.length, 0);
    return events >= 2 && events <= 6;
  })
  .map((plan) => ({
    ...plan,
    foreign: plan.foreign.map((item) => ({ ...item, payment: item.payment % plan.payments.length })),
    burst: fitBurst(plan.burst, plan.payments),
  }));

// Points a burst at an event that exists, or drops it.
function fitBurst(burst: BurstPlan | null, payments: PaymentPlan[]): BurstPlan | null {
  if (!burst) return null;
  const withEvents = payments
    .map((payment, index) => ({ payment, index }))
    .filter((entry) => entry.payment.events.length > 0);
  const target = withEvents[burst.payment % withEvents.length];
  return {
    payment: target.index,
    event: burst.event % target.payment.events.length,
    copies: burst.copies,
  };
}

/** Lays the schedule's deliveries out in waves, each sent concurrently. */
export function deliveryWaves(plan: SchedulePlan): Delivery[][] {
  const items: { delivery: Delivery; second: number }[] = [];
  plan.payments.forEach((payment, paymentIndex) => {
    payment.events.forEach((event, eventIndex) => {
      for (let copy = 0; copy < event.copies; copy++) {
        items.push({
          delivery: { kind: 'authentic', payment: paymentIndex, event: eventIndex, copies: 1 },
          second: event.second,
        });
      }
    });
  });
  if (plan.burst) {
    const second = plan.payments[plan.burst.payment].events[plan.burst.event].second;
    items.push({
      delivery: {
        kind: 'authentic',
        payment: plan.burst.payment,
        event: plan.burst.event,
        copies: plan.burst.copies,
      },
      second,
    });
  }
  plan.foreign.forEach((_, index) => {
    items.push({ delivery: { kind: 'foreign', foreign: index, copies: 1 }, second: 0 });
  });

  let ordered: Delivery[];
  if (plan.order === 'shuffled') {
    ordered = items
      .map((item, index) => ({ item, key: plan.shuffleKeys[index % plan.shuffleKeys.length] * 100 + index }))
      .sort((a, b) => a.key - b.key)
      .map(({ item }) => item.delivery);
  } else {
    const direction = plan.order === 'reversed' ? -1 : 1;
    ordered = items
      .map((item, index) => ({ item, index }))
      .sort((a, b) => direction * (a.item.second - b.item.second) || a.index - b.index)
      .map(({ item }) => item.delivery);
  }

  const waves: Delivery[][] = [];
  let start = 0;
  for (let wave = 0; start < ordered.length; wave++) {
    const size = plan.waveSizes[wave % plan.waveSizes.length];
    waves.push(ordered.slice(start, start + size));
    start += size;
  }
  return waves;
}

// Same-second ties go to the status further along the payment, so a
// failure wins over a 3-D Secure request of the same second.
const PROGRESS: Record<Exclude<EventKind, 'succeeded'>, number> = {
  requires_action: 1,
  failed: 2,
};

export interface ExpectedState {
  status: 'pending' | 'requires_action' | 'failed' | 'succeeded' | 'needs_review';
  /** The newest failure's decline code, when the payment ends failed. */
  declineCode?: string;
}

/**
 * Returns the state the payment rules give for a set of events, whatever
 * their order. No event leaves the payment pending. A PaymentIntent of
 * another amount or currency sends it to review. Any success is final.
 * Otherwise the newest event wins, and same-second ties go to the further
 * status.
 */
export function expectedState(payment: PaymentPlan): ExpectedState {
  if (payment.events.length === 0) return { status: 'pending' };
  if (payment.mismatch !== 'none') return { status: 'needs_review' };
  if (payment.events.some((event) => event.kind === 'succeeded')) return { status: 'succeeded' };
  let newest = payment.events[0] as EventPlan & { kind: Exclude<EventKind, 'succeeded'> };
  for (const event of payment.events) {
    const kind = event.kind as Exclude<EventKind, 'succeeded'>;
    if (
      event.second > newest.second ||
      (event.second === newest.second && PROGRESS[kind] > PROGRESS[newest.kind])
    ) {
      newest = { ...event, kind };
    }
  }
  return newest.kind === 'failed'
    ? { status: 'failed', declineCode: declineCodeAt(newest.second) }
    : { status: 'requires_action' };
}

/**
 * Returns the decline code of a failure created at `second`. Failures of
 * the same second carry the same code, as two events about one change do,
 * so the stored error does not depend on which of them arrives first.
 */
export function declineCodeAt(second: number): string {
  return `test_decline_${second}`;
}
