import { createHash, randomBytes } from 'node:crypto';

import { z } from 'zod';

import { validateCallbackUrl } from '../core/callback-url';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
} from '../core/errors';
import { validateMoney } from '../core/money';
import { type Payment, toPaymentView } from '../core/payment';
import { returnPageUrl } from '../core/stage-urls';
import { logger } from '../shared/logger';
import type { Services } from '../shared/services';
import { stripeFailureToAppError } from '../shared/stripe-errors';
import { parseBody } from './body';
import { parseMerchantId } from './merchant-id';

const createSchema = z
  .object({
    merchantId: z.string(),
    amount: z.unknown(),
    currency: z.unknown(),
    description: z.string().trim().min(1).max(500),
    reference: z.string().trim().min(1).max(200),
    callbackUrl: z.string().max(2048).optional(),
    expiresInMinutes: z.number().int().min(30).max(1440).optional(),
    customerEmail: z.email().max(254).optional(),
  })
  .strict();

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
const PAYMENT_ID = /^pay_[a-f0-9]{24}$/;
const DEFAULT_EXPIRY_MINUTES = 60;

export interface CreatedPayment {
  replayed: boolean;
  body: Record<string, unknown>;
}

/**
 * Creates a payment: a Checkout Session in the merchant's Stripe account
 * and its record. The same Idempotency-Key with the same body returns the
 * same payment; with another body it is rejected.
 */
export async function createPayment(
  services: Services,
  body: unknown,
  idempotencyKey: string | undefined,
): Promise<CreatedPayment> {
  if (!idempotencyKey || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new InvalidInputError(
      'invalid_idempotency_key',
      'Send an Idempotency-Key header of 1 to 200 visible ASCII characters, unique per payment (for example a UUID), and reuse it only to retry the same request.',
    );
  }
  const input = parseBody(createSchema, body);
  const merchantId = parseMerchantId(input.merchantId);
  const money = validateMoney(input.amount, input.currency);
  const callbackUrl =
    input.callbackUrl === undefined
      ? undefined
      : validateCallbackUrl(input.callbackUrl, {
          allowedHosts: services.config.callbackAllowedHosts,
          allowLoopback: services.config.allowLoopbackCallbacks,
        });

  const installation = await services.installations.get(merchantId);
  if (!installation || installation.status !== 'active' || !installation.credentialsVersion) {
    throw new ConflictError(
      'not_installed',
      `Merchant ${merchantId} has not installed the Stripe app, so no payment can be created. Install it in the Marketplace first.`,
    );
  }

  const now = services.now();
  const minutes = input.expiresInMinutes ?? DEFAULT_EXPIRY_MINUTES;
  const claim = await services.payments.claimIdempotencyKey({
    merchantId,
    key: idempotencyKey,
    fingerprint: fingerprintOf(input),
    paymentId: `pay_${randomBytes(12).toString('hex')}`,
    expiresAt: new Date(now.getTime() + minutes * 60_000).toISOString(),
  });
  if (claim.fingerprint !== fingerprintOf(input)) {
    throw new ConflictError(
      'idempotency_key_reused',
      `Idempotency-Key ${idempotencyKey} was already used for a different payment request. Use a new key for a new payment.`,
    );
  }
  const existing = await services.payments.get(claim.paymentId);
  if (existing) return { replayed: true, body: createdView(existing) };

  const credentials = await services.secrets.get(merchantId, installation.credentialsVersion);
  if (!credentials) {
    throw new ConflictError(
      'not_installed',
      `Merchant ${merchantId} has no stored Stripe key. Install the Stripe app in the Marketplace again.`,
    );
  }
  const paymentId = claim.paymentId;
  const returnUrl = returnPageUrl(services.config.publicUrl, paymentId);
  let session;
  try {
    session = await services.stripe.createCheckoutSession(credentials.apiKey, {
      paymentId,
      merchantId,
      amount: money.amount,
      currency: money.currency,
      description: input.description,
      reference: input.reference,
      customerEmail: input.customerEmail,
      expiresAt: new Date(claim.expiresAt),
      successUrl: returnUrl,
      cancelUrl: `${returnUrl}&canceled=1`,
    });
  } catch (error) {
    throw stripeFailureToAppError(error, 'create the Checkout Session');
  }

  const createdAt = now.toISOString();
  const payment: Payment = {
    paymentId,
    merchantId,
    status: 'pending',
    amount: money.amount,
    currency: money.currency,
    description: input.description,
    reference: input.reference,
    url: session.url,
    checkoutSessionId: session.id,
    callbackUrl,
    customerEmail: input.customerEmail,
    history: [{ status: 'pending', at: createdAt, source: 'api' }],
    version: 1,
    expiresAt: claim.expiresAt,
    createdAt,
    updatedAt: createdAt,
  };
  const reconcileAt = new Date(
    now.getTime() + services.config.reconcileAfterSeconds * 1000,
  ).toISOString();
  const stored = await services.payments.createIfAbsent(payment, reconcileAt);
  logger.info('payment created', {
    merchantId,
    paymentId,
    checkoutSessionId: session.id,
    amount: money.amount,
    currency: money.currency,
  });
  return { replayed: !stored.created, body: createdView(stored.payment) };
}

function createdView(payment: Payment): Record<string, unknown> {
  return {
    paymentId: payment.paymentId,
    status: payment.status,
    url: payment.url,
    checkoutSessionId: payment.checkoutSessionId,
    expiresAt: payment.expiresAt,
  };
}

function fingerprintOf(input: z.infer<typeof createSchema>): string {
  const canonical = JSON.stringify(
    Object.keys(input)
      .sort()
      .map((key) => [key, input[key as keyof typeof input]]),
  );
  return createHash('sha256').update(canonical).digest('hex');
}

export async function getPayment(
  services: Services,
  paymentId: string,
): Promise<Record<string, unknown>> {
  const payment = PAYMENT_ID.test(paymentId)
    ? await services.payments.get(paymentId)
    : undefined;
  if (!payment) {
    throw new NotFoundError(
      'payment_not_found',
      `No payment has id ${paymentId}. Use the paymentId that POST /payments returned.`,
    );
  }
  return toPaymentView(payment);
}
