/**
 * Errors of the service. Each carries a stable snake_case `code`, which is
 * what the HTTP contract returns, and a message written for the person who
 * reads it (a merchant, a flow builder or an on-call engineer). The classes
 * carry no HTTP status, because `functions/shared/http.ts` maps them to
 * statuses in one place.
 */
export class AppError extends Error {
  override name = 'AppError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause ? { cause: options.cause } : undefined);
    this.details = options?.details;
  }

  /** Extra fields returned next to code and message; never secrets. */
  readonly details?: Record<string, unknown>;
}

/** The request is malformed or names something the service rejects. */
export class InvalidInputError extends AppError {
  override name = 'InvalidInputError';
}

/** The request is well formed but Stripe or the merchant setup rejects it. */
export class UnprocessableError extends AppError {
  override name = 'UnprocessableError';
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
}

/** The request conflicts with the stored state (not installed, key reuse). */
export class ConflictError extends AppError {
  override name = 'ConflictError';
}

export class PayloadTooLargeError extends AppError {
  override name = 'PayloadTooLargeError';
}

/**
 * A dependency (DynamoDB, Secrets Manager, Stripe) failed in a way that a
 * retry may fix. The caller gets a 5xx, so that Stripe and flows retry.
 */
export class DependencyError extends AppError {
  override name = 'DependencyError';
}
