/**
 * Checkout Sessions: create, retrieve, list, expire and line items under
 * `/v1/checkout/sessions`, and the state changes a customer causes (completion) or
 * time causes (expiry at `expires_at`).
 */
import { requirePermission, sameScope } from './accounts';
import { parseCreateParams, PaymentIntentDataInput } from './checkout-params';
import { invalidRequest, resourceMissing } from './errors';
import { testCustomerDetails } from './cards';
import { emitEvent } from './events';
import { FormObject } from './form';
import { buildLineItems, LineItem, lineItemList } from './line-items';
import { LIST_PARAMS, paginate, readCreatedFilter } from './lists';
import { readExpand, readString, rejectUnknownParams } from './params';
import { cancelPaymentIntent, renderPaymentIntent } from './payment-intents';
import type { ApiRequest } from './router';
import { Action, now, randomAlphanumeric, Sandbox, Scope } from './state';

export type CheckoutSessionStatus = 'open' | 'complete' | 'expired';

export interface CheckoutSession {
  id: string;
  object: 'checkout.session';
  after_expiration: null;
  allow_promotion_codes: boolean | null;
  amount_subtotal: number;
  amount_total: number;
  automatic_tax: { enabled: false; liability: null; status: null };
  billing_address_collection: string | null;
  cancel_url: string | null;
  client_reference_id: string | null;
  client_secret: null;
  created: number;
  currency: string;
  custom_fields: never[];
  customer: null;
  customer_creation: string;
  customer_details: Record<string, unknown> | null;
  customer_email: string | null;
  expires_at: number;
  invoice: null;
  livemode: boolean;
  locale: string | null;
  metadata: Record<string, string>;
  mode: 'payment';
  payment_intent: string | null;
  payment_link: null;
  payment_method_collection: 'if_required';
  payment_method_types: string[];
  payment_status: 'unpaid' | 'paid';
  recovered_from: null;
  setup_intent: null;
  shipping_address_collection: null;
  status: CheckoutSessionStatus;
  submit_type: string | null;
  subscription: null;
  success_url: string | null;
  total_details: { amount_discount: number; amount_shipping: number; amount_tax: number };
  ui_mode: 'hosted';
  url: string | null;
}

export interface CheckoutSessionRecord extends Scope {
  session: CheckoutSession;
  lineItems: LineItem[];
  /** Parameters copied to the PaymentIntent that the customer's first payment attempt creates. */
  paymentIntentData: PaymentIntentDataInput;
}

export const SESSION_EXPANDABLE = ['payment_intent', 'line_items'] as const;

/** Returns a copy of the session with the requested fields expanded into objects. */
export function renderSession(
  sandbox: Sandbox,
  record: CheckoutSessionRecord,
  expand: readonly string[],
): unknown {
  const rendered: Record<string, unknown> = { ...structuredClone(record.session) };
  const paymentIntentId = record.session.payment_intent;
  if (expand.includes('payment_intent') && paymentIntentId !== null) {
    const intent = sandbox.state.paymentIntents.get(paymentIntentId);
    rendered.payment_intent =
      intent === undefined ? null : renderPaymentIntent(sandbox, intent, []);
  }
  if (expand.includes('line_items')) {
    rendered.line_items = lineItemList(record.session.id, record.lineItems);
  }
  return rendered;
}

export function findSession(
  sandbox: Sandbox,
  scope: Scope | null,
  id: string,
): CheckoutSessionRecord {
  const record = sandbox.state.checkoutSessions.get(id);
  if (record === undefined || (scope !== null && !sameScope(scope, record))) {
    throw resourceMissing('checkout.session', id, 'session');
  }
  return record;
}

/**
 * Expires an open session and cancels its PaymentIntent, if a failed attempt created
 * one, emitting `payment_intent.canceled` and `checkout.session.expired`.
 */
export function expireSession(
  sandbox: Sandbox,
  action: Action,
  record: CheckoutSessionRecord,
): void {
  const { session } = record;
  if (session.status !== 'open') {
    throw invalidRequest(
      `Checkout Session ${session.id} has status ${session.status}, but only open Checkout Sessions can be expired.`,
      { param: 'session' },
    );
  }
  if (session.payment_intent !== null) {
    const intent = sandbox.state.paymentIntents.get(session.payment_intent);
    if (intent !== undefined) {
      cancelPaymentIntent(sandbox, action, intent, 'abandoned');
    }
  }
  session.status = 'expired';
  session.url = null;
  emitEvent(sandbox, action, record, 'checkout.session.expired', session);
  sandbox.log(`checkout session ${session.id} expired`);
}

/** Expires every open session whose `expires_at` has passed on the sandbox clock and returns their ids. */
export function expireDueSessions(sandbox: Sandbox, action: Action): string[] {
  const current = now(sandbox);
  const expired: string[] = [];
  for (const record of sandbox.state.checkoutSessions.values()) {
    if (record.session.status === 'open' && record.session.expires_at <= current) {
      expireSession(sandbox, action, record);
      expired.push(record.session.id);
    }
  }
  return expired;
}

/**
 * Expires due sessions in an action of their own, whose events carry no request id as
 * Stripe's expiry events do, and schedules their deliveries. Returns the expired ids.
 */
export function sweepExpiredSessions(sandbox: Sandbox): string[] {
  const action: Action = { requestId: null, idempotencyKey: null, events: [] };
  const expired = expireDueSessions(sandbox, action);
  sandbox.deliveries.enqueueAction(sandbox, action);
  return expired;
}

