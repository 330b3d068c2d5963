/**
 * Idempotent requests: a POST with an `Idempotency-Key` header that was already used
 * with the same endpoint and parameters gets the saved response again, with
 * `Idempotent-Replayed: true`. Keys are scoped to the account and mode and kept 24
 * hours of sandbox time. As in Stripe, only responses of requests that began executing
 * are saved: requests rejected by validation (4xx) can be retried with the same key.
 */
import { invalidRequest, StripeApiError } from './errors';
import type { FormObject } from './form';
import { now, Sandbox, Scope } from './state';

/** Stripe's maximum length of an idempotency key. */
const MAX_KEY_LENGTH = 255;
/** Stripe keeps keys for at least 24 hours. */
const KEY_LIFETIME_SECONDS = 24 * 60 * 60;

export interface IdempotencyRecord {
  endpoint: string;
  fingerprint: string;
  status: number;
  body: unknown;
  requestId: string;
  created: number;
}

/** Serializes parameters with sorted keys, so equal parameters give equal text. */
function fingerprint(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(fingerprint).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map(
        (key) => `${JSON.stringify(key)}:${fingerprint((value as Record<string, unknown>)[key])}`,
      );
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

function storageKey(scope: Scope, key: string): string {
  return `${scope.accountId}:${scope.livemode ? 'live' : 'test'}:${key}`;
}

function removeExpired(sandbox: Sandbox): void {
  const oldest = now(sandbox) - KEY_LIFETIME_SECONDS;
  for (const [key, record] of sandbox.state.idempotency) {
    if (record.created < oldest) {
      sandbox.state.idempotency.delete(key);
    }
  }
}

function conflict(message: string): StripeApiError {
  return new StripeApiError(400, { type: 'idempotency_error', message });
}

/**
 * Returns the saved response for `key`, or undefined when the key is new. Raises
 * `idempotency_error` when the key was used for another endpoint or other parameters.
 */
export function findReplay(
  sandbox: Sandbox,
  scope: Scope,
  key: string,
  endpoint: string,
  params: FormObject,
): IdempotencyRecord | undefined {
  if (key.length > MAX_KEY_LENGTH) {
    throw invalidRequest(
      `Invalid Idempotency-Key: it is ${key.length} characters long, and the maximum is ${MAX_KEY_LENGTH}.`,
    );
  }
  removeExpired(sandbox);
  const record = sandbox.state.idempotency.get(storageKey(scope, key));
  if (record === undefined) {
    return undefined;
  }
  if (record.endpoint !== endpoint) {
    throw conflict(
      `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${record.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
    );
  }
  if (record.fingerprint !== fingerprint(params)) {
    throw conflict(
      `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
    );
  }
  return record;
}

export function saveResponse(
  sandbox: Sandbox,
  scope: Scope,
  key: string,
  endpoint: string,
  params: FormObject,
  response: { status: number; body: unknown; requestId: string },
): void {
  sandbox.state.idempotency.set(storageKey(scope, key), {
    endpoint,
    fingerprint: fingerprint(params),
    status: response.status,
    body: structuredClone(response.body),
    requestId: response.requestId,
    created: now(sandbox),
  });
}
