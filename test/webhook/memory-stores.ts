import {
  DuplicateEventError,
  type EventRecord,
  PaymentIntentTakenError,
  type PaymentStore,
  type StatusChange,
  type StatusConfirmation,
  VersionConflictError,
} from '../../functions/adapters/payment-store';
import type { InstallationStore } from '../../functions/adapters/installation-store';
import type { MerchantCredentials, SecretStore } from '../../functions/adapters/secret-store';
import type { StripeGateway } from '../../functions/adapters/stripe-gateway';
import type { Installation } from '../../functions/core/installation';
import type { Payment } from '../../functions/core/payment';
import type { Config } from '../../functions/shared/config';
import type { Services } from '../../functions/shared/services';

/**
 * Runs one store operation. The operation itself is atomic, as each
 * DynamoDB request is. The caller decides how long the request and its
 * response take, so concurrent handlers interleave between operations.
 */
export type RunOperation = <T>(operation: () => T) => Promise<T>;

/**
 * The webhook path's payment store in memory, with the conditions of the
 * DynamoDB one: a change applies only at the expected version and
 * `lastEventCreated`, together with its event record and PaymentIntent
 * link, or not at all. Errors come in the order PaymentStore reports
 * them: a recorded event first, then a moved payment, then a PaymentIntent
 * of another payment. Only the methods the webhook path calls exist.
 */
export class MemoryPaymentStore {
  private readonly payments = new Map<string, Payment>();
  private readonly events = new Map<string, EventRecord>();
  private readonly intents = new Map<string, string>();

  constructor(private readonly run: RunOperation) {}

  createIfAbsent(payment: Payment): Promise<{ created: boolean; payment: Payment }> {
    return this.run(() => {
      const stored = this.payments.get(payment.paymentId);
      if (stored) return { created: false, payment: structuredClone(stored) };
      this.payments.set(payment.paymentId, structuredClone(payment));
      return { created: true, payment };
    });
  }

  get(paymentId: string): Promise<Payment | undefined> {
    return this.run(() => this.peek(paymentId));
  }

  findByPaymentIntent(paymentIntentId: string): Promise<string | undefined> {
    return this.run(() => this.intents.get(paymentIntentId));
  }

  getEvent(merchantId: string, eventId: string): Promise<EventRecord | undefined> {
    return this.run(() => this.peekEvent(merchantId, eventId));
  }

  applyChange(change: StatusChange, event?: EventRecord): Promise<void> {
    return this.run(() => {
      const payment = this.payments.get(change.paymentId);
      if (event && this.events.has(eventKey(event))) {
        throw new DuplicateEventError('event already recorded');
      }
      if (!payment || !matches(payment, change.expectedVersion, change.expectedLastEventCreated)) {
        throw new VersionConflictError('payment changed meanwhile');
      }
      const linked = change.paymentIntentId && this.intents.get(change.paymentIntentId);
      if (linked && linked !== change.paymentId) {
        throw new PaymentIntentTakenError('PaymentIntent linked to another payment');
      }
      payment.status = change.status;
      payment.history.push(structuredClone(change.entry));
      payment.version += 1;
      payment.updatedAt = change.entry.at;
      setLastError(payment, change.lastError);
      if (change.paymentIntentId) {
        payment.paymentIntentId = change.paymentIntentId;
        this.intents.set(change.paymentIntentId, change.paymentId);
      }
      if (change.lastEventCreated !== undefined) {
        payment.lastEventCreated = change.lastEventCreated;
      }
      if (event) this.events.set(eventKey(event), { ...event });
    });
  }

  confirmStatus(confirmation: StatusConfirmation, event?: EventRecord): Promise<void> {
    return this.run(() => {
      const payment = this.payments.get(confirmation.paymentId);
      if (event && this.events.has(eventKey(event))) {
        throw new DuplicateEventError('event already recorded');
      }
      if (
        !payment ||
        !matches(payment, confirmation.expectedVersion, confirmation.expectedLastEventCreated)
      ) {
        throw new VersionConflictError('payment changed meanwhile');
      }
      payment.lastEventCreated = confirmation.lastEventCreated;
      setLastError(payment, confirmation.lastError);
      if (event) this.events.set(eventKey(event), { ...event });
    });
  }

