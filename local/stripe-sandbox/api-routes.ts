/**
 * The Stripe API routes the sandbox implements, and the account and balance endpoints.
 */
import { requirePermission, sameScope } from './accounts';
import {
  createCheckoutSession,
  expireCheckoutSession,
  listCheckoutSessionLineItems,
  listCheckoutSessions,
  retrieveCheckoutSession,
} from './checkout';
import { listEvents, retrieveEvent } from './events';
import { readExpand, rejectUnknownParams } from './params';
import { listPaymentIntents, retrievePaymentIntent } from './payment-intents';
import { ApiHandler, ApiRequest, route, Route } from './router';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
  retrieveWebhookEndpoint,
  updateWebhookEndpoint,
} from './webhook-endpoints';

function retrieveAccount(request: ApiRequest): unknown {
  requirePermission(request.auth, 'account', 'read');
  rejectUnknownParams(request.params, ['expand']);
  readExpand(request.params, []);
  const { account } = request.auth;
  return {
    id: account.id,
    object: 'account',
    business_profile: {
      mcc: null,
      name: account.name,
      product_description: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: null,
    },
    business_type: 'company',
    capabilities: { card_payments: 'active', transfers: 'active' },
    charges_enabled: true,
    country: account.country,
    created: account.created,
    default_currency: account.defaultCurrency,
    details_submitted: true,
    email: null,
    metadata: {},
    payouts_enabled: true,
    settings: {
      dashboard: { display_name: account.name, timezone: 'Etc/UTC' },
      payments: { statement_descriptor: account.name.toUpperCase().slice(0, 22) },
    },
    type: 'standard',
  };
}

/**
 * Returns the balance: succeeded charges count as pending funds in their currency.
 * NOTE: the sandbox charges no fees and never moves pending funds to available.
 */
function retrieveBalance(request: ApiRequest): unknown {
  requirePermission(request.auth, 'balance', 'read');
  rejectUnknownParams(request.params, ['expand']);
  readExpand(request.params, []);
  const { scope, account } = request.auth;
  const pending = new Map<string, number>([[account.defaultCurrency, 0]]);
  for (const record of request.sandbox.state.charges.values()) {
    if (sameScope(scope, record) && record.charge.status === 'succeeded') {
      const { currency, amount } = record.charge;
      pending.set(currency, (pending.get(currency) ?? 0) + amount);
    }
  }
  return {
    object: 'balance',
    available: [{ amount: 0, currency: account.defaultCurrency, source_types: { card: 0 } }],
    livemode: scope.livemode,
    pending: [...pending].map(([currency, amount]) => ({
      amount,
      currency,
      source_types: { card: amount },
    })),
  };
}

export const API_ROUTES: Route<ApiHandler>[] = [
  route('GET', '/v1/account', retrieveAccount),
  route('GET', '/v1/balance', retrieveBalance),
  route('POST', '/v1/checkout/sessions', createCheckoutSession),
  route('GET', '/v1/checkout/sessions', listCheckoutSessions),
  route('GET', '/v1/checkout/sessions/:id', retrieveCheckoutSession),
  route('GET', '/v1/checkout/sessions/:id/line_items', listCheckoutSessionLineItems),
  route('POST', '/v1/checkout/sessions/:id/expire', expireCheckoutSession),
  route('GET', '/v1/payment_intents', listPaymentIntents),
  route('GET', '/v1/payment_intents/:id', retrievePaymentIntent),
  route('GET', '/v1/events', listEvents),
  route('GET', '/v1/events/:id', retrieveEvent),
  route('POST', '/v1/webhook_endpoints', createWebhookEndpoint),
  route('GET', '/v1/webhook_endpoints', listWebhookEndpoints),
  route('GET', '/v1/webhook_endpoints/:id', retrieveWebhookEndpoint),
  route('POST', '/v1/webhook_endpoints/:id', updateWebhookEndpoint),
  route('DELETE', '/v1/webhook_endpoints/:id', deleteWebhookEndpoint),
];
