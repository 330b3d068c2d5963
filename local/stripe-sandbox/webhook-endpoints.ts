/**
 * Webhook endpoints: `POST/GET/DELETE /v1/webhook_endpoints[/{id}]`. The signing secret
 * is returned only by create, `api_version` is fixed at creation, and an account has at
 * most 16 endpoints per mode, as in Stripe.
 */
import { requirePermission, sameScope } from './accounts';
import { invalidRequest, resourceMissing } from './errors';
import { FormObject } from './form';
import { LIST_PARAMS, paginate } from './lists';
import {
  mergeMetadata,
  readBoolean,
  readExpand,
  readMetadata,
  readString,
  readStringArray,
  rejectUnknownParams,
} from './params';
import type { ApiRequest } from './router';
import { newId, now, randomAlphanumeric, Sandbox, Scope } from './state';

/** Stripe's limit of webhook endpoints per account (and mode). */
export const MAX_ENDPOINTS = 16;

export interface WebhookEndpoint {
  id: string;
  object: 'webhook_endpoint';
  api_version: string | null;
  application: null;
  created: number;
  description: string | null;
  enabled_events: string[];
  livemode: boolean;
  metadata: Record<string, string>;
  status: 'enabled' | 'disabled';
  url: string;
}

export interface WebhookEndpointRecord extends Scope {
  endpoint: WebhookEndpoint;
  /** The `whsec_…` secret that signs deliveries, returned by create only. */
  secret: string;
}

/**
 * Event types of the objects the sandbox creates. An `enabled_events` entry with one of
 * these prefixes must be in this list, so a typo such as `payment_intent.succeded` is
 * rejected as Stripe rejects it. Other well-formed types are accepted without a check.
 */
const KNOWN_EVENT_TYPES: Record<string, string[]> = {
  'payment_intent.': [
    'amount_capturable_updated',
    'canceled',
    'created',
    'partially_funded',
    'payment_failed',
    'processing',
    'requires_action',
    'succeeded',
  ],
  'charge.': [
    'captured',
    'expired',
    'failed',
    'pending',
    'refunded',
    'succeeded',
    'updated',
    'dispute.closed',
    'dispute.created',
    'dispute.funds_reinstated',
    'dispute.funds_withdrawn',
    'dispute.updated',
    'refund.updated',
  ],
  'checkout.session.': ['async_payment_failed', 'async_payment_succeeded', 'completed', 'expired'],
};

function validateEnabledEvents(events: string[]): void {
  if (events.length === 0) {
    throw invalidRequest(
      'Invalid enabled_events: list at least one event type, or "*" for all events.',
      {
        param: 'enabled_events',
      },
    );
  }
  events.forEach((type, index) => {
    const param = `enabled_events[${index}]`;
    if (type === '*') {
      return;
    }
    const prefix = Object.keys(KNOWN_EVENT_TYPES).find((candidate) => type.startsWith(candidate));
    const known =
      prefix === undefined || KNOWN_EVENT_TYPES[prefix].includes(type.slice(prefix.length));
    if (!/^[a-z_]+(\.[a-z_]+)+$/.test(type) || !known) {
      throw invalidRequest(`Invalid ${param}: '${type}' is not a valid event type.`, { param });
    }
  });
}

function validateUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidRequest(`Invalid URL: '${url}' is not an absolute http or https URL.`, {
      param: 'url',
      code: 'url_invalid',
    });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw invalidRequest(`Invalid URL: '${url}' must use http or https.`, {
      param: 'url',
      code: 'url_invalid',
    });
  }
}

function findEndpoint(request: ApiRequest): WebhookEndpointRecord {
  const id = request.pathParams.id;
  const record = request.sandbox.state.webhookEndpoints.get(id);
  if (record === undefined || !sameScope(request.auth.scope, record)) {
    throw resourceMissing('webhook_endpoint', id);
  }
  return record;
}

