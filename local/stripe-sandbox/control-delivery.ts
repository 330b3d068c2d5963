/**
 * Control routes for webhook deliveries and injected API faults: the delivery mode,
 * the record of delivery attempts, waiting for queued deliveries, resending an event,
 * and the faults that make API calls fail or respond late.
 */
import { bodyBoolean, bodyEnum, bodyInteger, bodyString } from './control-body';
import { DELIVERY_MODES } from './deliveries';
import { invalidRequest, resourceMissing } from './errors';
import { readString } from './params';
import { addFault, RATE_LIMITED_REASONS } from './faults';
import { ControlHandler, ControlRequest, ControlResponse, route, Route } from './router';
import { matchingEndpointIds } from './webhook-endpoints';

/** Maximum delay a fault may add, above stripe-node's default timeout of 80 s. */
const MAX_FAULT_DELAY_MS = 120_000;

function getDeliveryMode(request: ControlRequest): ControlResponse {
  return { json: { mode: request.sandbox.state.deliveryMode } };
}

function putDeliveryMode(request: ControlRequest): ControlResponse {
  const mode = bodyEnum(request.body, 'mode', DELIVERY_MODES);
  if (mode === undefined) {
    throw invalidRequest(`Missing required field: mode (${DELIVERY_MODES.join(', ')}).`, {
      param: 'mode',
      code: 'parameter_missing',
    });
  }
  request.sandbox.state.deliveryMode = mode;
  request.sandbox.log(`delivery mode set to ${mode}`);
  return { json: { mode } };
}

function listDeliveries(request: ControlRequest): ControlResponse {
  const eventId = readString(request.query, 'event');
  const accountId = readString(request.query, 'account');
  const endpointId = readString(request.query, 'endpoint');
  const data = request.sandbox.state.deliveries.filter(
    (record) =>
      (eventId === undefined || record.eventId === eventId) &&
      (accountId === undefined || record.accountId === accountId) &&
      (endpointId === undefined || record.endpointId === endpointId),
  );
  return { json: { data: structuredClone(data) } };
}

async function flushDeliveries(request: ControlRequest): Promise<ControlResponse> {
  // The request's own action is empty, so waiting here cannot wait for itself.
  await request.sandbox.deliveries.flush();
  return { json: { flushed: true, deliveries: request.sandbox.state.deliveries.length } };
}

function resendEvent(request: ControlRequest): ControlResponse {
  const { sandbox } = request;
  const record = sandbox.state.events.get(request.pathParams.id);
  if (record === undefined) {
    throw resourceMissing('event', request.pathParams.id);
  }
  const endpointId = bodyString(request.body, 'endpointId');
  let endpointIds: string[];
  if (endpointId !== undefined) {
    const endpoint = sandbox.state.webhookEndpoints.get(endpointId);
    if (
      endpoint === undefined ||
      endpoint.accountId !== record.accountId ||
      endpoint.livemode !== record.livemode
    ) {
      throw resourceMissing('webhook_endpoint', endpointId, 'endpointId');
    }
    endpointIds = [endpointId];
  } else {
    // The endpoints the event went to, and any endpoint subscribed to its type since then.
    const current = matchingEndpointIds(sandbox, record, record.event.type);
    endpointIds = [...new Set([...record.endpointIds, ...current])].filter((id) =>
      sandbox.state.webhookEndpoints.has(id),
    );
  }
  sandbox.deliveries.resend(sandbox, record, endpointIds);
  sandbox.log(`event ${record.event.id} resent to ${endpointIds.length} endpoints`);
  return { json: { eventId: record.event.id, endpointIds } };
}

function postFault(request: ControlRequest): ControlResponse {
  const { body } = request;
  const path = bodyString(body, 'path', true) as string;
  if (!path.startsWith('/v1/')) {
    throw invalidRequest(
      `Invalid path: '${path}' must be an API path such as /v1/events (a trailing * matches a prefix).`,
      {
        param: 'path',
      },
    );
  }
  const method = bodyEnum(body, 'method', ['GET', 'POST', 'DELETE'] as const) ?? null;
  const statusValue = bodyInteger(body, 'status', 100, 599);
  if (statusValue !== undefined && statusValue !== 429 && statusValue !== 500) {
    throw invalidRequest(`Invalid status: ${statusValue}. A fault responds with 429 or 500.`, {
      param: 'status',
    });
  }
  const delayMs = bodyInteger(body, 'delayMs', 0, MAX_FAULT_DELAY_MS) ?? 0;
  if (statusValue === undefined && delayMs === 0) {
    throw invalidRequest('A fault needs a status (429 or 500), a delayMs, or both.', {
      param: 'status',
    });
  }
  const fault = addFault(request.sandbox, {
    method,
    path,
    status: statusValue ?? null,
    delayMs,
    times: bodyInteger(body, 'times', 1, 1000) ?? 1,
    rateLimitedReason: bodyEnum(body, 'rateLimitedReason', RATE_LIMITED_REASONS) ?? 'global-rate',
    shouldRetry: bodyBoolean(body, 'shouldRetry') ?? null,
  });
  request.sandbox.log(`fault ${fault.id} added for ${method ?? 'any method'} ${path}`);
  return { json: fault };
}

function listFaults(request: ControlRequest): ControlResponse {
  return { json: { data: structuredClone(request.sandbox.state.faults) } };
}

function clearFaults(request: ControlRequest): ControlResponse {
  const cleared = request.sandbox.state.faults.length;
  request.sandbox.state.faults = [];
  return { json: { cleared } };
}

export const DELIVERY_CONTROL_ROUTES: Route<ControlHandler>[] = [
  route('GET', '/_sandbox/delivery', getDeliveryMode),
  route('PUT', '/_sandbox/delivery', putDeliveryMode),
  route('GET', '/_sandbox/deliveries', listDeliveries),
  route('POST', '/_sandbox/deliveries/flush', flushDeliveries),
  route('POST', '/_sandbox/events/:id/resend', resendEvent),
  route('GET', '/_sandbox/faults', listFaults),
  route('POST', '/_sandbox/faults', postFault),
  route('DELETE', '/_sandbox/faults', clearFaults),
];
