import { StripeFailure } from '../adapters/stripe-gateway';
import type { WebhookReport } from '../core/installation';
import type { StripeMode } from '../core/keys';
import { SUBSCRIBED_EVENT_TYPES } from '../core/payment-state';
import {
  merchantWebhookUrl,
  otherEnvironmentHosts,
  webhookUrl,
} from '../core/stage-urls';
import {
  checkWebhookEndpoints,
  unknownWebhookReport,
} from '../core/webhook-check';
import { logger } from '../shared/logger';
import type { Services } from '../shared/services';
import { stripeFailureToAppError } from '../shared/stripe-errors';
import { WEBHOOK_PERMISSION } from './verify-key';

/**
 * Lists the merchant's webhook endpoints and reports on them. A key that
 * cannot list them gives `unknown` with the reason; a rejected key or a
 * Stripe outage is thrown.
 */
export async function checkWebhook(
  services: Services,
  merchantId: string,
  apiKey: string,
  mode: StripeMode,
): Promise<WebhookReport> {
  const now = services.now().toISOString();
  try {
    const endpoints = await services.stripe.listWebhookEndpoints(apiKey);
    return checkWebhookEndpoints(endpoints, {
      merchantId,
      mode,
      expectedUrl: webhookUrl(services.config.publicUrl),
      otherEnvironmentHosts: otherEnvironmentHosts(mode),
      now,
    });
  } catch (error) {
    if (error instanceof StripeFailure && error.kind === 'permission') {
      return unknownWebhookReport(
        `The key cannot read webhook endpoints, so their setup cannot be checked. Add the ${WEBHOOK_PERMISSION} permission to the restricted key to get this check.`,
        now,
      );
    }
    throw stripeFailureToAppError(error, 'check the webhook endpoints');
  }
}

export interface CreatedEndpoint {
  id: string;
  secret: string;
}

/**
 * Creates the merchant's webhook endpoint with exactly the subscribed
 * events. Returns undefined with a problem added to the report when the
 * key may not create endpoints.
 */
export async function createEndpoint(
  services: Services,
  merchantId: string,
  apiKey: string,
  installId: string,
  report: WebhookReport,
): Promise<CreatedEndpoint | undefined> {
  try {
    const endpoint = await services.stripe.createWebhookEndpoint(
      apiKey,
      merchantWebhookUrl(services.config.publicUrl, merchantId),
      SUBSCRIBED_EVENT_TYPES,
      merchantId,
      `chat-payments-endpoint-${merchantId}-${installId}`,
    );
    logger.info('webhook endpoint created', { merchantId, endpointId: endpoint.id });
    return endpoint;
  } catch (error) {
    if (error instanceof StripeFailure && error.kind === 'permission') {
      report.problems.push({
        code: 'cannot_configure',
        message:
          'The key may not create webhook endpoints, so none was created. Add the Webhook Endpoints: Write permission to the restricted key, or create the endpoint by hand.',
      });
      return undefined;
    }
    throw stripeFailureToAppError(error, 'create the webhook endpoint');
  }
}

/** Reports a just-created endpoint as the checked one. */
export function reportForCreated(
  endpointId: string,
  now: string,
): WebhookReport {
  return {
    status: 'ok',
    endpointId,
    problems: [],
    notes: [
      {
        code: 'created',
        message: `chat-payments created webhook endpoint ${endpointId} with the three payment events; deliveries are verified by signature.`,
      },
    ],
    checkedAt: now,
  };
}
