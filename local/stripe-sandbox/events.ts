/**
 * Events: one per state change, with a snapshot of the object at that moment, as
 * Stripe creates them. Retrieval and listing follow `GET /v1/events[/{id}]`.
 */
import { requirePermission, sameScope } from './accounts';
import { invalidRequest, resourceMissing } from './errors';
import { LIST_PARAMS, paginate, readCreatedFilter } from './lists';
import {
  readBoolean,
  readExpand,
  readString,
  readStringArray,
  rejectUnknownParams,
} from './params';
import type { ApiRequest } from './router';
import { Action, API_VERSION, newId, now, Sandbox, Scope } from './state';
import { matchingEndpointIds } from './webhook-endpoints';

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown };
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface EventRecord extends Scope {
  event: StripeEvent;
  /** Endpoints subscribed to the event when it was created: its deliveries go to these. */
  endpointIds: string[];
  /** Endpoints that have not yet responded to a delivery of the event with a 2xx status. */
  pendingEndpointIds: Set<string>;
}

/** Creates an event with a deep copy of `object` and adds it to the action's batch. */
export function emitEvent(
  sandbox: Sandbox,
  action: Action,
  scope: Scope,
  type: string,
  object: unknown,
): EventRecord {
  const endpointIds = matchingEndpointIds(sandbox, scope, type);
  const record: EventRecord = {
    accountId: scope.accountId,
    livemode: scope.livemode,
    event: {
      id: newId('evt_1'),
      object: 'event',
      api_version: API_VERSION,
      created: now(sandbox),
      data: { object: structuredClone(object) },
      livemode: scope.livemode,
      pending_webhooks: endpointIds.length,
      request: { id: action.requestId, idempotency_key: action.idempotencyKey },
      type,
    },
    endpointIds,
    pendingEndpointIds: new Set(endpointIds),
  };
  sandbox.state.events.set(record.event.id, record);
  action.events.push(record);
  return record;
}

/** Returns the event as the API shows it now, with the current `pending_webhooks`. */
export function renderEvent(record: EventRecord): StripeEvent {
  return { ...structuredClone(record.event), pending_webhooks: record.pendingEndpointIds.size };
}

export function retrieveEvent(request: ApiRequest): unknown {
  requirePermission(request.auth, 'events', 'read');
  rejectUnknownParams(request.params, ['expand']);
  readExpand(request.params, []);
  const id = request.pathParams.id;
  const record = request.sandbox.state.events.get(id);
  if (record === undefined || !sameScope(request.auth.scope, record)) {
    throw resourceMissing('event', id);
  }
  return renderEvent(record);
}

/** Matches an event type against a filter that may use `*` as a wildcard, as Stripe allows. */
function typeMatches(filter: string, type: string): boolean {
  if (!filter.includes('*')) {
    return filter === type;
  }
  const pattern = filter
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(type);
}

export function listEvents(request: ApiRequest): unknown {
  requirePermission(request.auth, 'events', 'read');
  const { params } = request;
  rejectUnknownParams(params, [...LIST_PARAMS, 'type', 'types', 'created', 'delivery_success']);
  readExpand(params, []);

  const type = readString(params, 'type');
  const types = readStringArray(params, 'types');
  if (type !== undefined && types !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: type, types.', {
      param: 'types',
    });
  }
  if (types !== undefined && types.length > 20) {
    throw invalidRequest(`Invalid types: ${types.length} types sent, and the maximum is 20.`, {
      param: 'types',
    });
  }
  const createdFilter = readCreatedFilter(params);
  const deliverySuccess = readBoolean(params, 'delivery_success');

  const items = [...request.sandbox.state.events.values()]
    .filter((record) => sameScope(request.auth.scope, record))
    .filter((record) => type === undefined || typeMatches(type, record.event.type))
    .filter((record) => types === undefined || types.includes(record.event.type))
    .filter((record) => createdFilter(record.event.created))
    .filter(
      (record) =>
        deliverySuccess === undefined || (record.pendingEndpointIds.size === 0) === deliverySuccess,
    )
    .reverse()
    .map(renderEvent);
  return paginate(items, params, '/v1/events', 'event');
}
