import fc from 'fast-check';

import type { EventRecord } from '../../functions/adapters/payment-store';
import type { Payment } from '../../functions/core/payment';
import type { HttpEvent, HttpResult } from '../../functions/shared/http';
import type { Services } from '../../functions/shared/services';
import { pendingPayment } from '../helpers/services';
import {
  newEventId,
  newPaymentIntentId,
  paymentIntentEvent,
  replyBody,
  signedDelivery,
  type TestCredentials,
} from '../helpers/webhook-delivery';
import {
  declineCodeAt,
  type Delivery,
  deliveryWaves,
  EVENT_TYPES,
  expectedState,
  MERCHANT_COUNT,
  type SchedulePlan,
} from './schedule-model';

export interface TestMerchant {
  merchantId: string;
  credentials: TestCredentials;
}

export interface ScheduleStats {
  schedules: number;
  deliveries: number;
  bursts: number;
}

export interface ScheduleContext {
  services: Services;
  handler: (event: HttpEvent) => Promise<HttpResult>;
  /** MERCHANT_COUNT installed merchants, each with a signing secret. */
  merchants: TestMerchant[];
  /** Runs a wave's deliveries concurrently, in an order it may choose. */
  runConcurrently<T>(tasks: (() => Promise<T>)[]): Promise<T[]>;
  readPayment(paymentId: string): Promise<Payment | undefined>;
  readEvent(merchantId: string, eventId: string): Promise<EventRecord | undefined>;
  stats: ScheduleStats;
}

export function newStats(): ScheduleStats {
  return { schedules: 0, deliveries: 0, bursts: 0 };
}

interface LivePayment {
  payment: Payment;
  paymentIntentId: string;
  eventIds: string[];
  /** Each event's body, built once, so every delivery carries the same event. */
  events: Record<string, unknown>[];
}

async function createPayments(
  context: ScheduleContext,
  plan: SchedulePlan,
  base: number,
): Promise<LivePayment[]> {
  const live = plan.payments.map((paymentPlan) => {
    const merchantId = context.merchants[paymentPlan.merchant].merchantId;
    const payment = pendingPayment({ merchantId, amount: 2500, currency: 'usd' });
    const paymentIntentId = newPaymentIntentId();
    const eventIds = paymentPlan.events.map(() => newEventId());
    const events = paymentPlan.events.map((event, index) =>
      paymentIntentEvent({
        eventId: eventIds[index],
        type: EVENT_TYPES[event.kind],
        created: base + event.second,
        paymentIntentId,
        paymentId: payment.paymentId,
        merchantId,
        amount: paymentPlan.mismatch === 'amount' ? payment.amount + 1 : payment.amount,
        currency: paymentPlan.mismatch === 'currency' ? 'eur' : payment.currency,
        ...(event.kind === 'failed' && {
          lastPaymentError: {
            code: 'card_declined',
            decline_code: declineCodeAt(event.second),
            message: 'Your card was declined.',
          },
        }),
      }),
    );
    return { payment, paymentIntentId, eventIds, events };
  });
  await context.runConcurrently(
    live.map(({ payment }) => () =>
      context.services.payments.createIfAbsent(payment, new Date().toISOString()),
    ),
  );
  return live;
}

// The delivery a foreign plan describes, and the status and code it must get.
function foreignDelivery(
  context: ScheduleContext,
  plan: SchedulePlan,
  index: number,
  live: LivePayment[],
  base: number,
) {
  const foreign = plan.foreign[index];
  const target = live[foreign.payment];
  const ownerIndex = plan.payments[foreign.payment].merchant;
  const owner = context.merchants[ownerIndex];
  const other = context.merchants[(ownerIndex + 1) % MERCHANT_COUNT];
  const named = {
    type: EVENT_TYPES.succeeded,
    created: base + 10,
    paymentIntentId: target.paymentIntentId,
    paymentId: target.payment.paymentId,
    merchantId: owner.merchantId,
    amount: target.payment.amount,
    currency: target.payment.currency,
  };
  const secretOf = (merchant: TestMerchant) => merchant.credentials.webhookSecret as string;
  switch (foreign.kind) {
    case 'signed_by_other':
      return {
        request: signedDelivery(paymentIntentEvent(named), secretOf(other)),
        status: 400,
        code: 'invalid_signature',
      };
    case 'routed_to_other':
      return {
        request: signedDelivery(paymentIntentEvent(named), secretOf(other), {
          merchant: other.merchantId,
        }),
        status: 400,
        code: 'merchant_mismatch',
      };
    case 'unknown_object':
      return {
        request: signedDelivery(
          paymentIntentEvent({
            ...named,
            paymentIntentId: newPaymentIntentId(),
            paymentId: undefined,
            merchantId: undefined,
          }),
          secretOf(owner),
        ),
        status: 200,
        code: undefined,
      };
    case 'other_type':
      return {
        request: signedDelivery(
          paymentIntentEvent({ ...named, type: 'payment_intent.canceled' }),
          secretOf(owner),
        ),
        status: 200,
        code: undefined,
      };
  }
}

function describeReply(reply: HttpResult): string {
  return `${reply.statusCode} ${reply.body}`;
}