/** Marks the session paid and emits `checkout.session.completed`. */
export function completeSession(
  sandbox: Sandbox,
  action: Action,
  record: CheckoutSessionRecord,
  email: string | null,
): void {
  const { session } = record;
  session.status = 'complete';
  session.payment_status = 'paid';
  session.url = null;
  session.customer_details = {
    ...testCustomerDetails(email),
    tax_exempt: 'none',
    tax_ids: [],
  };
  emitEvent(sandbox, action, record, 'checkout.session.completed', session);
}

export function createCheckoutSession(request: ApiRequest): unknown {
  const { sandbox, auth } = request;
  requirePermission(auth, 'checkout_sessions', 'write');
  const input = parseCreateParams(request.params, now(sandbox), SESSION_EXPANDABLE);
  if (input.expand.includes('payment_intent')) {
    requirePermission(auth, 'payment_intents', 'read');
  }
  const mode = auth.scope.livemode ? 'live' : 'test';
  const id = `cs_${mode}_a1${randomAlphanumeric(56)}`;
  const record: CheckoutSessionRecord = {
    ...auth.scope,
    lineItems: buildLineItems(sandbox, auth.scope, input.lineItems),
    paymentIntentData: input.paymentIntentData,
    session: {
      id,
      object: 'checkout.session',
      after_expiration: null,
      allow_promotion_codes: input.allowPromotionCodes,
      amount_subtotal: input.amountTotal,
      amount_total: input.amountTotal,
      automatic_tax: { enabled: false, liability: null, status: null },
      billing_address_collection: input.billingAddressCollection,
      cancel_url: input.cancelUrl,
      client_reference_id: input.clientReferenceId,
      client_secret: null,
      created: now(sandbox),
      currency: input.currency,
      custom_fields: [],
      customer: null,
      customer_creation: input.customerCreation,
      customer_details: null,
      customer_email: input.customerEmail,
      expires_at: input.expiresAt,
      invoice: null,
      livemode: auth.scope.livemode,
      locale: input.locale,
      metadata: input.metadata,
      mode: 'payment',
      payment_intent: null,
      payment_link: null,
      payment_method_collection: 'if_required',
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      recovered_from: null,
      setup_intent: null,
      shipping_address_collection: null,
      status: 'open',
      submit_type: input.submitType,
      subscription: null,
      success_url: input.successUrl,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: 'hosted',
      url: `${sandbox.baseUrl}/c/pay/${id}`,
    },
  };
  sandbox.state.checkoutSessions.set(id, record);
  sandbox.log(
    `checkout session ${id} created for ${auth.account.id}: ${input.amountTotal} ${input.currency}`,
  );
  return renderSession(sandbox, record, input.expand);
}

function readSessionExpand(request: ApiRequest, params: FormObject, prefix = ''): string[] {
  const expandable = SESSION_EXPANDABLE.map((path) => prefix + path);
  const expand = readExpand(params, expandable).map((path) => path.slice(prefix.length));
  if (expand.includes('payment_intent')) {
    requirePermission(request.auth, 'payment_intents', 'read');
  }
  return expand;
}

export function retrieveCheckoutSession(request: ApiRequest): unknown {
  requirePermission(request.auth, 'checkout_sessions', 'read');
  rejectUnknownParams(request.params, ['expand']);
  const expand = readSessionExpand(request, request.params);
  const record = findSession(request.sandbox, request.auth.scope, request.pathParams.id);
  return renderSession(request.sandbox, record, expand);
}

export function expireCheckoutSession(request: ApiRequest): unknown {
  requirePermission(request.auth, 'checkout_sessions', 'write');
  rejectUnknownParams(request.params, ['expand']);
  const expand = readSessionExpand(request, request.params);
  const record = findSession(request.sandbox, request.auth.scope, request.pathParams.id);
  expireSession(request.sandbox, request.action, record);
  return renderSession(request.sandbox, record, expand);
}

export function listCheckoutSessions(request: ApiRequest): unknown {
  requirePermission(request.auth, 'checkout_sessions', 'read');
  const { params, sandbox } = request;
  rejectUnknownParams(params, [...LIST_PARAMS, 'payment_intent', 'status', 'created']);
  const expand = readSessionExpand(request, params, 'data.');
  const paymentIntent = readString(params, 'payment_intent');
  const status = readString(params, 'status');
  if (status !== undefined && !['open', 'complete', 'expired'].includes(status)) {
    throw invalidRequest('Invalid status: must be one of open, complete, expired', {
      param: 'status',
    });
  }
  const createdFilter = readCreatedFilter(params);
  const items = [...sandbox.state.checkoutSessions.values()]
    .filter((record) => sameScope(request.auth.scope, record))
    .filter(
      (record) => paymentIntent === undefined || record.session.payment_intent === paymentIntent,
    )
    .filter((record) => status === undefined || record.session.status === status)
    .filter((record) => createdFilter(record.session.created))
    .reverse()
    .map((record) => renderSession(sandbox, record, expand) as { id: string });
  return paginate(items, params, '/v1/checkout/sessions', 'checkout.session');
}

export function listCheckoutSessionLineItems(request: ApiRequest): unknown {
  requirePermission(request.auth, 'checkout_sessions', 'read');
  rejectUnknownParams(request.params, LIST_PARAMS);
  readExpand(request.params, []);
  const record = findSession(request.sandbox, request.auth.scope, request.pathParams.id);
  return paginate(
    structuredClone(record.lineItems),
    request.params,
    lineItemList(record.session.id, []).url,
    'item',
  );
}
