import type { Context } from 'aws-lambda';

import { NotFoundError } from '../core/errors';
import {
  errorResponse,
  header,
  type HttpEvent,
  type HttpResult,
  json,
} from '../shared/http';
import { logger } from '../shared/logger';
import { getServices, type Services } from '../shared/services';
import { MAX_WEBHOOK_BYTES, receiveWebhook } from './receive';
import { renderReturnPage } from './return-page';

/** Creates the webhook function's handler around the given services. */
export function createWebhookHandler(resolveServices: () => Services) {
  return async (event: HttpEvent, context?: Context): Promise<HttpResult> => {
    const requestId = context?.awsRequestId ?? event.requestContext?.requestId ?? 'unknown';
    logger.appendKeys({ requestId });
    try {
      return await route(resolveServices(), event);
    } catch (error) {
      return errorResponse(error, requestId);
    } finally {
      logger.resetKeys();
    }
  };
}

async function route(services: Services, event: HttpEvent): Promise<HttpResult> {
  const method = event.requestContext.http.method.toUpperCase();
  const path = event.rawPath.replace(/\/+$/, '');
  const query = event.queryStringParameters ?? {};

  if (path === '/link-webhook' && method === 'POST') {
    const result = await receiveWebhook(services, {
      provider: query.provider,
      merchant: query.merchant,
      body: decodeBody(event),
      signature: header(event, 'stripe-signature'),
    });
    return json(200, result);
  }
  if (path === '/checkout/return' && method === 'GET') {
    return renderReturnPage(services, query.payment, query.canceled !== undefined);
  }
  throw new NotFoundError(
    'route_not_found',
    `No route ${method} ${path}. Stripe webhooks go to POST /link-webhook?provider=STRIPE.`,
  );
}

// The size check runs on the encoded length first, so an oversized body is
// never decoded into memory.
function decodeBody(event: HttpEvent): string {
  const body = event.body ?? '';
  if (!event.isBase64Encoded) return body;
  if (body.length > Math.ceil((MAX_WEBHOOK_BYTES * 4) / 3) + 4) {
    return body;
  }
  return Buffer.from(body, 'base64').toString('utf8');
}

export const handler = createWebhookHandler(getServices);
