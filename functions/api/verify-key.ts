import { StripeFailure, type StripeGateway } from '../adapters/stripe-gateway';
import { InvalidInputError } from '../core/errors';
import type { ClassifiedKey } from '../core/keys';
import { stripeFailureToAppError } from '../shared/stripe-errors';

/** A permission this service needs, named as the Stripe Dashboard names it. */
interface RequiredPermission {
  name: string;
  probe: (stripe: StripeGateway, apiKey: string) => Promise<void>;
}

const REQUIRED: RequiredPermission[] = [
  {
    name: 'PaymentIntents: Read',
    probe: (stripe, key) => stripe.listPaymentIntents(key),
  },
  { name: 'Events: Read', probe: (stripe, key) => stripe.listEvents(key) },
  {
    name: 'Checkout Sessions: Write',
    probe: (stripe, key) => stripe.probeCheckoutWrite(key),
  },
];

export const WEBHOOK_PERMISSION = 'Webhook Endpoints: Read';

export interface KeyVerification {
  accountId?: string;
  accountName?: string;
}

/**
 * Verifies a key with the calls this service really makes. Throws
 * `key_rejected` when Stripe does not know the key and
 * `missing_permissions` naming each permission a restricted key lacks.
 */
export async function verifyKey(
  stripe: StripeGateway,
  key: ClassifiedKey,
): Promise<KeyVerification> {
  const account = await retrieveAccount(stripe, key);
  if (key.keyType === 'standard' && account) return account;

  const missing: string[] = [];
  for (const permission of REQUIRED) {
    try {
      await permission.probe(stripe, key.key);
    } catch (error) {
      if (error instanceof StripeFailure && error.kind === 'permission') {
        missing.push(permission.name);
        continue;
      }
      throw rejectOrWrap(error);
    }
  }
  if (missing.length > 0) {
    throw new InvalidInputError(
      'missing_permissions',
      `The restricted key lacks ${missing.join(', ')}. In the Stripe Dashboard open Developers → API keys, edit the key and set ${missing.join(', ')} (Webhook Endpoints: Read is also recommended), or install a standard Secret key.`,
      { details: { missingPermissions: missing } },
    );
  }
  return account ?? {};
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
    throw rejectOrWrap(error);
  }
}

function rejectOrWrap(error: unknown): Error {
  if (error instanceof StripeFailure && error.kind === 'authentication') {
    return new InvalidInputError(
      'key_rejected',
      'Stripe rejected this API key: it was rolled, deleted or mistyped. Copy the current Secret key from Developers → API keys in the Stripe Dashboard and try again.',
    );
  }
  return stripeFailureToAppError(error, 'verify the API key');
}
