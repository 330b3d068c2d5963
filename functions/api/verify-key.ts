import { StripeFailure, type StripeGateway } from '../adapters/stripe-gateway';
import { InvalidInputError } from '../core/errors';
import {
  type ClassifiedKey,
  DASHBOARD_PERMISSIONS,
  keyHint,
} from '../core/keys';
import { stripeFailureToAppError } from '../shared/stripe-errors';

/** A permission this service needs, named as the Stripe Dashboard names it. */
interface RequiredPermission {
  name: string;
  probe: (stripe: StripeGateway, apiKey: string) => Promise<void>;
}

const REQUIRED: RequiredPermission[] = [
  {
    name: DASHBOARD_PERMISSIONS.paymentIntentsRead,
    probe: (stripe, key) => stripe.listPaymentIntents(key),
  },
  {
    name: DASHBOARD_PERMISSIONS.eventsRead,
    probe: (stripe, key) => stripe.listEvents(key),
  },
  {
    name: DASHBOARD_PERMISSIONS.checkoutSessionsWrite,
    probe: (stripe, key) => stripe.probeCheckoutWrite(key),
  },
];

export interface KeyVerification {
  accountId?: string;
  accountName?: string;
}

/**
 * Verifies a key with the calls this service really makes. Throws
 * `key_rejected` when Stripe does not know the key and
 * `missing_permissions` naming each permission a restricted key lacks.
 * The webhook-endpoint permission is optional: its absence is only
 * mentioned when another permission is missing too.
 */
export async function verifyKey(
  stripe: StripeGateway,
  key: ClassifiedKey,
): Promise<KeyVerification> {
  const account = await retrieveAccount(stripe, key);
  if (key.keyType === 'standard' && account) return account;

  const [webhookOutcome, ...outcomes] = await Promise.allSettled([
    stripe.listWebhookEndpoints(key.key),
    ...REQUIRED.map((permission) => permission.probe(stripe, key.key)),
  ]);
  const missing: string[] = [];
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.status === 'fulfilled') continue;
    const error: unknown = outcome.reason;
    if (isPermissionFailure(error)) {
      missing.push(REQUIRED[index]!.name);
      continue;
    }
    throw rejectOrWrap(error, key);
  }
  if (missing.length > 0) {
    const webhookAdvice =
      webhookOutcome?.status === 'rejected' && isPermissionFailure(webhookOutcome.reason)
        ? ` Also set ${DASHBOARD_PERMISSIONS.webhookEndpointsRead}, so chat-payments can check the webhook setup, or ${DASHBOARD_PERMISSIONS.webhookEndpointsWrite}, so it can also create the endpoint.`
        : '';
    throw new InvalidInputError(
      'missing_permissions',
      `The restricted key ${keyHint(key.key)} lacks ${listPermissions(missing)}, which chat-payments needs to create payments and follow their results. In the Stripe Dashboard open Developers → API keys, edit this restricted key and set ${listPermissions(missing)}.${webhookAdvice} Or install a standard Secret key (sk_…) instead.`,
      { details: { missingPermissions: missing } },
    );
  }
  return account ?? {};
}

function isPermissionFailure(error: unknown): boolean {
  return error instanceof StripeFailure && error.kind === 'permission';
}

function listPermissions(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

// Restricted keys often cannot read /v1/account, so the account name is
// best-effort for them; a 401 still means the key itself is rejected.
async function retrieveAccount(
  stripe: StripeGateway,
  key: ClassifiedKey,
): Promise<KeyVerification | undefined> {
  try {
    const account = await stripe.retrieveAccount(key.key);
    return { accountId: account.id, accountName: account.name };
  } catch (error) {
    if (
      error instanceof StripeFailure &&
      error.kind === 'permission' &&
      key.keyType === 'restricted'
    ) {
      return undefined;
    }
    throw rejectOrWrap(error, key);
  }
}

/** Builds the error for a key that Stripe rejects with 401 during install. */
export function keyRejectedError(key: ClassifiedKey): InvalidInputError {
  return new InvalidInputError(
    'key_rejected',
    `Stripe rejected the API key ${keyHint(key.key)}: it was rolled, deleted or mistyped. In the Stripe Dashboard open Developers → API keys in ${key.mode} mode, copy the current Secret key and install again.`,
  );
}

function rejectOrWrap(error: unknown, key: ClassifiedKey): Error {
  if (error instanceof StripeFailure && error.kind === 'authentication') {
    return keyRejectedError(key);
  }
  return stripeFailureToAppError(error, 'verify the API key');
}
