import {
  decide,
  PAYMENT_STATUSES,
  type PaymentStatus,
  statusFromEventType,
  statusFromPaymentIntent,
} from '../../functions/core/payment-state';

const ALLOWED: [PaymentStatus, PaymentStatus][] = [
  ['pending', 'requires_action'],
  ['pending', 'succeeded'],
  ['pending', 'failed'],
  ['pending', 'expired'],
  ['pending', 'needs_review'],
  ['requires_action', 'succeeded'],
  ['requires_action', 'failed'],
  ['requires_action', 'expired'],
  ['requires_action', 'needs_review'],
  ['failed', 'requires_action'],
  ['failed', 'succeeded'],
  ['failed', 'expired'],
  ['failed', 'needs_review'],
  ['expired', 'succeeded'],
  ['expired', 'needs_review'],
];

const isAllowed = (from: PaymentStatus, to: PaymentStatus) =>
  ALLOWED.some(([a, b]) => a === from && b === to);

describe('decide', () => {
  describe('transition table', () => {
    const cases = PAYMENT_STATUSES.flatMap((from) =>
      PAYMENT_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const),
    );

    it.each(cases)('%s to %s follows the table', (from, to) => {
      const decision = decide({ status: from, lastEventCreated: 100 }, { status: to, occurredAt: 200 });

      expect(decision.apply).toBe(isAllowed(from, to));
    });
  });

  it.each(PAYMENT_STATUSES)('keeps succeeded against %s', (to) => {
    const decision = decide({ status: 'succeeded', lastEventCreated: 100 }, { status: to, occurredAt: 999 });

    expect(decision).toEqual({ apply: false, reason: 'final' });
  });

  it('ignores an older event', () => {
    const decision = decide(
      { status: 'requires_action', lastEventCreated: 200 },
      { status: 'failed', occurredAt: 199 },
    );

    expect(decision).toEqual({ apply: false, reason: 'stale' });
  });

  it('ignores an older retry after failure', () => {
    const decision = decide(
      { status: 'failed', lastEventCreated: 300 },
      { status: 'requires_action', occurredAt: 250 },
    );

    expect(decision).toEqual({ apply: false, reason: 'stale' });
  });

  it('applies an older success', () => {
    const decision = decide(
      { status: 'failed', lastEventCreated: 300 },
      { status: 'succeeded', occurredAt: 100 },
    );

    expect(decision).toEqual({ apply: true, status: 'succeeded' });
  });

  it('breaks same-second ties by progress', () => {
    const forward = decide(
      { status: 'requires_action', lastEventCreated: 100 },
      { status: 'failed', occurredAt: 100 },
    );
    const backward = decide(
      { status: 'failed', lastEventCreated: 100 },
      { status: 'requires_action', occurredAt: 100 },
    );

    expect(forward.apply).toBe(true);
    expect(backward.apply).toBe(false);
  });

  it('reports an unchanged status', () => {
    expect(decide({ status: 'failed' }, { status: 'failed', occurredAt: 1 })).toEqual({
      apply: false,
      reason: 'unchanged',
    });
  });

  it('applies the first event without history', () => {
    expect(decide({ status: 'pending' }, { status: 'requires_action', occurredAt: 1 })).toEqual({
      apply: true,
      status: 'requires_action',
    });
  });
});

describe('statusFromEventType', () => {
  it.each([
    ['payment_intent.succeeded', 'succeeded'],
    ['payment_intent.requires_action', 'requires_action'],
    ['payment_intent.payment_failed', 'failed'],
    ['payment_intent.canceled', undefined],
    ['charge.succeeded', undefined],
  ])('maps %s', (type, status) => {
    expect(statusFromEventType(type)).toBe(status);
  });
});

describe('statusFromPaymentIntent', () => {
  it.each([
    ['succeeded', false, 'succeeded'],
    ['requires_action', false, 'requires_action'],
    ['requires_payment_method', true, 'failed'],
    ['requires_payment_method', false, undefined],
    ['processing', false, undefined],
    ['canceled', false, undefined],
  ])('maps %s with error %s', (status, hasError, expected) => {
    expect(statusFromPaymentIntent(status, hasError)).toBe(expected);
  });
});
