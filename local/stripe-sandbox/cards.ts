/**
 * Stripe's test cards (https://docs.stripe.com/testing) with the outcome each one
 * produces, and the PaymentMethod and Charge objects a card payment creates.
 */
import { createHash } from 'node:crypto';
import { invalidRequest } from './errors';
import type { PaymentIntent } from './payment-intents';
import { newId, now, Sandbox, Scope } from './state';

export interface CardDecline {
  /** Error `code`: card_declined, expired_card, incorrect_cvc or processing_error. */
  code: string;
  declineCode: string;
  /** Message shown to the customer, in Stripe's wording. */
  message: string;
  sellerMessage: string;
}

export interface TestCard {
  brand: 'visa' | 'mastercard';
  outcome: 'succeeded' | 'requires_action' | 'declined';
  decline?: CardDecline;
}

const GENERIC_SELLER_MESSAGE = 'The bank did not return any further details with this decline.';

function declined(
  code: string,
  declineCode: string,
  message: string,
  sellerMessage?: string,
): TestCard {
  return {
    brand: 'visa',
    outcome: 'declined',
    decline: {
      code,
      declineCode,
      message,
      sellerMessage: sellerMessage ?? `The bank returned the decline code \`${declineCode}\`.`,
    },
  };
}

const TEST_CARDS: Record<string, TestCard> = {
  '4242424242424242': { brand: 'visa', outcome: 'succeeded' },
  '5555555555554444': { brand: 'mastercard', outcome: 'succeeded' },
  '4000002500003155': { brand: 'visa', outcome: 'requires_action' },
  '4000002760003184': { brand: 'visa', outcome: 'requires_action' },
  '4000000000000002': declined(
    'card_declined',
    'generic_decline',
    'Your card was declined.',
    GENERIC_SELLER_MESSAGE,
  ),
  '4000000000009995': declined(
    'card_declined',
    'insufficient_funds',
    'Your card has insufficient funds.',
  ),
  '4000000000009987': declined('card_declined', 'lost_card', 'Your card was declined.'),
  '4000000000009979': declined('card_declined', 'stolen_card', 'Your card was declined.'),
  '4000000000000069': declined('expired_card', 'expired_card', 'Your card has expired.'),
  '4000000000000127': declined(
    'incorrect_cvc',
    'incorrect_cvc',
    "Your card's security code is incorrect.",
  ),
  '4000000000000119': declined(
    'processing_error',
    'processing_error',
    'An error occurred while processing your card. Try again in a little bit.',
  ),
};

/** Returns the card number without the spaces and hyphens people type between groups. */
export function normalizeCardNumber(input: string): string {
  return input.replace(/[\s-]/g, '');
}

export function lookupTestCard(input: string): TestCard {
  const number = normalizeCardNumber(input);
  const card = TEST_CARDS[number];
  if (card === undefined) {
    throw invalidRequest(
      `Card ${number.length > 4 ? `ending in ${number.slice(-4)}` : `'${number}'`} is not a test card the sandbox knows. ` +
        `Use one of: ${Object.keys(TEST_CARDS).join(', ')}.`,
      { param: 'card' },
    );
  }
  return card;
}

export interface PaymentMethod {
  id: string;
  object: 'payment_method';
  billing_details: Record<string, unknown>;
  card: Record<string, unknown>;
  created: number;
  customer: null;
  livemode: boolean;
  metadata: Record<string, string>;
  type: 'card';
}

export interface PaymentMethodRecord extends Scope {
  paymentMethod: PaymentMethod;
}

/** Builds the customer details every sandbox payment uses: a US postcode and the email. */
export function testCustomerDetails(email: string | null): Record<string, unknown> {
  return {
    address: {
      city: null,
      country: 'US',
      line1: null,
      line2: null,
      postal_code: '42424',
      state: null,
    },
    email,
    name: null,
    phone: null,
  };
}

export function createPaymentMethod(
  sandbox: Sandbox,
  scope: Scope,
  cardNumber: string,
  card: TestCard,
  email: string | null,
): PaymentMethod {
  const number = normalizeCardNumber(cardNumber);
  const paymentMethod: PaymentMethod = {
    id: newId('pm_1'),
    object: 'payment_method',
    billing_details: testCustomerDetails(email),
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: 'pass', cvc_check: 'pass' },
      country: 'US',
      display_brand: card.brand,
      exp_month: 12,
      exp_year: new Date().getUTCFullYear() + 3,
      // Stable per card number, as Stripe's fingerprints are.
      fingerprint: createHash('sha256').update(number).digest('base64url').slice(0, 16),
      funding: 'credit',
      last4: number.slice(-4),
      networks: { available: [card.brand], preferred: null },
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: now(sandbox),
    customer: null,
    livemode: scope.livemode,
    metadata: {},
    type: 'card',
  };
  sandbox.state.paymentMethods.set(paymentMethod.id, { ...scope, paymentMethod });
  return paymentMethod;
}

export interface Charge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  balance_transaction: string | null;
  billing_details: Record<string, unknown>;
  captured: boolean;
  created: number;
  currency: string;
  description: string | null;
  failure_code: string | null;
  failure_message: string | null;
  livemode: boolean;
  metadata: Record<string, string>;
  outcome: Record<string, unknown>;
  paid: boolean;
  payment_intent: string;
  payment_method: string;
  payment_method_details: { card: Record<string, unknown>; type: 'card' };
  receipt_email: string | null;
  refunded: boolean;
  status: 'succeeded' | 'failed';
}

export interface ChargeRecord extends Scope {
  charge: Charge;
}

/** Creates the charge of one payment attempt: succeeded, or failed with the card's decline. */
export function createCharge(
  sandbox: Sandbox,
  scope: Scope,
  intent: PaymentIntent,
  paymentMethod: PaymentMethod,
  decline: CardDecline | undefined,
  threeDSecure: boolean,
): Charge {
  const succeeded = decline === undefined;
  const outcome = succeeded
    ? {
        network_status: 'approved_by_network',
        reason: null,
        risk_level: 'normal',
        risk_score: 32,
        seller_message: 'Payment complete.',
        type: 'authorized',
      }
    : {
        network_status: 'declined_by_network',
        reason: decline.declineCode,
        risk_level: 'normal',
        risk_score: 32,
        seller_message: decline.sellerMessage,
        type: 'issuer_declined',
      };
  const charge: Charge = {
    id: newId('ch_3'),
    object: 'charge',
    amount: intent.amount,
    amount_captured: succeeded ? intent.amount : 0,
    amount_refunded: 0,
    balance_transaction: succeeded ? newId('txn_3') : null,
    billing_details: structuredClone(paymentMethod.billing_details),
    captured: succeeded,
    created: now(sandbox),
    currency: intent.currency,
    description: intent.description,
    failure_code: succeeded ? null : decline.code,
    failure_message: succeeded ? null : decline.message,
    livemode: scope.livemode,
    metadata: { ...intent.metadata },
    outcome,
    paid: succeeded,
    payment_intent: intent.id,
    payment_method: paymentMethod.id,
    payment_method_details: {
      card: {
        ...structuredClone(paymentMethod.card),
        three_d_secure: threeDSecure
          ? { authentication_flow: 'challenge', result: 'authenticated', version: '2.2.0' }
          : null,
      },
      type: 'card',
    },
    receipt_email: intent.receipt_email,
    refunded: false,
    status: succeeded ? 'succeeded' : 'failed',
  };
  sandbox.state.charges.set(charge.id, { ...scope, charge });
  return charge;
}
