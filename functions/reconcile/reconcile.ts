import type Stripe from 'stripe';

import { StripeFailure } from '../adapters/stripe-gateway';
import type { Payment, PaymentError } from '../core/payment';
import { statusFromPaymentIntent, type PaymentStatus } from '../core/payment-state';
import { applyObservation } from '../shared/apply-observation';
import { logger } from '../shared/logger';
import type { Services } from '../shared/services';

export interface ReconcileSummary {
  examined: number;
  repaired: number;
  expired: number;
  postponed: number;
  failed: number;
  /** Merchants skipped for the rest of the run after a Stripe 429. */
  rateLimitedMerchants: string[];
}

/** Statuses that a webhook should have delivered before reconcile did. */
const WEBHOOK_STATUSES: ReadonlySet<PaymentStatus> = new Set([
  'requires_action',
  'succeeded',
  'failed',
  'needs_review',
]);

interface Finding {
  status?: PaymentStatus;
  paymentIntentId?: string;
  lastError?: PaymentError | null;
  /** The session is open past its expiry and should be expired. */
  expireSession?: boolean;
}

/**
 * Repairs open payments whose webhooks never came. Reads the due payments
 * from the sparse open-payments index (never a scan), retrieves the
 * real state from Stripe with each merchant's key and applies it through the same
 * transition code as webhooks, with `source: "reconcile"`. Work per run is
 * bounded by the batch size and the deadline; a merchant's failure or rate
 * limit skips only that merchant.
 */
export async function reconcile(services: Services, deadline: number): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = {
    examined: 0,
    repaired: 0,
    expired: 0,
    postponed: 0,
    failed: 0,
    rateLimitedMerchants: [],
  };
  const now = services.now();
  const due = await services.payments.listDue(now.toISOString(), services.config.reconcileBatchSize);
  const byMerchant = new Map<string, Payment[]>();
  for (const payment of due) {
    byMerchant.set(payment.merchantId, [...(byMerchant.get(payment.merchantId) ?? []), payment]);
  }
  for (const [merchantId, payments] of byMerchant) {
    if (Date.now() > deadline) break;
    try {
      await reconcileMerchant(services, merchantId, payments, summary, deadline);
    } catch (error) {
      summary.failed += payments.length;
      logger.error('reconcile failed for merchant', { merchantId, error });
    }
  }
  logger.info('reconcile run finished', { ...summary });
  return summary;
}

async function reconcileMerchant(
  services: Services,
  merchantId: string,
  payments: Payment[],
  summary: ReconcileSummary,
  deadline: number,
): Promise<void> {
  const installation = await services.installations.get(merchantId);
  const credentials =
    installation?.status === 'active' && installation.credentialsVersion
      ? await services.secrets.get(merchantId, installation.credentialsVersion)
      : undefined;
  if (!credentials) {
    // Nothing can be read from Stripe without a key; look again much later.
    for (const payment of payments) {
      summary.examined += 1;
      await postpone(services, payment, 24);
      summary.postponed += 1;
    }
    logger.warn('open payments of a merchant without a key', { merchantId, count: payments.length });
    return;
  }
  for (const payment of payments) {
    if (Date.now() > deadline) return;
    summary.examined += 1;
    try {
      await reconcilePayment(services, credentials.apiKey, payment, summary);
    } catch (error) {
      if (error instanceof StripeFailure && error.kind === 'rate_limited') {
        summary.rateLimitedMerchants.push(merchantId);
        logger.warn('Stripe rate limit: merchant skipped until the next run', {
          merchantId,
          stripeRequestId: error.requestId,
        });
        return;
      }
      summary.failed += 1;
      logger.error('reconcile failed for payment', {
        merchantId,
        paymentId: payment.paymentId,
        kind: error instanceof StripeFailure ? error.kind : undefined,
        error,
      });
    }
  }
}

async function reconcilePayment(
  services: Services,
  apiKey: string,
  payment: Payment,
  summary: ReconcileSummary,
): Promise<void> {
  const session = await services.stripe.retrieveCheckoutSession(apiKey, payment.checkoutSessionId);
  let finding = inspect(payment, session, services.now());
  if (finding.expireSession) {
    const expired = await expireSession(services, apiKey, payment);
    finding = expired ? inspect(payment, expired, services.now()) : {};
  }
  if (!finding.status) {
    await postpone(services, payment, 1);
    summary.postponed += 1;
    return;
  }
  const outcome = await applyObservation(services, payment, {
    status: finding.status,
    occurredAt: Math.floor(services.now().getTime() / 1000),
    source: 'reconcile',
    paymentIntentId: finding.paymentIntentId,
    lastError: finding.lastError,
  });
  if (outcome.kind !== 'applied') {
    await postpone(services, outcome.payment, 1);
    summary.postponed += 1;
    return;
  }
  if (finding.status === 'expired') {
    summary.expired += 1;
    return;
  }
  summary.repaired += 1;
  if (WEBHOOK_STATUSES.has(finding.status)) {
    await services.installations.markWebhookSuspect(
      payment.merchantId,
      services.now().toISOString(),
      payment.paymentId,
    );
    logger.warn('reconcile settled a payment that a webhook should have', {
      merchantId: payment.merchantId,
      paymentId: payment.paymentId,
      status: finding.status,
    });
  }
}

/** Reads the state a Checkout Session and its PaymentIntent imply. */
function inspect(payment: Payment, session: Stripe.Checkout.Session, now: Date): Finding {
  const intent =
    session.payment_intent && typeof session.payment_intent === 'object'
      ? session.payment_intent
      : undefined;
  const lastError = intent?.last_payment_error
    ? {
        code: intent.last_payment_error.code ?? intent.last_payment_error.type,
        ...(intent.last_payment_error.decline_code && {
          declineCode: intent.last_payment_error.decline_code,
        }),
        message: intent.last_payment_error.message ?? '',
      }
    : undefined;
  let status = intent ? statusFromPaymentIntent(intent.status, Boolean(lastError)) : undefined;
  if (intent && status && (intent.amount !== payment.amount || intent.currency !== payment.currency)) {
    status = 'needs_review';
  }
  const paymentIntentId = intent?.id;
  // Money that moved wins over everything else, expiry included.
  if (status === 'succeeded') return { status, paymentIntentId, lastError: null };
  if (status === 'needs_review') return { status, paymentIntentId };
  if (session.status === 'expired') return { status: 'expired', paymentIntentId };
  if (session.status === 'open' && now.getTime() >= Date.parse(payment.expiresAt)) {
    return { expireSession: true };
  }
  if (status) return { status, paymentIntentId, lastError: lastError ?? null };
  return {};
}

async function expireSession(
  services: Services,
  apiKey: string,
  payment: Payment,
): Promise<Stripe.Checkout.Session | undefined> {
  try {
    await services.stripe.expireCheckoutSession(apiKey, payment.checkoutSessionId);
  } catch (error) {
    // The customer may have completed the session meanwhile, so the read
    // that follows decides.
    if (!(error instanceof StripeFailure && error.kind === 'invalid_request')) throw error;
  }
  return services.stripe.retrieveCheckoutSession(apiKey, payment.checkoutSessionId);
}

/** Moves the next look at a payment `factor` reconcile delays ahead. */
async function postpone(services: Services, payment: Payment, factor: number): Promise<void> {
  const now = services.now().getTime();
  const later = now + factor * services.config.reconcileAfterSeconds * 1000;
  const expiry = Date.parse(payment.expiresAt);
  const next = expiry > now && expiry < later ? expiry : later;
  await services.payments.postponeReconcile(payment.paymentId, payment.version, new Date(next).toISOString());
}
