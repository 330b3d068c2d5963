/**
 * Accounts, API keys and restricted-key permissions, and the authentication of API
 * requests. Only keys this sandbox issued authenticate. Rolled and deleted keys stay
 * stored, so they get Stripe's "Expired API Key" 401 instead of the generic one.
 */
import { invalidRequest, maskKey, maskRestrictedKey, StripeApiError } from './errors';
import { Mode, newId, now, randomAlphanumeric, Sandbox, Scope } from './state';

export type Resource =
  'account' | 'balance' | 'checkout_sessions' | 'payment_intents' | 'events' | 'webhook_endpoints';
export type AccessLevel = 'none' | 'read' | 'write';
export type Permissions = Record<Resource, AccessLevel>;

export const RESOURCES: readonly Resource[] = [
  'account',
  'balance',
  'checkout_sessions',
  'payment_intents',
  'events',
  'webhook_endpoints',
];

/**
 * Permission names in Stripe's 403 message "Having the 'rak_…' permission would allow
 * this request to continue.". They come from real 403 responses quoted in public bug
 * reports, where GET /v1/account names `rak_accounts_kyc_id_numbers_read`, and from the
 * `permissions[]` values of Stripe Dashboard key-creation links.
 * Resources without a write name support only none or read.
 */
export const PERMISSION_NAMES: Record<Resource, { read: string; write?: string }> = {
  account: { read: 'rak_accounts_kyc_id_numbers_read' },
  balance: { read: 'rak_balance_read' },
  checkout_sessions: { read: 'rak_checkout_session_read', write: 'rak_checkout_session_write' },
  payment_intents: { read: 'rak_payment_intent_read', write: 'rak_payment_intent_write' },
  events: { read: 'rak_event_read' },
  webhook_endpoints: { read: 'rak_webhook_read', write: 'rak_webhook_write' },
};

export interface Account {
  id: string;
  name: string;
  country: string;
  defaultCurrency: string;
  /** Mode of the keys issued at creation, the default for keys issued later. */
  defaultMode: Mode;
  created: number;
}

export type KeyType = 'secret' | 'publishable' | 'restricted';

export interface ApiKey {
  key: string;
  accountId: string;
  livemode: boolean;
  type: KeyType;
  /** Set for restricted keys only. */
  permissions?: Permissions;
  /** `expired` after the key was rolled or deleted. */
  status: 'active' | 'expired';
}

export interface AuthContext {
  apiKey: ApiKey;
  account: Account;
  scope: Scope;
}

const KEY_PREFIXES: Record<KeyType, string> = { secret: 'sk', publishable: 'pk', restricted: 'rk' };

function issueKey(
  sandbox: Sandbox,
  account: Account,
  mode: Mode,
  type: KeyType,
  permissions?: Permissions,
): ApiKey {
  const apiKey: ApiKey = {
    key: `${KEY_PREFIXES[type]}_${mode}_51${randomAlphanumeric(40)}`,
    accountId: account.id,
    livemode: mode === 'live',
    type,
    permissions,
    status: 'active',
  };
  sandbox.state.keys.set(apiKey.key, apiKey);
  return apiKey;
}

export function createAccount(
  sandbox: Sandbox,
  input: { mode: Mode; name: string; country: string; defaultCurrency: string },
): { account: Account; secretKey: string; publishableKey: string } {
  const account: Account = {
    id: newId('acct_1', 15),
    name: input.name,
    country: input.country,
    defaultCurrency: input.defaultCurrency,
    defaultMode: input.mode,
    created: now(sandbox),
  };
  sandbox.state.accounts.set(account.id, account);
  const keys = issueStandardKeys(sandbox, account, input.mode);
  return { account, ...keys };
}

export function issueStandardKeys(
  sandbox: Sandbox,
  account: Account,
  mode: Mode,
): { secretKey: string; publishableKey: string } {
  return {
    secretKey: issueKey(sandbox, account, mode, 'secret').key,
    publishableKey: issueKey(sandbox, account, mode, 'publishable').key,
  };
}

export function createRestrictedKey(
  sandbox: Sandbox,
  account: Account,
  mode: Mode,
  permissions: Permissions,
): string {
  return issueKey(sandbox, account, mode, 'restricted', permissions).key;
}

/** Marks `key` expired and issues a replacement of the same type, mode and permissions. */
export function rollKey(sandbox: Sandbox, apiKey: ApiKey): ApiKey {
  const account = sandbox.state.accounts.get(apiKey.accountId);
  if (account === undefined) {
    throw invalidRequest(`The account of key ${maskKey(apiKey.key)} no longer exists.`, {
      status: 404,
    });
  }
  apiKey.status = 'expired';
  return issueKey(
    sandbox,
    account,
    apiKey.livemode ? 'live' : 'test',
    apiKey.type,
    apiKey.permissions,
  );
}

function unauthorized(message: string, code?: string): StripeApiError {
  const error = invalidRequest(message, { status: 401, code });
  return new StripeApiError(401, error.body, { 'WWW-Authenticate': 'Basic realm="Stripe"' });
}

/** Extracts the key from `Bearer KEY` or from Basic auth with the key as the username. */
function keyFromHeader(header: string | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  const [scheme, credentials = ''] = header.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer') {
    return credentials || undefined;
  }
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return (colon === -1 ? decoded : decoded.slice(0, colon)) || undefined;
  }
  return undefined;
}

/** Authenticates an API request from its Authorization header, raising Stripe's 401s. */
export function authenticate(sandbox: Sandbox, authorization: string | undefined): AuthContext {
  const key = keyFromHeader(authorization);
  if (key === undefined) {
    throw unauthorized(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  const apiKey = sandbox.state.keys.get(key);
  if (apiKey === undefined) {
    throw unauthorized(`Invalid API Key provided: ${maskKey(key)}`);
  }
  if (apiKey.status === 'expired') {
    throw unauthorized(
      `Expired API Key provided: ${maskKey(key)}. The key was rolled or deleted, so use the current key from the Dashboard.`,
      'api_key_expired',
    );
  }
  if (apiKey.type === 'publishable') {
    throw unauthorized(
      'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
    );
  }
  const account = sandbox.state.accounts.get(apiKey.accountId);
  if (account === undefined) {
    throw unauthorized(`Invalid API Key provided: ${maskKey(key)}`);
  }
  return { apiKey, account, scope: { accountId: account.id, livemode: apiKey.livemode } };
}

function grants(level: AccessLevel, needed: 'read' | 'write'): boolean {
  return level === 'write' || (level === 'read' && needed === 'read');
}

/** Raises Stripe's 403 when a restricted key lacks `needed` access to `resource`. */
export function requirePermission(
  auth: AuthContext,
  resource: Resource,
  needed: 'read' | 'write',
): void {
  const { apiKey } = auth;
  if (apiKey.type !== 'restricted' || apiKey.permissions === undefined) {
    return;
  }
  if (grants(apiKey.permissions[resource], needed)) {
    return;
  }
  const names = PERMISSION_NAMES[resource];
  const permission = needed === 'write' ? (names.write ?? names.read) : names.read;
  throw invalidRequest(
    `The provided key '${maskRestrictedKey(apiKey.key)}' does not have the required permissions for this endpoint on account '${auth.account.id}'. Having the '${permission}' permission would allow this request to continue.`,
    { status: 403 },
  );
}

/** Returns `true` when `scope` owns an object stored with `owner`. */
export function sameScope(scope: Scope, owner: Scope): boolean {
  return scope.accountId === owner.accountId && scope.livemode === owner.livemode;
}
