/**
 * The HTTP layer: reads requests, dispatches them to the API, control and page routes,
 * and writes Stripe-shaped responses. Every response carries a `Request-Id`. Events an
 * action creates are handed to the delivery queue once its response is written.
 */
import http from 'node:http';
import { authenticate } from './accounts';
import { API_ROUTES } from './api-routes';
import { sweepExpiredSessions } from './checkout';
import { CONTROL_ROUTES } from './control';
import { apiError, invalidRequest, StripeApiError, unrecognizedUrl } from './errors';
import { faultError, takeFault } from './faults';
import { FormObject, parseForm } from './form';
import { findReplay, saveResponse } from './idempotency';
import { ControlBody, ControlResponse, matchRoute } from './router';
import { Action, API_VERSION, newRequestId, Sandbox } from './state';

/** Largest request body accepted, far above any request the sandbox's routes need. */
const MAX_BODY_BYTES = 1024 * 1024;

type Headers = Record<string, string>;

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Headers = {},
): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Stripe-Version': API_VERSION,
    ...headers,
  });
  res.end(text);
}

function sendControlResponse(res: http.ServerResponse, response: ControlResponse): number {
  if (response.location !== undefined) {
    res.writeHead(303, { Location: response.location, 'Content-Length': 0 });
    res.end();
    return 303;
  }
  const status = response.status ?? 200;
  if (response.html !== undefined) {
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(response.html),
    });
    res.end(response.html);
    return status;
  }
  sendJson(res, status, response.json ?? {});
  return status;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        reject(
          invalidRequest(
            `Request body too large: ${size} bytes sent, and the maximum is ${MAX_BODY_BYTES}.`,
            { status: 413 },
          ),
        );
        return;
      }
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isFormContent(req: http.IncomingMessage): boolean {
  return (headerValue(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded');
}

/** Owns the timers of delayed responses, so closing the server does not wait for them. */
export class ResponseDelays {
  private readonly timers = new Map<NodeJS.Timeout, () => void>();

  wait(milliseconds: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, milliseconds);
      this.timers.set(timer, resolve);
    });
  }

  cancelAll(): void {
    for (const [timer, resolve] of this.timers) {
      clearTimeout(timer);
      resolve();
    }
    this.timers.clear();
  }
}

interface Incoming {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  method: string;
  url: URL;
  rawBody: string;
  action: Action;
}

async function handleApi(
  sandbox: Sandbox,
  delays: ResponseDelays,
  incoming: Incoming,
): Promise<number> {
  const { req, res, method, url, rawBody, action } = incoming;
  const path = url.pathname;
  const fault = takeFault(sandbox, method, path);
  if (fault !== undefined) {
    sandbox.log(`fault ${fault.id} applied to ${method} ${path}`);
    if (fault.delayMs > 0) {
      await delays.wait(fault.delayMs);
    }
    const error = faultError(fault);
    if (error !== undefined) {
      throw error;
    }
  }

  const match = matchRoute(API_ROUTES, method, path);
  if (match === undefined) {
    throw unrecognizedUrl(method, path);
  }
  const auth = authenticate(sandbox, headerValue(req, 'authorization'));
  if (headerValue(req, 'stripe-account') !== undefined) {
    throw invalidRequest(
      'The sandbox does not support Connect requests: remove the Stripe-Account header.',
    );
  }

  let params: FormObject;
  if (method === 'POST') {
    if ((headerValue(req, 'content-type') ?? '').includes('json')) {
      throw invalidRequest(
        'The Stripe v1 API takes application/x-www-form-urlencoded bodies, not JSON.',
      );
    }
    params = parseForm(rawBody);
  } else {
    params = parseForm(url.search.slice(1));
  }

  const idempotencyKey = method === 'POST' ? headerValue(req, 'idempotency-key') : undefined;
  const endpoint = `${method} ${path}`;
  if (idempotencyKey !== undefined) {
    const replay = findReplay(sandbox, auth.scope, idempotencyKey, endpoint, params);
    if (replay !== undefined) {
      sendJson(res, replay.status, replay.body, {
        'Idempotency-Key': idempotencyKey,
        'Idempotent-Replayed': 'true',
        'Original-Request': replay.requestId,
      });
      return replay.status;
    }
  }

  const body = match.handler({
    sandbox,
    method,
    path,
    pathParams: match.pathParams,
    params,
    auth,
    action,
  });
  if (idempotencyKey !== undefined) {
    saveResponse(sandbox, auth.scope, idempotencyKey, endpoint, params, {
      status: 200,
      body,
      requestId: action.requestId as string,
    });
  }
  sendJson(
    res,
    200,
    body,
    idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey },
  );
  return 200;
}

