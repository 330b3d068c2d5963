/**
 * Control routes under `/_sandbox` for tests and the demo: customer payments, session
 * expiry, the clock and reset, plus the account, delivery and fault routes of the
 * other control modules. They need no API key and take JSON bodies.
 */
import { ACCOUNT_CONTROL_ROUTES } from './control-accounts';
import {
  CheckoutSession,
  expireSession,
  findSession,
  renderSession,
  sweepExpiredSessions,
} from './checkout';
import { authenticatePage, completePage, payPage, payPageUrl } from './checkout-page';
import { DELIVERY_CONTROL_ROUTES } from './control-delivery';
import { bodyEnum, bodyInteger, bodyString } from './control-body';
import { authenticatePayment, paySession } from './customer-payments';
import { invalidRequest, resourceMissing, StripeApiError } from './errors';
import type { PaymentIntentRecord } from './payment-intents';
import { ControlHandler, ControlRequest, ControlResponse, route, Route } from './router';
import { createState, now } from './state';

/** Runs a customer step. A browser form gets a redirect to the next page instead of JSON. */
function customerStep(
  request: ControlRequest,
  sessionId: () => string,
  step: () => ControlResponse,
): ControlResponse {
  if (!request.fromForm) {
    return step();
  }
  try {
    return step();
  } catch (error) {
    if (!(error instanceof StripeApiError)) {
      throw error;
    }
    request.sandbox.log(`customer step ${request.path} rejected: ${error.message}`);
    return { location: payPageUrl(sessionId(), error.body.message) };
  }
}

/** Returns where the browser goes after a paid session: its success URL, or the sandbox's page. */
function successLocation(session: CheckoutSession): string {
  if (session.success_url === null) {
    return `/c/complete/${session.id}`;
  }
  return session.success_url.replace('{CHECKOUT_SESSION_ID}', session.id);
}

function lastErrorMessage(record: PaymentIntentRecord | undefined): string | undefined {
  const message = record?.intent.last_payment_error?.message;
  return typeof message === 'string' ? message : undefined;
}

function postPay(request: ControlRequest): ControlResponse {
  const { sandbox, body } = request;
  const record = findSession(sandbox, null, request.pathParams.id);
  const { session } = record;
  return customerStep(
    request,
    () => session.id,
    () => {
      const card = bodyString(body, 'card', true) as string;
      const result = paySession(
        sandbox,
        request.action,
        record,
        card,
        bodyString(body, 'email') ?? null,
      );
      if (!request.fromForm) {
        return { json: result };
      }
      const intent = sandbox.state.paymentIntents.get(session.payment_intent as string);
      if (intent?.intent.status === 'requires_action') {
        return { location: `/c/authenticate/${intent.intent.id}` };
      }
      if (session.status === 'complete') {
        return { location: successLocation(session) };
      }
      return { location: payPageUrl(session.id, lastErrorMessage(intent)) };
    },
  );
}

function postAuthenticate(request: ControlRequest): ControlResponse {
  const { sandbox } = request;
  const record = sandbox.state.paymentIntents.get(request.pathParams.id);
  if (record === undefined) {
    throw resourceMissing('payment_intent', request.pathParams.id);
  }
  return customerStep(
    request,
    () => record.checkoutSessionId,
    () => {
      const outcome = bodyEnum(request.body, 'result', ['succeeded', 'failed'] as const);
      if (outcome === undefined) {
        throw invalidRequest('Missing required field: result (succeeded or failed).', {
          param: 'result',
          code: 'parameter_missing',
        });
      }
      const result = authenticatePayment(sandbox, request.action, record, outcome);
      if (!request.fromForm) {
        return { json: result };
      }
      const session = findSession(sandbox, null, record.checkoutSessionId).session;
      if (outcome === 'succeeded') {
        return { location: successLocation(session) };
      }
      return { location: payPageUrl(session.id, lastErrorMessage(record)) };
    },
  );
}

function postExpire(request: ControlRequest): ControlResponse {
  const record = findSession(request.sandbox, null, request.pathParams.id);
  expireSession(request.sandbox, request.action, record);
  return { json: renderSession(request.sandbox, record, []) };
}

function getClock(request: ControlRequest): ControlResponse {
  return {
    json: { now: now(request.sandbox), offsetSeconds: request.sandbox.state.clockOffsetSeconds },
  };
}

function postAdvanceClock(request: ControlRequest): ControlResponse {
  const seconds = bodyInteger(request.body, 'seconds', 1, 10 * 365 * 24 * 60 * 60);
  if (seconds === undefined) {
    throw invalidRequest('Missing required field: seconds.', {
      param: 'seconds',
      code: 'parameter_missing',
    });
  }
  request.sandbox.state.clockOffsetSeconds += seconds;
  const expiredSessions = sweepExpiredSessions(request.sandbox);
  request.sandbox.log(
    `clock advanced by ${seconds} s, and ${expiredSessions.length} sessions expired`,
  );
  return { json: { now: now(request.sandbox), expiredSessions } };
}

function postReset(request: ControlRequest): ControlResponse {
  request.sandbox.deliveries.reset();
  request.sandbox.state = createState();
  request.action.events = [];
  request.sandbox.log('sandbox reset');
  return { json: { reset: true } };
}

export const CONTROL_ROUTES: Route<ControlHandler>[] = [
  ...ACCOUNT_CONTROL_ROUTES,
  route('POST', '/_sandbox/checkout/sessions/:id/pay', postPay),
  route('POST', '/_sandbox/checkout/sessions/:id/expire', postExpire),
  route('POST', '/_sandbox/payment_intents/:id/authenticate', postAuthenticate),
  route('GET', '/_sandbox/clock', getClock),
  route('POST', '/_sandbox/clock/advance', postAdvanceClock),
  route('POST', '/_sandbox/reset', postReset),
  ...DELIVERY_CONTROL_ROUTES,
  route('GET', '/c/pay/:id', payPage),
  route('GET', '/c/authenticate/:id', authenticatePage),
  route('GET', '/c/complete/:id', completePage),
];
