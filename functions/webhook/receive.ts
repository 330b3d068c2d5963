import Stripe from 'stripe';

import { StripeFailure } from '../adapters/stripe-gateway';
import {
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
} from '../core/errors';
import type { Installation } from '../core/installation';
import { environmentName } from '../core/keys';
import {
  amountMatches,
  findMatchProblem,
  type Payment,
  type PaymentIntentSnapshot,
} from '../core/payment';
import { statusFromEventType } from '../core/payment-state';
import { applyObservation } from '../shared/apply-observation';
import { parseJsonObject } from '../shared/http';
import { logger } from '../shared/logger';
import type { Services } from '../shared/services';
import { stripeFailureToAppError } from '../shared/stripe-errors';
import {
  PAYMENT_INTENT_ID,
  readEnvelope,
  readPaymentIntent,
  type StripeEventEnvelope,
} from './stripe-event';

/** Stripe sends events of at most a few hundred KB; 1 MB is the cap. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

/** Signature age Stripe's SDK accepts by default, in seconds. */
const SIGNATURE_TOLERANCE_SECONDS = 300;

const MERCHANT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Maximum age of an installation's `lastEventAt` before a delivery rewrites it, in milliseconds. */
const LAST_EVENT_PRECISION_MS = 60_000;

export interface WebhookRequest {
  provider: string | undefined;
  merchant: string | undefined;
  body: string;
  signature: string | undefined;
}

export type WebhookResponse =
  | { received: true; paymentId: string; status: string }
  | { duplicate: true; paymentId: string; status: string }
  | { ignored: string };

/** A rejected delivery, counted on the merchant's installation. */
class RejectedDelivery extends InvalidInputError {
  override name = 'RejectedDelivery';
}

/**
 * Processes one Stripe webhook delivery: route by the body, authenticate
 * against the owning merchant's installation, then apply. Nothing is
 * written before the delivery is authenticated, except rejection counters.
 */
export async function receiveWebhook(
  services: Services,
  request: WebhookRequest,
): Promise<WebhookResponse> {
  if (request.provider?.toUpperCase() !== 'STRIPE') {
    throw new NotFoundError(
      'unknown_provider',
      'Unknown or missing provider. The webhook URL must end with ?provider=STRIPE.',
    );
  }
  if (Buffer.byteLength(request.body) > MAX_WEBHOOK_BYTES) {
    throw new PayloadTooLargeError(
      'payload_too_large',
      'The body is larger than 1 MB, which no Stripe event is. This URL only takes webhook deliveries from Stripe.',
    );
  }
  if (request.merchant !== undefined && !MERCHANT_ID.test(request.merchant)) {
    throw new InvalidInputError(
      'invalid_merchant_id',
      'The merchant parameter of the webhook URL is invalid. Use the URL chat-payments created or the one from the Marketplace.',
    );
  }
  const envelope = readEnvelope(parseJsonObject(request.body));
  const log = { eventId: envelope.id, eventType: envelope.type };

  if (envelope.livemode !== services.config.livemode) {
    const merchantId = request.merchant ?? (await findPayment(services, envelope))?.merchantId;
    await countRejection(services, merchantId, 'mode_mismatch');
    throw modeMismatch(services.config.livemode, envelope.livemode);
  }
  const observed = statusFromEventType(envelope.type);
  if (!observed) {
    return { ignored: `Event type ${envelope.type} is not used by chat-payments; nothing to do.` };
  }
  // The installation is read alongside the payment when the URL or the
  // metadata names the merchant, and used only if the payment confirms it.
  const namedMerchant = request.merchant ?? merchantNamedBy(envelope);
  const [payment, prefetched] = await Promise.all([
    findPayment(services, envelope),
    namedMerchant ? prefetchInstallation(services, namedMerchant) : undefined,
  ]);
  if (!payment) {
    logger.info('webhook ignored: unknown object', log);
    return { ignored: 'This object was not created by chat-payments; nothing to do.' };
  }

  const merchantId = request.merchant ?? payment.merchantId;
  logger.appendKeys({ merchantId, paymentId: payment.paymentId, eventId: envelope.id });
  try {
    const installation = await activeInstallation(services, merchantId, prefetched);
    const event = await authenticate(services, installation, envelope, request);
    const intent = readPaymentIntent(event.object);
    if (!intent) {
      throw new RejectedDelivery(
        'invalid_event',
        `Event ${event.id} does not carry a PaymentIntent; it was not applied.`,
      );
    }
    await recordEventReceived(services, installation);
    checkOwnership(merchantId, payment, intent);

    const status = amountMatches(payment, intent)
      ? (statusFromEventType(event.type) ?? observed)
      : 'needs_review';
    if (status === 'needs_review') {
      logger.warn('amount or currency differs from the payment', {
        expected: { amount: payment.amount, currency: payment.currency },
        received: { amount: intent.amount, currency: intent.currency },
      });
    }
    const outcome = await applyObservation(services, payment, {
      status,
      occurredAt: event.created,
      source: 'webhook',
      eventId: event.id,
      paymentIntentId: intent.id,
      lastError: lastErrorFor(status, intent),
    });
    if (outcome.kind === 'intent_taken') {
      throw new RejectedDelivery(
        'payment_intent_mismatch',
        `PaymentIntent ${intent.id} belongs to another payment than ${payment.paymentId}; the event was not applied.`,
      );
    }
    if (outcome.kind === 'duplicate') {
      return { duplicate: true, paymentId: payment.paymentId, status: outcome.payment.status };
    }
    if (outcome.kind === 'unchanged') {
      logger.info('webhook applied nothing', { reason: outcome.reason, status: outcome.payment.status });
    }
    return { received: true, paymentId: payment.paymentId, status: outcome.payment.status };
  } catch (error) {
    if (error instanceof RejectedDelivery) {
      await countRejection(services, merchantId, error.code);
    }
    throw error;
  }
}

