/**
 * Control routes for accounts and API keys: new accounts with standard keys, more keys
 * for either mode, restricted keys with permissions, and rolling or deleting a key.
 */
import {
  AccessLevel,
  Account,
  ApiKey,
  createAccount,
  createRestrictedKey,
  issueStandardKeys,
  PERMISSION_NAMES,
  Permissions,
  RESOURCES,
  rollKey,
} from './accounts';
import { bodyEnum, bodyObject, bodyString } from './control-body';
import { isSupportedCurrency } from './currencies';
import type { EventRecord, StripeEvent } from './events';
import { invalidRequest, maskKey } from './errors';
import { ControlHandler, ControlRequest, ControlResponse, route, Route } from './router';
import { Mode } from './state';

const MODES: readonly Mode[] = ['test', 'live'];

/** Default currency of a new account by country. Other countries default to usd. */
const COUNTRY_CURRENCIES: Record<string, string> = {
  US: 'usd',
  EC: 'usd',
  MX: 'mxn',
  CO: 'cop',
  BR: 'brl',
  AR: 'ars',
  CL: 'clp',
  PE: 'pen',
  GB: 'gbp',
  CA: 'cad',
  AU: 'aud',
  JP: 'jpy',
  ES: 'eur',
  DE: 'eur',
  FR: 'eur',
};

function findAccount(request: ControlRequest): Account {
  const account = request.sandbox.state.accounts.get(request.pathParams.id);
  if (account === undefined) {
    throw invalidRequest(`No such account: '${request.pathParams.id}'`, {
      status: 404,
      code: 'resource_missing',
    });
  }
  return account;
}

function postAccount(request: ControlRequest): ControlResponse {
  const { body } = request;
  const country = bodyString(body, 'country') ?? 'US';
  if (!/^[A-Z]{2}$/.test(country)) {
    throw invalidRequest(
      `Invalid country: '${country}' is not a two-letter ISO 3166 code such as US.`,
      { param: 'country' },
    );
  }
  const defaultCurrency =
    bodyString(body, 'defaultCurrency') ?? COUNTRY_CURRENCIES[country] ?? 'usd';
  if (!isSupportedCurrency(defaultCurrency)) {
    throw invalidRequest(
      `Invalid defaultCurrency: '${defaultCurrency}' is not a lowercase currency Stripe supports.`,
      {
        param: 'defaultCurrency',
      },
    );
  }
  const { account, secretKey, publishableKey } = createAccount(request.sandbox, {
    mode: bodyEnum(body, 'mode', MODES) ?? 'test',
    name: bodyString(body, 'name') ?? 'Sandbox Merchant',
    country,
    defaultCurrency,
  });
  request.sandbox.log(`account ${account.id} created`);
  return { json: { accountId: account.id, secretKey, publishableKey } };
}

function postAccountKeys(request: ControlRequest): ControlResponse {
  const account = findAccount(request);
  const mode = bodyEnum(request.body, 'mode', MODES) ?? account.defaultMode;
  return { json: issueStandardKeys(request.sandbox, account, mode) };
}

function readPermissions(body: Record<string, unknown>): Permissions {
  const input = bodyObject(body, 'permissions');
  if (input === undefined) {
    throw invalidRequest('Missing required field: permissions.', {
      param: 'permissions',
      code: 'parameter_missing',
    });
  }
  const permissions = Object.fromEntries(
    RESOURCES.map((resource) => [resource, 'none']),
  ) as Permissions;
  for (const [resource, level] of Object.entries(input)) {
    const param = `permissions.${resource}`;
    if (!(RESOURCES as readonly string[]).includes(resource)) {
      throw invalidRequest(
        `Invalid ${param}: unknown resource. Use one of ${RESOURCES.join(', ')}.`,
        { param },
      );
    }
    const levels =
      PERMISSION_NAMES[resource as keyof Permissions].write === undefined
        ? ['none', 'read']
        : ['none', 'read', 'write'];
    if (typeof level !== 'string' || !levels.includes(level)) {
      throw invalidRequest(
        `Invalid ${param}: ${JSON.stringify(level)} is not one of ${levels.join(', ')}.`,
        { param },
      );
    }
    permissions[resource as keyof Permissions] = level as AccessLevel;
  }
  return permissions;
}

function postRestrictedKey(request: ControlRequest): ControlResponse {
  const account = findAccount(request);
  const mode = bodyEnum(request.body, 'mode', MODES) ?? account.defaultMode;
  const restrictedKey = createRestrictedKey(
    request.sandbox,
    account,
    mode,
    readPermissions(request.body),
  );
  return { json: { restrictedKey } };
}

function findKey(request: ControlRequest): ApiKey {
  const key = request.pathParams.key;
  const apiKey = request.sandbox.state.keys.get(key);
  if (apiKey === undefined || apiKey.status === 'expired') {
    throw invalidRequest(`No active API key ${maskKey(key)} exists in the sandbox.`, {
      status: 404,
      code: 'resource_missing',
    });
  }
  return apiKey;
}

function postRollKey(request: ControlRequest): ControlResponse {
  const replacement = rollKey(request.sandbox, findKey(request));
  request.sandbox.log(
    `key ${maskKey(request.pathParams.key)} rolled to ${maskKey(replacement.key)}`,
  );
  const field = { secret: 'secretKey', restricted: 'restrictedKey', publishable: 'publishableKey' }[
    replacement.type
  ];
  return { json: { [field]: replacement.key } };
}

function deleteKey(request: ControlRequest): ControlResponse {
  const apiKey = findKey(request);
  apiKey.status = 'expired';
  request.sandbox.log(`key ${maskKey(apiKey.key)} deleted`);
  return { json: { key: maskKey(apiKey.key), deleted: true } };
}

/**
 * Stores an event in the account as if Stripe had created it, without
 * delivering it, so tests can have an outside payload found by
 * `GET /v1/events/{id}`.
 */
function postEvent(request: ControlRequest): ControlResponse {
  const account = findAccount(request);
  const event = bodyObject(request.body, 'event');
  if (!event || typeof event.id !== 'string' || !event.id.startsWith('evt_')) {
    throw invalidRequest('Send {"event": {...}} with an id that starts with evt_.', {
      param: 'event',
    });
  }
  const livemode = event.livemode === true;
  const record: EventRecord = {
    accountId: account.id,
    livemode,
    event: { ...(structuredClone(event) as unknown as StripeEvent), livemode },
    endpointIds: [],
    pendingEndpointIds: new Set(),
  };
  request.sandbox.state.events.set(event.id, record);
  request.sandbox.log(`event ${event.id} stored for ${account.id}`);
  return { json: { id: event.id, stored: true } };
}

export const ACCOUNT_CONTROL_ROUTES: Route<ControlHandler>[] = [
  route('POST', '/_sandbox/accounts/:id/events', postEvent),
  route('POST', '/_sandbox/accounts', postAccount),
  route('POST', '/_sandbox/accounts/:id/keys', postAccountKeys),
  route('POST', '/_sandbox/accounts/:id/restricted_keys', postRestrictedKey),
  route('POST', '/_sandbox/keys/:key/roll', postRollKey),
  route('DELETE', '/_sandbox/keys/:key', deleteKey),
];
