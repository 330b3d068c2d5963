/**
 * Route tables for the three kinds of routes the sandbox serves: the Stripe API under
 * `/v1`, the control routes under `/_sandbox`, and the hosted Checkout pages under `/c`.
 */
import type { AuthContext } from './accounts';
import type { FormObject } from './form';
import type { Action, Sandbox } from './state';

/** A request to a Stripe API route, after authentication. */
export interface ApiRequest {
  sandbox: Sandbox;
  method: string;
  path: string;
  pathParams: Record<string, string>;
  /** Query parameters for GET and DELETE, the form body for POST. */
  params: FormObject;
  auth: AuthContext;
  /** Collects the events this request creates, delivered after the response. */
  action: Action;
}

/** Returns the JSON body of a 200 response, or raises a StripeApiError. */
export type ApiHandler = (request: ApiRequest) => unknown;

/** Body of a control or page request: parsed JSON, or a parsed HTML form post. */
export type ControlBody = Record<string, unknown>;

export interface ControlRequest {
  sandbox: Sandbox;
  method: string;
  path: string;
  pathParams: Record<string, string>;
  query: FormObject;
  body: ControlBody;
  /** True when the body came from an HTML form (`application/x-www-form-urlencoded`). */
  fromForm: boolean;
  action: Action;
}

export interface ControlResponse {
  status?: number;
  json?: unknown;
  html?: string;
  /** Sends a 303 redirect to this URL. */
  location?: string;
}

export type ControlHandler = (
  request: ControlRequest,
) => ControlResponse | Promise<ControlResponse>;

export interface Route<H> {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: H;
}

/** Builds a route from a template such as `/v1/checkout/sessions/:id/expire`. */
export function route<H>(method: string, template: string, handler: H): Route<H> {
  const names: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        names.push(segment.slice(1));
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { method, pattern: new RegExp(`^${source}$`), names, handler };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape cannot name a stored object, so the raw text gives a plain 404.
    return segment;
  }
}

export interface RouteMatch<H> {
  handler: H;
  pathParams: Record<string, string>;
}

/** Finds the route for `method` and `path`, or returns undefined when none matches both. */
export function matchRoute<H>(
  routes: Route<H>[],
  method: string,
  path: string,
): RouteMatch<H> | undefined {
  for (const candidate of routes) {
    if (candidate.method !== method) {
      continue;
    }
    const match = candidate.pattern.exec(path);
    if (match === null) {
      continue;
    }
    const pathParams: Record<string, string> = {};
    candidate.names.forEach((name, index) => {
      pathParams[name] = safeDecode(match[index + 1]);
    });
    return { handler: candidate.handler, pathParams };
  }
  return undefined;
}