// Each delivery is its own task, so a burst's copies interleave like the
// other concurrent deliveries of the wave.
function deliveryTasks(
  context: ScheduleContext,
  plan: SchedulePlan,
  delivery: Delivery,
  live: LivePayment[],
  base: number,
): (() => Promise<void>)[] {
  if (delivery.kind === 'foreign') {
    const kind = plan.foreign[delivery.foreign].kind;
    return [
      async () => {
        const expected = foreignDelivery(context, plan, delivery.foreign, live, base);
        const reply = await context.handler(expected.request);
        context.stats.deliveries += 1;
        const body = replyBody(reply);
        const code = (body.error as { code?: string } | undefined)?.code;
        if (reply.statusCode !== expected.status || code !== expected.code) {
          throw new Error(`foreign delivery ${kind} got ${describeReply(reply)}`);
        }
        if (!expected.code && !('ignored' in body)) {
          throw new Error(`foreign delivery ${kind} was not ignored: ${describeReply(reply)}`);
        }
      },
    ];
  }
  const target = live[delivery.payment];
  const merchant = context.merchants[plan.payments[delivery.payment].merchant];
  const event = target.events[delivery.event];
  return Array.from({ length: delivery.copies }, () => async () => {
    const reply = await context.handler(
      signedDelivery(event, merchant.credentials.webhookSecret as string),
    );
    context.stats.deliveries += 1;
    const body = replyBody(reply);
    if (reply.statusCode !== 200 || !(body.received === true || body.duplicate === true)) {
      throw new Error(`delivery of ${target.eventIds[delivery.event]} got ${describeReply(reply)}`);
    }
  });
}

// What must hold at any moment: the version only grows, and a succeeded
// payment stays succeeded.
function checkProgress(before: Payment, after: Payment | undefined): Payment {
  if (!after) throw new Error(`payment ${before.paymentId} disappeared`);
  if (after.version < before.version) {
    throw new Error(`version of ${after.paymentId} went from ${before.version} back to ${after.version}`);
  }
  if (before.status === 'succeeded' && after.status !== 'succeeded') {
    throw new Error(`${after.paymentId} went from succeeded back to ${after.status}`);
  }
  return after;
}

async function checkFinal(
  context: ScheduleContext,
  plan: SchedulePlan,
  live: LivePayment[],
  stored: Payment[],
): Promise<void> {
  for (const [index, paymentPlan] of plan.payments.entries()) {
    const payment = stored[index];
    const target = live[index];
    const expected = expectedState(paymentPlan);
    const where = `payment ${index} (${payment.paymentId})`;
    if (payment.status !== expected.status) {
      throw new Error(`${where} ended ${payment.status}, the rules give ${expected.status}`);
    }
    if (payment.version !== payment.history.length) {
      throw new Error(`${where} has version ${payment.version} and ${payment.history.length} history entries`);
    }
    const [first, ...changes] = payment.history;
    if (first.status !== 'pending' || first.source !== 'api') {
      throw new Error(`${where} history starts with ${JSON.stringify(first)}`);
    }
    const eventIds = changes.map((entry) => entry.eventId);
    if (new Set(eventIds).size !== eventIds.length) {
      throw new Error(`${where} history repeats an event: ${eventIds.join(', ')}`);
    }
    for (const [position, entry] of changes.entries()) {
      if (!entry.eventId || !target.eventIds.includes(entry.eventId)) {
        throw new Error(`${where} history contains an event of another payment: ${entry.eventId}`);
      }
      const previous = payment.history[position];
      if (previous.status === entry.status) {
        throw new Error(`${where} history repeats the status ${entry.status}`);
      }
      if (previous.status === 'succeeded' || previous.status === 'needs_review') {
        throw new Error(`${where} moved on from ${previous.status} to ${entry.status}`);
      }
    }
    if (paymentPlan.events.length > 0 && payment.paymentIntentId !== target.paymentIntentId) {
      throw new Error(`${where} is linked to ${payment.paymentIntentId}, not ${target.paymentIntentId}`);
    }
    if (expected.declineCode && payment.lastError?.declineCode !== expected.declineCode) {
      throw new Error(`${where} kept error ${JSON.stringify(payment.lastError)}, not ${expected.declineCode}`);
    }
    const records = await Promise.all(
      target.eventIds.map((eventId) => context.readEvent(payment.merchantId, eventId)),
    );
    const missing = target.eventIds.filter((_, position) => !records[position]);
    if (missing.length > 0) {
      throw new Error(`${where} has no record of delivered events ${missing.join(', ')}`);
    }
  }
}

/**
 * Delivers a schedule wave by wave, checking after each wave that no
 * payment went back, and at the end that each payment is in the state the
 * rules give for its events. Throws an Error naming what went wrong.
 */
export async function runSchedule(context: ScheduleContext, plan: SchedulePlan): Promise<void> {
  const base = Math.floor(Date.now() / 1000) - 60;
  const live = await createPayments(context, plan, base);
  let seen = live.map((entry) => entry.payment);
  for (const wave of deliveryWaves(plan)) {
    await context.runConcurrently(
      wave.flatMap((delivery) => deliveryTasks(context, plan, delivery, live, base)),
    );
    const now = await Promise.all(seen.map((payment) => context.readPayment(payment.paymentId)));
    seen = seen.map((payment, index) => checkProgress(payment, now[index]));
  }
  await checkFinal(context, plan, live, seen);
  context.stats.schedules += 1;
  if (plan.burst) context.stats.bursts += 1;
}

/** Returns 'passed', or fast-check's report with the error that failed. */
export function reportOf(result: { failed: boolean; errorInstance?: unknown } & object): string {
  if (!result.failed) return 'passed';
  const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
  return `${fc.defaultReportMessage(result as fc.RunDetails<unknown>)}\nError: ${error}`;
}
