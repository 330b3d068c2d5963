/**
 * Stripe's error shape: `{"error": {type, message, code?, param?, ...}}` with the HTTP
 * status Stripe uses for each kind. stripe-node maps the status to its error classes
 * (400/404 StripeInvalidRequestError, 401 StripeAuthenticationError, 402 StripeCardError,
 * 403 StripePermissionError, 429 StripeRateLimitError, other 5xx StripeAPIError).
 */

export type StripeErrorType =
  'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
    this.name = 'StripeApiError';
  }
}

/** Returns the documentation URL Stripe attaches to an error code. */
export function errorDocUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;
}

export function invalidRequest(
  message: string,
  options: { param?: string; code?: string; status?: number } = {},
): StripeApiError {
  const body: StripeErrorBody = { type: 'invalid_request_error', message };
  if (options.code !== undefined) {
    body.code = options.code;
    body.doc_url = errorDocUrl(options.code);
  }
  if (options.param !== undefined) {
    body.param = options.param;
  }
  return new StripeApiError(options.status ?? 400, body);
}

export function parameterUnknown(param: string): StripeApiError {
  return invalidRequest(`Received unknown parameter: ${param}`, {
    param,
    code: 'parameter_unknown',
  });
}

export function parameterMissing(param: string): StripeApiError {
  return invalidRequest(`Missing required param: ${param}.`, { param, code: 'parameter_missing' });
}

export function parameterInvalid(param: string, message: string): StripeApiError {
  return invalidRequest(message, { param });
}

/** 404 for an id the caller's account and mode cannot see, in Stripe's wording. */
export function resourceMissing(objectName: string, id: string, param = 'id'): StripeApiError {
  return invalidRequest(`No such ${objectName}: '${id}'`, {
    param,
    code: 'resource_missing',
    status: 404,
  });
}

export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return invalidRequest(
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs ` +
      'or we can help at https://support.stripe.com/.',
    { status: 404 },
  );
}

export function apiError(message: string): StripeApiError {
  return new StripeApiError(500, { type: 'api_error', message });
}

const KEY_PREFIX = /^(sk|rk|pk)_(test|live)_/;

/**
 * Masks an API key the way Stripe's 401 messages do: the first 8 characters (the
 * `sk_test_` prefix) and the last 4 stay visible. Keys too short to hide at least
 * 8 characters that way show only their last 4, and keys of 8 characters or fewer
 * are fully masked, so a full key never appears in a message or log.
 */
export function maskKey(key: string): string {
  if (key.length <= 8) {
    return '*'.repeat(key.length);
  }
  if (key.length < 20) {
    return '*'.repeat(key.length - 4) + key.slice(-4);
  }
  return key.slice(0, 8) + '*'.repeat(key.length - 12) + key.slice(-4);
}

/**
 * Masks a restricted key the way Stripe's 403 messages do: the `rk_test_` prefix and
 * the last 6 characters stay visible.
 */
export function maskRestrictedKey(key: string): string {
  const prefix = KEY_PREFIX.exec(key)?.[0] ?? '';
  const hidden = Math.max(key.length - prefix.length - 6, 8);
  return prefix + '*'.repeat(hidden) + key.slice(-6);
}