// Every delivery of a merchant would otherwise write the same item, so
// `lastEventAt` is kept to the minute.
async function recordEventReceived(services: Services, installation: Installation): Promise<void> {
  const now = services.now();
  const last = installation.lastEventAt ? Date.parse(installation.lastEventAt) : Number.NaN;
  if (now.getTime() - last < LAST_EVENT_PRECISION_MS) return;
  await services.installations.recordEventReceived(installation.merchantId, now.toISOString());
}

async function findPayment(
  services: Services,
  envelope: StripeEventEnvelope,
): Promise<Payment | undefined> {
  const metadata = envelope.object.metadata as Record<string, unknown> | undefined;
  const named = metadata?.jelou_payment_id;
  if (typeof named === 'string' && /^pay_[a-f0-9]{24}$/.test(named)) {
    const payment = await services.payments.get(named);
    if (payment) return payment;
  }
  const id = envelope.object.id;
  if (
    envelope.object.object === 'payment_intent' &&
    typeof id === 'string' &&
    PAYMENT_INTENT_ID.test(id)
  ) {
    const paymentId = await services.payments.findByPaymentIntent(id);
    if (paymentId) return services.payments.get(paymentId);
  }
  return undefined;
}

/** An installation read ahead of need, with the merchant it was read for. */
interface PrefetchedInstallation {
  merchantId: string;
  installation: Installation | undefined;
}

function merchantNamedBy(envelope: StripeEventEnvelope): string | undefined {
  const metadata = envelope.object.metadata as Record<string, unknown> | undefined;
  const named = metadata?.jelou_merchant_id;
  return typeof named === 'string' && MERCHANT_ID.test(named) ? named : undefined;
}

// A failed read ahead is not an error: activeInstallation reads again.
async function prefetchInstallation(
  services: Services,
  merchantId: string,
): Promise<PrefetchedInstallation | undefined> {
  try {
    return { merchantId, installation: await services.installations.get(merchantId) };
  } catch {
    return undefined;
  }
}

async function activeInstallation(
  services: Services,
  merchantId: string,
  prefetched?: PrefetchedInstallation,
): Promise<Installation> {
  const installation =
    prefetched?.merchantId === merchantId
      ? prefetched.installation
      : await services.installations.get(merchantId);
  if (!installation || installation.status !== 'active' || !installation.credentialsVersion) {
    throw new RejectedDelivery(
      'not_installed',
      `Merchant ${merchantId} is not installed in chat-payments, so this delivery cannot be verified. Install the Stripe app again in the Marketplace, or delete this webhook endpoint.`,
    );
  }
  return installation;
}

/**
 * Authenticates a delivery against the merchant's installation: by its
 * signature when a signing secret is stored, otherwise by retrieving the
 * event from Stripe with the merchant's key and using that copy.
 */
