/**
 * Injected faults for API calls: the next `times` calls that match fail with Stripe's
 * 429 or 500 error, or receive their response only after `delayMs`, so clients can
 * test their retries and timeouts.
 */
import { StripeApiError } from './errors';
import { newId, Sandbox } from './state';

export interface Fault {
  id: string;
  /** HTTP method to match, or null for any method. */
  method: string | null;
  /** Path to match exactly, or a prefix when it ends with `*`. */
  path: string;
  status: 429 | 500 | null;
  delayMs: number;
  remaining: number;
  /** Value of `Stripe-Rate-Limited-Reason` on a 429. */
  rateLimitedReason: string;
  /** Value of `Stripe-Should-Retry`, or null to send no such header. */
  shouldRetry: boolean | null;
}

export type FaultInput = Omit<Fault, 'id' | 'remaining'> & { times: number };

/** Reasons Stripe documents for `Stripe-Rate-Limited-Reason`. */
export const RATE_LIMITED_REASONS = [
  'global-rate',
  'endpoint-rate',
  'global-concurrency',
  'endpoint-concurrency',
  'resource-specific',
];

export function addFault(sandbox: Sandbox, input: FaultInput): Fault {
  const { times, ...rest } = input;
  const fault: Fault = { ...rest, id: newId('fault_', 12), remaining: times };
  sandbox.state.faults.push(fault);
  return fault;
}

function pathMatches(pattern: string, path: string): boolean {
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

/** Returns the first fault that matches the call and uses up one of its times. */
export function takeFault(sandbox: Sandbox, method: string, path: string): Fault | undefined {
  const { faults } = sandbox.state;
  const index = faults.findIndex(
    (fault) => (fault.method === null || fault.method === method) && pathMatches(fault.path, path),
  );
  if (index === -1) {
    return undefined;
  }
  const fault = faults[index];
  fault.remaining -= 1;
  if (fault.remaining <= 0) {
    faults.splice(index, 1);
  }
  return fault;
}

/** Returns the error response of a fault, or undefined for a delay-only fault. */
export function faultError(fault: Fault): StripeApiError | undefined {
  const headers: Record<string, string> = {};
  if (fault.shouldRetry !== null) {
    headers['Stripe-Should-Retry'] = String(fault.shouldRetry);
  }
  if (fault.status === 429) {
    headers['Stripe-Rate-Limited-Reason'] = fault.rateLimitedReason;
    return new StripeApiError(
      429,
      {
        type: 'invalid_request_error',
        code: 'rate_limit',
        doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
        message:
          'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
      },
      headers,
    );
  }
  if (fault.status === 500) {
    return new StripeApiError(
      500,
      {
        type: 'api_error',
        message:
          "Sorry, something went wrong on Stripe's side (a fault injected by the sandbox). Retry the request with the same idempotency key.",
      },
      headers,
    );
  }
  return undefined;
}
