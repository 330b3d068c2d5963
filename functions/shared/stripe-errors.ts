import { StripeFailure } from '../adapters/stripe-gateway';
import {
  type AppError,
  ConflictError,
  DependencyError,
  InvalidInputError,
} from '../core/errors';
import { dashboardPermissionName } from '../core/keys';
import { logger } from './logger';

/**
 * Maps a failed Stripe call made with a merchant's key to the error the
 * caller receives. Rejected keys and missing permissions are the
 * merchant's to fix; rate limits and outages are transient (5xx).
 */
export function stripeFailureToAppError(error: unknown, action: string): AppError {
  if (!(error instanceof StripeFailure)) {
    return new DependencyError(
      'stripe_unavailable',
      `Stripe could not be reached to ${action}; try again shortly.`,
      { cause: error },
    );
  }
  logger.warn('stripe call failed', {
    action,
    kind: error.kind,
    stripeCode: error.stripeCode,
    stripeRequestId: error.requestId,
    statusCode: error.statusCode,
  });
  switch (error.kind) {
    case 'authentication':
      return new ConflictError(
        'key_rejected',
        `Stripe rejected the merchant's API key while trying to ${action}: it was rolled, deleted or mistyped. Install the Stripe app again in the Marketplace with a current Secret key.`,
      );
    case 'permission': {
      const permission = dashboardPermissionName(error.message);
      const missing = permission ? `the ${permission} permission` : 'a permission';
      return new ConflictError(
        'missing_permissions',
        `The merchant's restricted key lacks ${missing}, which chat-payments needs to ${action}. In the Stripe Dashboard open Developers → API keys, edit the restricted key and grant it, or install the Stripe app again with a standard Secret key.`,
        permission ? { details: { missingPermissions: [permission] } } : undefined,
      );
    }
    case 'rate_limited':
      return new DependencyError(
        'stripe_rate_limited',
        `Stripe rate-limited the request to ${action}; try again in a few seconds.`,
        { cause: error },
      );
    case 'unavailable':
      return new DependencyError(
        'stripe_unavailable',
        `Stripe failed to ${action}; try again shortly.`,
        { cause: error },
      );
    case 'not_found':
      return new InvalidInputError('stripe_not_found', `Stripe could not find what is needed to ${action}: ${error.message}`);
    case 'idempotency':
    case 'invalid_request':
      if (error.stripeCode === 'amount_too_small' || error.stripeCode === 'amount_too_large') {
        return new InvalidInputError(error.stripeCode, `Stripe rejected the amount: ${error.message}`);
      }
      return new InvalidInputError(
        'stripe_rejected',
        `Stripe rejected the request to ${action}: ${error.message}`,
        { details: error.param ? { param: error.param } : undefined },
      );
  }
}
