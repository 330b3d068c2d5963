import {
  DuplicateEventError,
  type EventRecord,
  PaymentIntentTakenError,
  VersionConflictError,
} from '../adapters/payment-store';
import { DependencyError } from '../core/errors';
import type { Payment, PaymentError } from '../core/payment';
import {
  type ChangeSource,
  confirmsLater,
  decide,
  isOpen,
  type PaymentStatus,
} from '../core/payment-state';
import { logger } from './logger';
import type { Services } from './services';

export interface PaymentObservation {
  status: PaymentStatus;
  /** Unix seconds: the event's `created`, or the time of a reconcile read. */
  occurredAt: number;
  source: ChangeSource;
  eventId?: string;
  paymentIntentId?: string;
  /** The PaymentIntent's last error; null clears a stored one. */
  lastError?: PaymentError | null;
}

export type ApplyOutcome =
  | { kind: 'applied'; payment: Payment; previousStatus: PaymentStatus }
  | { kind: 'unchanged'; payment: Payment; reason: string }
  | { kind: 'duplicate'; payment: Payment }
  | { kind: 'intent_taken'; payment: Payment };

/** Attempts before a payment that keeps changing underneath gives a 5xx. */
const MAX_ATTEMPTS = 8;

/**
 * Applies an observation to a payment through the state machine. With an
 * event id, the id is recorded in the same transaction as the change (or
 * alone when nothing changes), so each event is applied at most once.
 * Concurrent writers are resolved by re-reading and deciding again.
 */
export async function applyObservation(
  services: Services,
  initial: Payment,
  observation: PaymentObservation,
): Promise<ApplyOutcome> {
  let payment = initial;
  const eventRecord = observation.eventId
    ? {
        merchantId: payment.merchantId,
        eventId: observation.eventId,
        paymentId: payment.paymentId,
      }
    : undefined;

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const decision = decide(payment, observation);
    try {
      if (!decision.apply && confirmsLater(payment, observation)) {
        return await confirm(services, payment, observation, eventRecord);
      }
      if (!decision.apply) {
        if (eventRecord) {
          await services.payments.recordEvent({ ...eventRecord, outcome: decision.reason });
        }
        return { kind: 'unchanged', payment, reason: decision.reason };
      }
      const at = services.now();
      const entry = {
        status: decision.status,
        at: at.toISOString(),
        source: observation.source,
        ...(observation.eventId && { eventId: observation.eventId }),
      };
      await services.payments.applyChange(
        {
          paymentId: payment.paymentId,
          expectedVersion: payment.version,
          expectedLastEventCreated: payment.lastEventCreated ?? null,
          status: decision.status,
          entry,
          lastError: observation.lastError,
          paymentIntentId: observation.paymentIntentId,
          lastEventCreated: observation.occurredAt,
          reconcileAt: isOpen(decision.status)
            ? nextReconcileAt(services, at, payment)
            : undefined,
        },
        eventRecord && { ...eventRecord, outcome: `applied:${decision.status}` },
      );
      const updated: Payment = {
        ...payment,
        status: decision.status,
        version: payment.version + 1,
        history: [...payment.history, entry],
        updatedAt: entry.at,
        lastEventCreated: observation.occurredAt,
        ...(observation.paymentIntentId && { paymentIntentId: observation.paymentIntentId }),
      };
      if (observation.lastError === null) delete updated.lastError;
      else if (observation.lastError) updated.lastError = observation.lastError;
      logger.info('payment status changed', {
        merchantId: payment.merchantId,
        paymentId: payment.paymentId,
        eventId: observation.eventId,
        source: observation.source,
        from: payment.status,
        to: decision.status,
        version: updated.version,
      });
      return { kind: 'applied', payment: updated, previousStatus: payment.status };
    } catch (error) {
      if (error instanceof PaymentIntentTakenError) {
        return { kind: 'intent_taken', payment };
      }
      if (error instanceof DuplicateEventError) {
        return { kind: 'duplicate', payment: (await reload(services, payment)) ?? payment };
      }
      if (!(error instanceof VersionConflictError)) throw error;
      const fresh = await reload(services, payment);
      if (!fresh) throw error;
      payment = fresh;
    }
  }
  throw new DependencyError(
    'contention',
    `Payment ${payment.paymentId} kept changing while this delivery was applied; retry it.`,
  );
}

// The status stays, but the newer time must be stored (with the event id in
// the same transaction), or an older event of another status that arrives
// later would look newer than the current status.
async function confirm(
  services: Services,
  payment: Payment,
  observation: PaymentObservation,
  eventRecord: Omit<EventRecord, 'outcome'> | undefined,
): Promise<ApplyOutcome> {
  await services.payments.confirmStatus(
    {
      paymentId: payment.paymentId,
      expectedVersion: payment.version,
      expectedLastEventCreated: payment.lastEventCreated ?? null,
      lastEventCreated: observation.occurredAt,
      lastError: observation.lastError,
    },
    eventRecord && { ...eventRecord, outcome: 'confirmed' },
  );
  const confirmed: Payment = { ...payment, lastEventCreated: observation.occurredAt };
  if (observation.lastError === null) delete confirmed.lastError;
  else if (observation.lastError) confirmed.lastError = observation.lastError;
  return { kind: 'unchanged', payment: confirmed, reason: 'confirmed' };
}

async function reload(services: Services, payment: Payment): Promise<Payment | undefined> {
  return services.payments.get(payment.paymentId);
}

// A payment that stays open is looked at again after the reconcile delay,
// and no later than its expiry.
function nextReconcileAt(services: Services, at: Date, payment: Payment): string {
  const delayed = at.getTime() + services.config.reconcileAfterSeconds * 1000;
  const expires = Date.parse(payment.expiresAt);
  return new Date(Math.min(delayed, Number.isNaN(expires) ? delayed : expires)).toISOString();
}
