import type { Context } from 'aws-lambda';

import { InvalidInputError, NotFoundError, PayloadTooLargeError } from '../core/errors';
import {
  errorResponse,
  header,
  type HttpEvent,
  type HttpResult,
  json,
  noContent,
  parseJsonObject,
  rawBody,
} from '../shared/http';
import { logger } from '../shared/logger';
import { getServices, type Services } from '../shared/services';
import { describe, install, uninstall } from './install';
import { parseMerchantId } from './merchant-id';
import { createPayment, getPayment } from './payments';

/** Largest request body the api accepts; real requests are a few KB. */
const MAX_BODY_BYTES = 64 * 1024;

const MERCHANT_ROUTE = /^\/merchants\/([^/]+)\/stripe\/?$/;
const PAYMENT_ROUTE = /^\/payments\/([^/]+)\/?$/;

/** Creates the api function's handler around the given services. */
export function createApiHandler(resolveServices: () => Services) {
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
  const path = event.rawPath;

  const merchantMatch = MERCHANT_ROUTE.exec(path);
  if (merchantMatch) {
    const merchantId = parseMerchantId(decodeURIComponent(merchantMatch[1] ?? ''));
    logger.appendKeys({ merchantId });
    switch (method) {
      case 'PUT':
        return json(200, await install(services, merchantId, readJson(event)));
      case 'GET':
        return json(200, await describe(services, merchantId));
      case 'DELETE':
        await uninstall(services, merchantId);
        return noContent();
      default:
        return methodNotAllowed(method, path, ['PUT', 'GET', 'DELETE']);
    }
  }
  if (path === '/payments' || path === '/payments/') {
    if (method !== 'POST') return methodNotAllowed(method, path, ['POST']);
    const created = await createPayment(
      services,
      readJson(event),
      header(event, 'idempotency-key'),
    );
    const result = json(201, created.body);
    if (created.replayed) result.headers = { ...result.headers, 'idempotent-replayed': 'true' };
    return result;
  }
  const paymentMatch = PAYMENT_ROUTE.exec(path);
  if (paymentMatch) {
    if (method !== 'GET') return methodNotAllowed(method, path, ['GET']);
    const paymentId = decodeURIComponent(paymentMatch[1] ?? '');
    logger.appendKeys({ paymentId });
    return json(200, await getPayment(services, paymentId));
  }
  throw new NotFoundError(
    'route_not_found',
    `No route ${method} ${path}. The api serves PUT, GET and DELETE /merchants/{merchantId}/stripe, POST /payments and GET /payments/{paymentId}.`,
  );
}

function readJson(event: HttpEvent): Record<string, unknown> {
  const body = rawBody(event);
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(
      'payload_too_large',
      `The request body is larger than ${MAX_BODY_BYTES} bytes; send only the documented fields.`,
    );
  }
  if (body.trim() === '') {
    throw new InvalidInputError('invalid_json', 'The request body is empty; send a JSON object.');
  }
  return parseJsonObject(body);
}

function methodNotAllowed(method: string, path: string, allowed: string[]): HttpResult {
  const result = json(405, {
    error: {
      code: 'method_not_allowed',
      message: `${method} is not allowed on ${path}; use ${allowed.join(', ')}.`,
    },
  });
  result.headers = { ...result.headers, allow: allowed.join(', ') };
  return result;
}

export const handler = createApiHandler(getServices);