async function authenticate(
  services: Services,
  installation: Installation,
  envelope: StripeEventEnvelope,
  request: WebhookRequest,
): Promise<StripeEventEnvelope> {
  const credentials = await services.secrets.get(
    installation.merchantId,
    installation.credentialsVersion as string,
  );
  if (!credentials) {
    throw new RejectedDelivery(
      'not_installed',
      `Merchant ${installation.merchantId} has no stored Stripe key. Install the Stripe app again in the Marketplace.`,
    );
  }
  if (credentials.webhookSecret) {
    verifySignature(request, credentials.webhookSecret);
    return envelope;
  }
  let retrieved: Stripe.Event;
  try {
    retrieved = await services.stripe.retrieveEvent(credentials.apiKey, envelope.id);
  } catch (error) {
    if (error instanceof StripeFailure && error.kind === 'not_found') {
      throw new RejectedDelivery(
        'unknown_event',
        `Stripe does not know event ${envelope.id} in the account of merchant ${installation.merchantId}; the delivery was not applied.`,
      );
    }
    throw stripeFailureToAppError(error, 'retrieve the event');
  }
  const copy = readEnvelope(retrieved as unknown as Record<string, unknown>);
  if (copy.type !== envelope.type || copy.livemode !== envelope.livemode) {
    throw new RejectedDelivery(
      'unknown_event',
      `Event ${envelope.id} in Stripe differs from the delivered body; the delivery was not applied.`,
    );
  }
  return copy;
}

function verifySignature(request: WebhookRequest, secret: string): void {
  if (!request.signature) {
    throw new RejectedDelivery(
      'invalid_signature',
      'The Stripe-Signature header is missing. This endpoint verifies every delivery with the signing secret stored for the merchant.',
    );
  }
  // Fails closed: without the SDK's verifier nothing passes.
  const verifier = Stripe.webhooks.signature;
  if (!verifier) throw new Error('the stripe package has no signature verifier');
  try {
    verifier.verifyHeader(
      request.body,
      request.signature,
      secret,
      SIGNATURE_TOLERANCE_SECONDS,
    );
  } catch {
    // The SDK's error carries the payload and the header: never log it.
    throw new RejectedDelivery(
      'invalid_signature',
      'The Stripe-Signature does not match the signing secret stored for this merchant, or it is older than 5 minutes. If the secret was rolled, install the Stripe app again with the new whsec_ signing secret.',
    );
  }
}

function checkOwnership(
  merchantId: string,
  payment: Payment,
  intent: PaymentIntentSnapshot,
): void {
  if (merchantId !== payment.merchantId) {
    throw new RejectedDelivery(
      'merchant_mismatch',
      `This delivery came for merchant ${merchantId}, but the payment it names belongs to another merchant; it was not applied.`,
    );
  }
  const named = intent.metadata.jelou_payment_id;
  if (named !== undefined && named !== payment.paymentId) {
    throw new RejectedDelivery(
      'payment_mismatch',
      `The PaymentIntent names payment ${named}, not ${payment.paymentId}; it was not applied.`,
    );
  }
  if (named === undefined && payment.paymentIntentId !== intent.id) {
    throw new RejectedDelivery(
      'payment_mismatch',
      `The PaymentIntent ${intent.id} is not linked to payment ${payment.paymentId}; it was not applied.`,
    );
  }
  const problem = findMatchProblem(payment, intent);
  if (problem) throw new RejectedDelivery(problem.code, problem.message);
}

function lastErrorFor(status: string, intent: PaymentIntentSnapshot) {
  if (status === 'failed') return intent.lastPaymentError ?? null;
  if (status === 'succeeded') return null;
  return undefined;
}

async function countRejection(
  services: Services,
  merchantId: string | undefined,
  reason: string,
): Promise<void> {
  if (!merchantId) return;
  logger.warn('webhook delivery rejected', { merchantId, reason });
  try {
    const installation = await services.installations.get(merchantId);
    if (!installation) return;
    await services.installations.recordRejection(merchantId, reason, services.now());
  } catch (error) {
    // The rejection itself is what the sender gets; a failed counter must
    // not turn it into a 5xx.
    logger.warn('rejection not counted', { merchantId, reason, error });
  }
}

function modeMismatch(stageLive: boolean, eventLive: boolean | undefined): InvalidInputError {
  const stage = stageLive ? 'live' : 'test';
  if (eventLive === undefined) {
    return new InvalidInputError(
      'mode_mismatch',
      `The event has no livemode field, so it cannot be matched to the ${environmentName(stage)} webhook URL, which takes ${stage}-mode events only. This URL only takes webhook deliveries from Stripe.`,
    );
  }
  const event = eventLive ? 'live' : 'test';
  return new InvalidInputError(
    'mode_mismatch',
    `This ${event}-mode event was sent to the ${environmentName(stage)} webhook URL, which takes ${stage}-mode events only. In the Stripe Dashboard (${event} mode), point the endpoint to https://chat-payments.jelou.${event === 'live' ? 'ai' : 'dev'}/link-webhook?provider=STRIPE.`,
  );
}
