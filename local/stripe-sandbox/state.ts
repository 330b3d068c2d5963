/**
 * In-memory state of the sandbox, its clock and id generation. Every stored object
 * carries the account and mode it belongs to. A key can read only objects of its own
 * account and mode, because test and live data are separate in Stripe.
 */
import { randomInt } from 'node:crypto';
import type { Account, ApiKey } from './accounts';
import type { CheckoutSessionRecord } from './checkout';
import type { DeliveryMode, DeliveryQueue, DeliveryRecord } from './deliveries';
import type { EventRecord } from './events';
import type { Fault } from './faults';
import type { IdempotencyRecord } from './idempotency';
import type { ChargeRecord, PaymentMethodRecord } from './cards';
import type { PaymentIntentRecord } from './payment-intents';
import type { WebhookEndpointRecord } from './webhook-endpoints';

/** The API version whose object shapes the sandbox returns, as pinned by stripe-node 23.2.0. */
export const API_VERSION = '2026-11-18.endive';

export type Mode = 'test' | 'live';

/** Account and mode that own a stored object. */
export interface Scope {
  accountId: string;
  livemode: boolean;
}

export interface SandboxState {
  /** Seconds added to the wall clock by `POST /_sandbox/clock/advance`. */
  clockOffsetSeconds: number;
  accounts: Map<string, Account>;
  keys: Map<string, ApiKey>;
  checkoutSessions: Map<string, CheckoutSessionRecord>;
  paymentIntents: Map<string, PaymentIntentRecord>;
  charges: Map<string, ChargeRecord>;
  paymentMethods: Map<string, PaymentMethodRecord>;
  /** Events in creation order. */
  events: Map<string, EventRecord>;
  webhookEndpoints: Map<string, WebhookEndpointRecord>;
  idempotency: Map<string, IdempotencyRecord>;
  faults: Fault[];
  deliveryMode: DeliveryMode;
  deliveries: DeliveryRecord[];
}

export function createState(): SandboxState {
  return {
    clockOffsetSeconds: 0,
    accounts: new Map(),
    keys: new Map(),
    checkoutSessions: new Map(),
    paymentIntents: new Map(),
    charges: new Map(),
    paymentMethods: new Map(),
    events: new Map(),
    webhookEndpoints: new Map(),
    idempotency: new Map(),
    faults: [],
    deliveryMode: 'normal',
    deliveries: [],
  };
}

/**
 * The events one action (an API call, a customer payment, a clock advance) produced.
 * The `reverse` delivery mode reverses the order within one action.
 */
export interface Action {
  requestId: string | null;
  idempotencyKey: string | null;
  events: EventRecord[];
}

/** Shared context that every module of the sandbox works on. */
export interface Sandbox {
  state: SandboxState;
  /** `http://127.0.0.1:{port}`, known once the server listens. */
  baseUrl: string;
  log: (line: string) => void;
  deliveries: DeliveryQueue;
}

/** Current sandbox time in Unix seconds: the wall clock plus the advanced offset. */
export function now(sandbox: Sandbox): number {
  return Math.floor(Date.now() / 1000) + sandbox.state.clockOffsetSeconds;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlphanumeric(length: number): string {
  let result = '';
  for (let i = 0; i < length; i += 1) {
    result += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  }
  return result;
}

/** Returns an id such as `pi_3Pq…`: the Stripe-like prefix followed by random characters. */
export function newId(prefix: string, length = 24): string {
  return `${prefix}${randomAlphanumeric(length)}`;
}

export function newRequestId(): string {
  return newId('req_', 14);
}
