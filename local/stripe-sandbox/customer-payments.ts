/**
 * Customer actions on the hosted Checkout page: paying with a test card, retrying after
 * a decline, and finishing or failing 3-D Secure. Each step changes the PaymentIntent, the
 * Charge and the session and emits the events Stripe emits for it.
 */
import { createCharge, createPaymentMethod, lookupTestCard, PaymentMethod } from './cards';
import { CheckoutSessionRecord, completeSession, renderSession } from './checkout';
import { errorDocUrl, invalidRequest } from './errors';
import { emitEvent } from './events';
import { createPaymentIntent, PaymentIntentRecord, renderPaymentIntent } from './payment-intents';
import { Action, newId, Sandbox } from './state';

export interface PaymentResult {
  checkoutSession: unknown;
  paymentIntent: unknown;
}

function result(
  sandbox: Sandbox,
  session: CheckoutSessionRecord,
  intent: PaymentIntentRecord,
): PaymentResult {
  return {
    checkoutSession: renderSession(sandbox, session, []),
    paymentIntent: renderPaymentIntent(sandbox, intent, []),
  };
}

/** Raises a 400 unless the session is open. The server expires due sessions before each request. */
function requireOpenSession(record: CheckoutSessionRecord): void {
  const { session } = record;
  if (session.status === 'expired') {
    throw invalidRequest(
      `Checkout Session ${session.id} expired at ${new Date(session.expires_at * 1000).toISOString()} and can no longer be paid. Create a new Checkout Session.`,
      { param: 'session' },
    );
  }
  if (session.status === 'complete') {
    throw invalidRequest(
      `Checkout Session ${session.id} is already complete and paid, so it cannot be paid again.`,
      {
        param: 'session',
      },
    );
  }
}

/** Marks the PaymentIntent succeeded with a new charge and completes the session. */
function succeed(
  sandbox: Sandbox,
  action: Action,
  session: CheckoutSessionRecord,
  record: PaymentIntentRecord,
  paymentMethod: PaymentMethod,
  threeDSecure: boolean,
): void {
  const { intent } = record;
  const charge = createCharge(sandbox, record, intent, paymentMethod, undefined, threeDSecure);
  intent.status = 'succeeded';
  intent.amount_received = intent.amount;
  intent.latest_charge = charge.id;
  intent.payment_method = paymentMethod.id;
  intent.last_payment_error = null;
  intent.next_action = null;
  emitEvent(sandbox, action, record, 'charge.succeeded', charge);
  emitEvent(sandbox, action, record, 'payment_intent.succeeded', intent);
  completeSession(sandbox, action, session, paymentMethod.billing_details.email as string | null);
  sandbox.log(`payment ${intent.id} succeeded for session ${session.session.id}`);
}

/**
 * Pays an open session with a test card, as the customer would. The first attempt
 * creates the PaymentIntent, and a retry after a decline reuses it.
 */
export function paySession(
  sandbox: Sandbox,
  action: Action,
  session: CheckoutSessionRecord,
  cardNumber: string,
  email: string | null,
): PaymentResult {
  requireOpenSession(session);
  const card = lookupTestCard(cardNumber);
  let record: PaymentIntentRecord;
  if (session.session.payment_intent === null) {
    const data = session.paymentIntentData;
    record = createPaymentIntent(sandbox, action, session, {
      amount: session.session.amount_total,
      currency: session.session.currency,
      description: data.description,
      metadata: data.metadata,
      receiptEmail: data.receiptEmail,
      statementDescriptor: data.statementDescriptor,
      statementDescriptorSuffix: data.statementDescriptorSuffix,
      checkoutSessionId: session.session.id,
    });
    session.session.payment_intent = record.intent.id;
  } else {
    record = sandbox.state.paymentIntents.get(
      session.session.payment_intent,
    ) as PaymentIntentRecord;
  }
  const customerEmail = email ?? session.session.customer_email;
  const paymentMethod = createPaymentMethod(sandbox, session, cardNumber, card, customerEmail);
  const { intent } = record;
  if (card.outcome === 'succeeded') {
    succeed(sandbox, action, session, record, paymentMethod, false);
  } else if (card.outcome === 'requires_action') {
    intent.status = 'requires_action';
    intent.payment_method = paymentMethod.id;
    intent.last_payment_error = null;
    intent.next_action = {
      type: 'use_stripe_sdk',
      use_stripe_sdk: {
        type: 'three_d_secure_redirect',
        source: newId('payatt_3'),
        stripe_js: `${sandbox.baseUrl}/c/authenticate/${intent.id}`,
      },
    };
    emitEvent(sandbox, action, record, 'payment_intent.requires_action', intent);
    sandbox.log(`payment ${intent.id} requires 3-D Secure authentication`);
  } else {
    const decline = card.decline!;
    const charge = createCharge(sandbox, record, intent, paymentMethod, decline, false);
    intent.status = 'requires_payment_method';
    intent.latest_charge = charge.id;
    intent.payment_method = null;
    intent.next_action = null;
    intent.last_payment_error = {
      charge: charge.id,
      code: decline.code,
      decline_code: decline.declineCode,
      doc_url: errorDocUrl(decline.code),
      message: decline.message,
      payment_method: structuredClone(paymentMethod),
      type: 'card_error',
    };
    emitEvent(sandbox, action, record, 'charge.failed', charge);
    emitEvent(sandbox, action, record, 'payment_intent.payment_failed', intent);
    sandbox.log(`payment ${intent.id} declined: ${decline.declineCode}`);
  }
  return result(sandbox, session, record);
}

/** Finishes 3-D Secure on a PaymentIntent in `requires_action`, as the customer's bank would. */
export function authenticatePayment(
  sandbox: Sandbox,
  action: Action,
  record: PaymentIntentRecord,
  outcome: 'succeeded' | 'failed',
): PaymentResult {
  const session = sandbox.state.checkoutSessions.get(
    record.checkoutSessionId,
  ) as CheckoutSessionRecord;
  requireOpenSession(session);
  const { intent } = record;
  if (intent.status !== 'requires_action' || intent.payment_method === null) {
    throw invalidRequest(
      `PaymentIntent ${intent.id} has status ${intent.status}, but only a PaymentIntent in requires_action can be authenticated.`,
      { param: 'payment_intent' },
    );
  }
  const paymentMethod = sandbox.state.paymentMethods.get(intent.payment_method)
    ?.paymentMethod as PaymentMethod;
  if (outcome === 'succeeded') {
    succeed(sandbox, action, session, record, paymentMethod, true);
  } else {
    intent.status = 'requires_payment_method';
    intent.payment_method = null;
    intent.next_action = null;
    intent.last_payment_error = {
      code: 'payment_intent_authentication_failure',
      doc_url: errorDocUrl('payment_intent_authentication_failure'),
      message:
        'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
      payment_method: structuredClone(paymentMethod),
      type: 'invalid_request_error',
    };
    emitEvent(sandbox, action, record, 'payment_intent.payment_failed', intent);
    sandbox.log(`payment ${intent.id} failed 3-D Secure authentication`);
  }
  return result(sandbox, session, record);
}
