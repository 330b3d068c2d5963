import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

import { redactSecrets } from '../functions/core/redact';

import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface GatewayRoute {
  /** Matches the request path, such as `/link-webhook` or `/payments`. */
  matches: (path: string) => boolean;
  handler: HttpHandler;
}

/** API Gateway's own payload limit; larger requests get its 413. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

// Content types API Gateway passes as text; anything else arrives base64.
const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml)|[^;]*\+json)/i;

/**
 * Builds the payload 2.0 event that API Gateway HTTP APIs and Lambda
 * Function URLs send: lower-cased headers with repeats joined by commas,
 * the raw path and query, and the body as text or base64.
 */
export function toGatewayEvent(
  request: IncomingMessage,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headersDistinct)) {
    if (value) headers[name.toLowerCase()] = value.join(',');
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  const contentType = headers['content-type'] ?? '';
  const isText = body.length === 0 || TEXT_TYPES.test(contentType);
  const now = new Date();
  const method = request.method ?? 'GET';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 && {
      body: isText ? body.toString('utf8') : body.toString('base64'),
    }),
    isBase64Encoded: !isText,
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const body = result.body ?? '';
  const bytes = result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body);
  response.writeHead(result.statusCode ?? 200, {
    ...(result.headers as Record<string, string> | undefined),
    'content-length': String(bytes.length),
  });
  response.end(bytes);
}

export interface Gateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves the routes on 127.0.0.1 the way API Gateway would invoke them. */
export async function startGateway(routes: GatewayRoute[], port: number): Promise<Gateway> {
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      if (!body) {
        send(response, { statusCode: 413, body: '{"message":"Request Entity Too Large"}' });
        return;
      }
      const event = toGatewayEvent(request, body);
      const route = routes.find((candidate) => candidate.matches(event.rawPath));
      if (!route) {
        send(response, { statusCode: 404, body: '{"message":"Not Found"}' });
        return;
      }
      try {
        send(response, await route.handler(event));
      } catch (error) {
        // A handler that throws is what Lambda reports as a 500.
        process.stderr.write(`handler threw: ${redactSecrets(String(error))}\n`);
        send(response, { statusCode: 500, body: '{"message":"Internal Server Error"}' });
      }
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
