import { randomBytes } from 'node:crypto';

import type { Payment } from '../../functions/core/payment';
import { parseConfig } from '../../functions/shared/config';
import { createServices, type Services } from '../../functions/shared/services';

/** Services on DynamoDB Local; Secrets Manager and Stripe point nowhere. */
export function servicesFor(endpoint: string, tableName: string, env: Record<string, string> = {}): Services {
  return createServices(
    parseConfig({
      STAGE: 'test',
      TABLE_NAME: tableName,
      PUBLIC_URL: 'http://127.0.0.1:3000',
      DYNAMODB_ENDPOINT: endpoint,
      SECRETS_MANAGER_ENDPOINT: 'http://127.0.0.1:9',
      STRIPE_API_URL: 'http://127.0.0.1:9',
      ...env,
    }),
  );
}

export function newPaymentId(): string {
  return `pay_${randomBytes(12).toString('hex')}`;
}

/** Builds a pending payment as POST /payments stores it. */
export function pendingPayment(overrides: Partial<Payment> = {}): Payment {
  const createdAt = new Date().toISOString();
  const paymentId = overrides.paymentId ?? newPaymentId();
  return {
    paymentId,
    merchantId: 'merchant-a',
    status: 'pending',
    amount: 1050,
    currency: 'usd',
    description: 'Order 1',
    reference: 'order-1',
    url: 'http://127.0.0.1:12111/c/pay/cs_test_1',
    checkoutSessionId: `cs_test_${paymentId.slice(4)}`,
    history: [{ status: 'pending', at: createdAt, source: 'api' }],
    version: 1,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}