  recordEvent(event: EventRecord): Promise<void> {
    return this.run(() => {
      if (this.events.has(eventKey(event))) {
        throw new DuplicateEventError('event already recorded');
      }
      this.events.set(eventKey(event), { ...event });
    });
  }

  /** Reads a payment at once, outside the schedule of operations. */
  peek(paymentId: string): Payment | undefined {
    const payment = this.payments.get(paymentId);
    return payment && structuredClone(payment);
  }

  /** Reads an event record at once, outside the schedule of operations. */
  peekEvent(merchantId: string, eventId: string): EventRecord | undefined {
    const record = this.events.get(`${merchantId}#${eventId}`);
    return record && { ...record };
  }
}

function eventKey(event: EventRecord): string {
  return `${event.merchantId}#${event.eventId}`;
}

function matches(
  payment: Payment,
  version: number,
  lastEventCreated: number | null | undefined,
): boolean {
  if (payment.version !== version) return false;
  if (lastEventCreated === undefined) return true;
  return (payment.lastEventCreated ?? null) === lastEventCreated;
}

function setLastError(payment: Payment, lastError: Payment['lastError'] | null | undefined): void {
  if (lastError === null) delete payment.lastError;
  else if (lastError !== undefined) payment.lastError = structuredClone(lastError);
}

/** Installations in memory: reads and the delivery counters. */
export class MemoryInstallationStore {
  private readonly installations = new Map<string, Installation>();
  readonly rejections: { merchantId: string; reason: string }[] = [];

  constructor(private readonly run: RunOperation) {}

  put(installation: Installation): void {
    this.installations.set(installation.merchantId, structuredClone(installation));
  }

  get(merchantId: string): Promise<Installation | undefined> {
    return this.run(() => {
      const installation = this.installations.get(merchantId);
      return installation && structuredClone(installation);
    });
  }

  recordEventReceived(merchantId: string, at: string): Promise<void> {
    return this.run(() => {
      const installation = this.installations.get(merchantId);
      if (installation) installation.lastEventAt = at;
    });
  }

  recordRejection(merchantId: string, reason: string): Promise<void> {
    return this.run(() => {
      this.rejections.push({ merchantId, reason });
    });
  }
}

/** Merchant secrets in memory. */
export class MemorySecretStore {
  private readonly secrets = new Map<string, { version: string; credentials: MerchantCredentials }>();

  constructor(private readonly run: RunOperation) {}

  set(merchantId: string, version: string, credentials: MerchantCredentials): void {
    this.secrets.set(merchantId, { version, credentials });
  }

  get(merchantId: string): Promise<MerchantCredentials | undefined> {
    return this.run(() => this.secrets.get(merchantId)?.credentials);
  }
}

export interface MemoryServices {
  services: Services;
  payments: MemoryPaymentStore;
  installations: MemoryInstallationStore;
  secrets: MemorySecretStore;
}

/**
 * Services for the webhook path on in-memory stores. Stripe is not wired:
 * merchants with a signing secret never call it.
 */
export function memoryServices(config: Config, run: RunOperation): MemoryServices {
  const payments = new MemoryPaymentStore(run);
  const installations = new MemoryInstallationStore(run);
  const secrets = new MemorySecretStore(run);
  const stripe = new Proxy(
    {},
    {
      get: (_target, name) => () => {
        throw new Error(`Stripe is not available in memory (called ${String(name)})`);
      },
    },
  );
  return {
    payments,
    installations,
    secrets,
    services: {
      config,
      payments: payments as unknown as PaymentStore,
      installations: installations as unknown as InstallationStore,
      secrets: secrets as unknown as SecretStore,
      stripe: stripe as StripeGateway,
      now: () => new Date(),
    },
  };
}