function parseControlBody(incoming: Incoming): ControlBody {
  if (incoming.rawBody.trim() === '') {
    return {};
  }
  if (isFormContent(incoming.req)) {
    return parseForm(incoming.rawBody) as ControlBody;
  }
  let body: unknown;
  try {
    body = JSON.parse(incoming.rawBody);
  } catch (error) {
    throw invalidRequest(`Invalid JSON body: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('Invalid JSON body: send a JSON object.');
  }
  return body as ControlBody;
}

async function handleControl(sandbox: Sandbox, incoming: Incoming): Promise<number> {
  const { method, url, action, res } = incoming;
  const match = matchRoute(CONTROL_ROUTES, method, url.pathname);
  if (match === undefined) {
    throw invalidRequest(`No sandbox route ${method} ${url.pathname}.`, { status: 404 });
  }
  const response = await match.handler({
    sandbox,
    method,
    path: url.pathname,
    pathParams: match.pathParams,
    query: parseForm(url.search.slice(1)),
    body: parseControlBody(incoming),
    fromForm: isFormContent(incoming.req),
    action,
  });
  return sendControlResponse(res, response);
}

function sendError(
  sandbox: Sandbox,
  res: http.ServerResponse,
  error: unknown,
  requestId: string,
): number {
  let apiFailure: StripeApiError;
  if (error instanceof StripeApiError) {
    apiFailure = error;
    sandbox.log(
      `request ${requestId} rejected with ${error.status} ${error.body.type}: ${error.message}`,
    );
  } else {
    sandbox.log(
      `request ${requestId} failed with an unexpected error: ${(error as Error).stack ?? String(error)}`,
    );
    apiFailure = apiError(`The sandbox failed unexpectedly: ${(error as Error).message}`);
  }
  if (!res.headersSent) {
    sendJson(res, apiFailure.status, { error: apiFailure.body }, apiFailure.headers);
  }
  return apiFailure.status;
}

/** Returns the request listener of the sandbox's HTTP server. */
export function createRequestListener(
  sandbox: Sandbox,
  delays: ResponseDelays,
): http.RequestListener {
  return (req, res) => {
    const started = Date.now();
    const requestId = newRequestId();
    res.setHeader('Request-Id', requestId);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const idempotencyKey = method === 'POST' ? (headerValue(req, 'idempotency-key') ?? null) : null;
    const action: Action = { requestId, idempotencyKey, events: [] };
    const run = async (): Promise<number> => {
      const rawBody = await readBody(req);
      sweepExpiredSessions(sandbox);
      const incoming: Incoming = { req, res, method, url, rawBody, action };
      if (url.pathname.startsWith('/v1/')) {
        return handleApi(sandbox, delays, incoming);
      }
      if (url.pathname.startsWith('/_sandbox/') || url.pathname.startsWith('/c/')) {
        return handleControl(sandbox, incoming);
      }
      throw unrecognizedUrl(method, url.pathname);
    };
    run()
      .catch((error: unknown) => sendError(sandbox, res, error, requestId))
      .then((status) => {
        sandbox.deliveries.enqueueAction(sandbox, action);
        sandbox.log(`${method} ${url.pathname} ${status} ${requestId} ${Date.now() - started}ms`);
      })
      .catch((error: unknown) => {
        sandbox.log(`request ${requestId} could not be completed: ${String(error)}`);
      });
  };
}
