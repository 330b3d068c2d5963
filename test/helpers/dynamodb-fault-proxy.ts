import {
  Agent,
  createServer,
  type IncomingMessage,
  request as httpRequest,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How a faulty request fails:
 * - `throttle`: HTTP 400 `ThrottlingException`, as DynamoDB returns when
 *   it throttles a request.
 * - `server_error`: HTTP 500 `InternalServerError`.
 * - `reset`: the connection closes without a response, as when DynamoDB
 *   cannot be reached.
 * - `lost_response`: the request reaches DynamoDB Local and is carried
 *   out, but the client gets HTTP 500 in place of the response.
 */
export type DynamoDbFaultKind = 'throttle' | 'server_error' | 'reset' | 'lost_response';

export interface DynamoDbFault {
  kind: DynamoDbFaultKind;
  /** Operation such as `TransactWriteItems`, or every operation when unset. */
  operation?: string;
  /** Number of matching requests that fail, 1 by default. */
  times?: number;
}

export interface DynamoDbFaultProxy {
  /** Endpoint for the SDK's `endpoint` option. */
  endpoint: string;
  /** Adds a fault. Faults are used in the order they were added. */
  inject(fault: DynamoDbFault): void;
  /** Removes every pending fault. */
  clear(): void;
  /** Operations received so far, such as `GetItem`, oldest first. */
  readonly operations: string[];
  /** Number of requests failed by a fault so far. */
  readonly faultsServed: number;
  close(): Promise<void>;
}

const JSON_1_0 = 'application/x-amz-json-1.0';

const ERROR_BODIES: Record<'throttle' | 'server_error', { status: number; body: string }> = {
  throttle: {
    status: 400,
    body: JSON.stringify({
      __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
      message: 'Rate of requests exceeds the allowed throughput.',
    }),
  },
  server_error: {
    status: 500,
    body: JSON.stringify({
      __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
      message: 'Internal server error',
    }),
  },
};

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendError(response: ServerResponse, kind: 'throttle' | 'server_error'): void {
  const { status, body } = ERROR_BODIES[kind];
  response.writeHead(status, {
    'content-type': JSON_1_0,
    'content-length': String(Buffer.byteLength(body)),
    'x-amzn-requestid': `fault-${Date.now()}`,
  });
  response.end(body);
}

/**
 * Starts an HTTP proxy on 127.0.0.1 in front of DynamoDB Local that fails
 * chosen requests, so tests see the errors the AWS SDK really raises
 * (after its own retries) instead of a mocked client. The target must be a
 * loopback endpoint.
 */
export async function startDynamoDbFaultProxy(target: string): Promise<DynamoDbFaultProxy> {
  const upstream = new URL(target);
  if (upstream.hostname !== '127.0.0.1' && upstream.hostname !== 'localhost') {
    throw new Error(`the DynamoDB fault proxy only forwards to 127.0.0.1, not ${upstream.hostname}`);
  }
  const agent = new Agent({ keepAlive: true });
  const faults: (DynamoDbFault & { remaining: number })[] = [];
  const operations: string[] = [];
  let faultsServed = 0;

  const takeFault = (operation: string): DynamoDbFaultKind | undefined => {
    const index = faults.findIndex(
      (fault) => fault.operation === undefined || fault.operation === operation,
    );
    if (index === -1) return undefined;
    const fault = faults[index];
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
    faultsServed += 1;
    return fault.kind;
  };

  const forward = (request: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>(
      (resolve, reject) => {
        const headers = { ...request.headers, host: upstream.host };
        const outgoing = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            path: request.url,
            method: request.method,
            headers,
            agent,
          },
          (incoming) => {
            void readBody(incoming).then(
              (payload) =>
                resolve({
                  status: incoming.statusCode ?? 502,
                  headers: incoming.headers as Record<string, string>,
                  body: payload,
                }),
              reject,
            );
          },
        );
        outgoing.on('error', reject);
        outgoing.end(body);
      },
    );

  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const target = String(request.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.indexOf('.') + 1);
      operations.push(operation);
      const fault = takeFault(operation);
      if (fault === 'reset') {
        request.socket.destroy();
        return;
      }
      if (fault === 'throttle' || fault === 'server_error') {
        sendError(response, fault);
        return;
      }
      const result = await forward(request, body);
      if (fault === 'lost_response') {
        sendError(response, 'server_error');
        return;
      }
      response.writeHead(result.status, result.headers);
      response.end(result.body);
    })().catch(() => {
      request.socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    inject(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    clear() {
      faults.length = 0;
    },
    operations,
    get faultsServed() {
      return faultsServed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