export function createWebhookEndpoint(request: ApiRequest): unknown {
  requirePermission(request.auth, 'webhook_endpoints', 'write');
  const { params, sandbox, auth } = request;
  rejectUnknownParams(params, [
    'url',
    'enabled_events',
    'description',
    'metadata',
    'api_version',
    'connect',
    'expand',
  ]);
  readExpand(params, []);
  const url = readString(params, 'url', { required: true, maxLength: 5000 }) as string;
  validateUrl(url);
  const enabledEvents = readStringArray(params, 'enabled_events', { required: true }) as string[];
  validateEnabledEvents(enabledEvents);
  const apiVersion = readString(params, 'api_version');
  if (apiVersion !== undefined && !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(apiVersion)) {
    throw invalidRequest(
      `Invalid api_version: '${apiVersion}' is not an API version such as 2026-11-18.endive.`,
      {
        param: 'api_version',
      },
    );
  }
  if (readBoolean(params, 'connect') === true) {
    throw invalidRequest('The sandbox does not support Connect webhook endpoints (connect=true).', {
      param: 'connect',
    });
  }

  const count = [...sandbox.state.webhookEndpoints.values()].filter((record) =>
    sameScope(auth.scope, record),
  ).length;
  if (count >= MAX_ENDPOINTS) {
    const mode = auth.scope.livemode ? 'live' : 'test';
    throw invalidRequest(
      `You have reached the maximum of ${MAX_ENDPOINTS} webhook endpoints for this account in ${mode} mode. Delete an endpoint you no longer use before you create another.`,
      { param: 'url' },
    );
  }

  const metadata = mergeMetadata({}, readMetadata(params) ?? {});
  const record: WebhookEndpointRecord = {
    ...auth.scope,
    secret: `whsec_${randomAlphanumeric(32)}`,
    endpoint: {
      id: newId('we_1'),
      object: 'webhook_endpoint',
      // NOTE: payloads always use the sandbox's one API version, whatever api_version is set.
      api_version: apiVersion ?? null,
      application: null,
      created: now(sandbox),
      description: readString(params, 'description', { maxLength: 5000 }) ?? null,
      enabled_events: enabledEvents,
      livemode: auth.scope.livemode,
      metadata,
      status: 'enabled',
      url,
    },
  };
  sandbox.state.webhookEndpoints.set(record.endpoint.id, record);
  sandbox.log(`webhook endpoint ${record.endpoint.id} created for ${auth.account.id} -> ${url}`);
  return { ...structuredClone(record.endpoint), secret: record.secret };
}

export function retrieveWebhookEndpoint(request: ApiRequest): unknown {
  requirePermission(request.auth, 'webhook_endpoints', 'read');
  rejectUnknownParams(request.params, ['expand']);
  readExpand(request.params, []);
  return structuredClone(findEndpoint(request).endpoint);
}

export function updateWebhookEndpoint(request: ApiRequest): unknown {
  requirePermission(request.auth, 'webhook_endpoints', 'write');
  const { params } = request;
  // Stripe fixes api_version at creation, so an update that sends it is rejected as unknown.
  rejectUnknownParams(params, [
    'url',
    'enabled_events',
    'description',
    'metadata',
    'disabled',
    'expand',
  ]);
  readExpand(params, []);
  const record = findEndpoint(request);

  const url = readString(params, 'url', { maxLength: 5000 });
  if (url !== undefined) {
    validateUrl(url);
  }
  const enabledEvents = readStringArray(params, 'enabled_events');
  if (enabledEvents !== undefined) {
    validateEnabledEvents(enabledEvents);
  }
  const metadata = readMetadata(params);
  const disabled = readBoolean(params, 'disabled');
  const description = readString(params, 'description', { maxLength: 5000 });

  const { endpoint } = record;
  endpoint.url = url ?? endpoint.url;
  endpoint.enabled_events = enabledEvents ?? endpoint.enabled_events;
  endpoint.metadata =
    metadata === undefined ? endpoint.metadata : mergeMetadata(endpoint.metadata, metadata);
  if (disabled !== undefined) {
    endpoint.status = disabled ? 'disabled' : 'enabled';
  }
  if (Object.hasOwn(params, 'description')) {
    endpoint.description = description ?? null;
  }
  return structuredClone(endpoint);
}

export function deleteWebhookEndpoint(request: ApiRequest): unknown {
  requirePermission(request.auth, 'webhook_endpoints', 'write');
  rejectUnknownParams(request.params, []);
  const record = findEndpoint(request);
  request.sandbox.state.webhookEndpoints.delete(record.endpoint.id);
  return { id: record.endpoint.id, object: 'webhook_endpoint', deleted: true };
}

export function listWebhookEndpoints(request: ApiRequest): unknown {
  requirePermission(request.auth, 'webhook_endpoints', 'read');
  const params: FormObject = request.params;
  rejectUnknownParams(params, LIST_PARAMS);
  readExpand(params, []);
  const items = [...request.sandbox.state.webhookEndpoints.values()]
    .filter((record) => sameScope(request.auth.scope, record))
    .reverse()
    .map((record) => structuredClone(record.endpoint));
  return paginate(items, params, '/v1/webhook_endpoints', 'webhook_endpoint');
}

/** Returns the ids of enabled endpoints in `scope` that subscribe to `type` or to `*`. */
export function matchingEndpointIds(sandbox: Sandbox, scope: Scope, type: string): string[] {
  return [...sandbox.state.webhookEndpoints.values()]
    .filter((record) => sameScope(scope, record) && record.endpoint.status === 'enabled')
    .filter((record) =>
      record.endpoint.enabled_events.some((entry) => entry === '*' || entry === type),
    )
    .map((record) => record.endpoint.id);
}
