import { StripeFailure } from '../adapters/stripe-gateway';
import { SUBSCRIBED_EVENT_TYPES } from '../core/payment-state';
import { merchantWebhookUrl } from '../core/stage-urls';
import { CREATED_BY, type EndpointSnapshot } from '../core/webhook-check';
import { logger } from '../shared/logger';
import type { Services } from '../shared/services';
import { stripeFailureToAppError } from '../shared/stripe-errors';

/** The merchant's endpoints, or why they cannot be listed. */
export type EndpointListing =
  | { kind: 'listed'; endpoints: EndpointSnapshot[] }
  | { kind: 'forbidden' }
  | { kind: 'key_rejected' };

/**
 * Lists the merchant's webhook endpoints. A missing permission and a
 * rejected key are returned as results, and a Stripe outage is thrown.
 */
export async function listEndpoints(services: Services, apiKey: string): Promise<EndpointListing> {
  try {
    return { kind: 'listed', endpoints: await services.stripe.listWebhookEndpoints(apiKey) };
  } catch (error) {
    if (error instanceof StripeFailure && error.kind === 'permission') {
      return { kind: 'forbidden' };
    }
    if (error instanceof StripeFailure && error.kind === 'authentication') {
      return { kind: 'key_rejected' };
    }
    throw stripeFailureToAppError(error, 'check the webhook endpoints');
  }
}

export interface CreatedEndpoint {
  snapshot: EndpointSnapshot;
  secret: string;
}

/**
 * Creates the merchant's endpoint with exactly the subscribed events and
 * returns it with its signing secret, or undefined when the key may not
 * create endpoints.
 */
export async function createEndpoint(
  services: Services,
  merchantId: string,
  apiKey: string,
  idempotencyKey: string,
): Promise<CreatedEndpoint | undefined> {
  const url = merchantWebhookUrl(services.config.publicUrl, merchantId);
  try {
    const endpoint = await services.stripe.createWebhookEndpoint(
      apiKey,
      url,
      SUBSCRIBED_EVENT_TYPES,
      merchantId,
      idempotencyKey,
    );
    logger.info('webhook endpoint created', { merchantId, endpointId: endpoint.id });
    return {
      secret: endpoint.secret,
      snapshot: {
        id: endpoint.id,
        url,
        status: 'enabled',
        enabledEvents: [...SUBSCRIBED_EVENT_TYPES],
        metadata: { created_by: CREATED_BY, jelou_merchant_id: merchantId },
      },
    };
  } catch (error) {
    if (error instanceof StripeFailure && error.kind === 'permission') return undefined;
    throw stripeFailureToAppError(error, 'create the webhook endpoint');
  }
}

/**
 * Enables an endpoint this service created and sets its URL and events
 * again. Returns undefined when the key may not change endpoints.
 */
export async function repairEndpoint(
  services: Services,
  merchantId: string,
  apiKey: string,
  endpointId: string,
): Promise<EndpointSnapshot | undefined> {
  try {
    const endpoint = await services.stripe.repairWebhookEndpoint(
      apiKey,
      endpointId,
      merchantWebhookUrl(services.config.publicUrl, merchantId),
      SUBSCRIBED_EVENT_TYPES,
    );
    logger.info('webhook endpoint repaired', { merchantId, endpointId });
    return endpoint;
  } catch (error) {
    if (error instanceof StripeFailure && error.kind === 'permission') return undefined;
    throw stripeFailureToAppError(error, 'repair the webhook endpoint');
  }
}
