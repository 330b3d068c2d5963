import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';

import {
  AppError,
  ConflictError,
  DependencyError,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  UnprocessableError,
} from '../core/errors';
import { redactSecrets } from '../core/redact';
import { logger } from './logger';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
};

export function json(statusCode: number, body: unknown): HttpResult {
  return {
    statusCode,
    headers: JSON_HEADERS,
    body: redactSecrets(JSON.stringify(body)),
  };
}

export function noContent(): HttpResult {
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
}

export function errorBody(code: string, message: string, extra?: Record<string, unknown>) {
  return { error: { code, message, ...extra } };
}

// The one place where error classes become HTTP statuses.
const STATUS_BY_CLASS: [new (...args: never[]) => AppError, number][] = [
  [InvalidInputError, 400],
  [UnprocessableError, 400],
  [NotFoundError, 404],
  [ConflictError, 409],
  [PayloadTooLargeError, 413],
  [DependencyError, 503],
];

export function statusOf(error: AppError): number {
  for (const [errorClass, status] of STATUS_BY_CLASS) {
    if (error instanceof errorClass) return status;
  }
  return 500;
}

/**
 * Turns any error into the contract's error response. Known errors keep
 * their code and message; anything else becomes a generic 500 naming the
 * request id, with the details in the log only.
 */
export function errorResponse(error: unknown, requestId: string): HttpResult {
  if (error instanceof AppError) {
    const status = statusOf(error);
    if (status >= 500) {
      logger.error('dependency failed', { code: error.code, error });
    } else {
      logger.info('request rejected', { code: error.code, status });
    }
    return json(status, errorBody(error.code, error.message, error.details));
  }
  logger.error('unhandled error', { error });
  return json(
    500,
    errorBody(
      'internal_error',
      `The service failed unexpectedly; try again. If it keeps failing, report request id ${requestId}.`,
    ),
  );
}

/** Returns the raw body bytes as a string, decoding base64 when flagged. */
export function rawBody(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf8')
    : event.body;
}

/** Parses a JSON object body or throws InvalidInputError. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidInputError(
      'invalid_json',
      'The request body is not valid JSON. Send a JSON object with Content-Type: application/json.',
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidInputError(
      'invalid_json',
      'The request body must be a JSON object.',
    );
  }
  return parsed as Record<string, unknown>;
}

export function header(event: HttpEvent, name: string): string | undefined {
  return event.headers?.[name.toLowerCase()];
}
