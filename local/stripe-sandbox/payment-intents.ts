/**
 * PaymentIntents as Checkout creates them (`capture_method: automatic_async`),
 * `GET /v1/payment_intents/{id}` and `GET /v1/payment_intents`.
 */
import { requirePermission, sameScope } from './accounts';
import { resourceMissing } from './errors';
import { emitEvent } from './events';
import { LIST_PARAMS, paginate, readCreatedFilter } from './lists';
import { readExpand, rejectUnknownParams } from './params';
import type { ApiRequest } from './router';
import { Action, newId, now, randomAlphanumeric, Sandbox, Scope } from './state';

export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_details: { tip: Record<string, never> };
  amount_received: number;
  application: null;
  application_fee_amount: null;
  automatic_payment_methods: null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: 'automatic_async';
  client_secret: string;
  confirmation_method: 'automatic';
  created: number;
  currency: string;
  customer: null;
  description: string | null;
  last_payment_error: Record<string, unknown> | null;
  latest_charge: string | null;
  livemode: boolean;
  metadata: Record<string, string>;
  next_action: Record<string, unknown> | null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_options: Record<string, unknown>;
  payment_method_types: string[];
  processing: null;
  receipt_email: string | null;
  review: null;
  setup_future_usage: null;
  shipping: null;
  source: null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: PaymentIntentStatus;
  transfer_data: null;
  transfer_group: null;
}

export interface PaymentIntentRecord extends Scope {
  intent: PaymentIntent;
  /** The Checkout Session that created the PaymentIntent. */
  checkoutSessionId: string;
}

export interface PaymentIntentInput {
  amount: number;
  currency: string;
  description: string | null;
  metadata: Record<string, string>;
  receiptEmail: string | null;
  statementDescriptor: string | null;
  statementDescriptorSuffix: string | null;
  checkoutSessionId: string;
}

/** Creates a PaymentIntent and emits `payment_intent.created`. */
export function createPaymentIntent(
  sandbox: Sandbox,
  action: Action,
  scope: Scope,
  input: PaymentIntentInput,
): PaymentIntentRecord {
  const id = newId('pi_3');
  const intent: PaymentIntent = {
    id,
    object: 'payment_intent',
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_${randomAlphanumeric(25)}`,
    confirmation_method: 'automatic',
    created: now(sandbox),
    currency: input.currency,
    customer: null,
    description: input.description,
    last_payment_error: null,
    latest_charge: null,
    livemode: scope.livemode,
    metadata: { ...input.metadata },
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_options: {
      card: {
        installments: null,
        mandate_options: null,
        network: null,
        request_three_d_secure: 'automatic',
      },
    },
    payment_method_types: ['card'],
    processing: null,
    receipt_email: input.receiptEmail,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: input.statementDescriptor,
    statement_descriptor_suffix: input.statementDescriptorSuffix,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  };
  const record: PaymentIntentRecord = {
    ...scope,
    intent,
    checkoutSessionId: input.checkoutSessionId,
  };
  sandbox.state.paymentIntents.set(id, record);
  emitEvent(sandbox, action, scope, 'payment_intent.created', intent);
  return record;
}

/**
 * Cancels a PaymentIntent that can no longer be paid, as Stripe does when its Checkout
 * Session expires, and emits `payment_intent.canceled`. Succeeded ones stay as they are.
 */
export function cancelPaymentIntent(
  sandbox: Sandbox,
  action: Action,
  record: PaymentIntentRecord,
  reason: 'abandoned' | 'requested_by_customer',
): void {
  const { intent } = record;
  if (intent.status === 'succeeded' || intent.status === 'canceled') {
    return;
  }
  intent.status = 'canceled';
  intent.canceled_at = now(sandbox);
  intent.cancellation_reason = reason;
  intent.next_action = null;
  emitEvent(sandbox, action, record, 'payment_intent.canceled', intent);
}

export function findPaymentIntent(sandbox: Sandbox, scope: Scope, id: string): PaymentIntentRecord {
  const record = sandbox.state.paymentIntents.get(id);
  if (record === undefined || !sameScope(scope, record)) {
    throw resourceMissing('payment_intent', id);
  }
  return record;
}

export const PAYMENT_INTENT_EXPANDABLE = ['latest_charge', 'payment_method'] as const;

/** Returns a copy of the PaymentIntent with the requested fields expanded into objects. */
export function renderPaymentIntent(
  sandbox: Sandbox,
  record: PaymentIntentRecord,
  expand: readonly string[],
): unknown {
  const rendered: Record<string, unknown> = structuredClone(record.intent) as unknown as Record<
    string,
    unknown
  >;
  const { intent } = record;
  if (expand.includes('latest_charge') && intent.latest_charge !== null) {
    rendered.latest_charge = structuredClone(
      sandbox.state.charges.get(intent.latest_charge)?.charge ?? null,
    );
  }
  if (expand.includes('payment_method') && intent.payment_method !== null) {
    rendered.payment_method = structuredClone(
      sandbox.state.paymentMethods.get(intent.payment_method)?.paymentMethod ?? null,
    );
  }
  return rendered;
}

export function retrievePaymentIntent(request: ApiRequest): unknown {
  requirePermission(request.auth, 'payment_intents', 'read');
  rejectUnknownParams(request.params, ['expand', 'client_secret']);
  const expand = readExpand(request.params, PAYMENT_INTENT_EXPANDABLE);
  const record = findPaymentIntent(request.sandbox, request.auth.scope, request.pathParams.id);
  return renderPaymentIntent(request.sandbox, record, expand);
}

/** Lists the account's PaymentIntents, newest first, with the `created` filter. */
export function listPaymentIntents(request: ApiRequest): unknown {
  requirePermission(request.auth, 'payment_intents', 'read');
  const { params, sandbox } = request;
  rejectUnknownParams(params, [...LIST_PARAMS, 'created']);
  const expand = readExpand(
    params,
    PAYMENT_INTENT_EXPANDABLE.map((path) => `data.${path}`),
  ).map((path) => path.slice('data.'.length));
  const createdFilter = readCreatedFilter(params);
  const items = [...sandbox.state.paymentIntents.values()]
    .filter((record) => sameScope(request.auth.scope, record))
    .filter((record) => createdFilter(record.intent.created))
    .reverse()
    .map((record) => renderPaymentIntent(sandbox, record, expand) as { id: string });
  return paginate(items, params, '/v1/payment_intents', 'payment_intent');
}
