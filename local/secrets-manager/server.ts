import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Logger } from '@aws-lambda-powertools/logger';
import { AwsError } from './errors';
import { FaultInjector, InvalidFaultError } from './faults';
import type { RequestBody } from './input';
import { OPERATIONS } from './operations';
import type { SecretStore } from './store';

const JSON_1_1 = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'secretsmanager.';
const FAULTS_PATH = '/_local/faults';
/** Maximum request body in bytes, well above the 64 KiB maximum of a secret value. */
const MAX_BODY_BYTES = 1024 * 1024;

class BodyTooLargeError extends Error {}

/**
 * Reads the whole body. A body over MAX_BODY_BYTES is read to the end and
 * dropped, so the 413 response can still reach the client.
 */
async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) {
      chunks.push(chunk as Buffer);
    }
  }
  if (size > MAX_BODY_BYTES) {
    throw new BodyTooLargeError();
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  response: ServerResponse,
  statusCode: number,
  body?: unknown,
  contentType = JSON_1_1,
): void {
  const headers: Record<string, string> = { 'x-amzn-RequestId': randomUUID() };
  if (body === undefined) {
    response.writeHead(statusCode, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  headers['content-type'] = contentType;
  headers['content-length'] = String(Buffer.byteLength(text));
  response.writeHead(statusCode, headers).end(text);
}

function sendError(response: ServerResponse, error: AwsError): void {
  send(response, error.statusCode, error.toBody());
}

/**
 * Parses a JSON object body. The parser's own message is not reused, because
 * it quotes part of the input, which may be a secret value.
 */
function parseObject(text: string): RequestBody {
  let parsed: unknown;
  try {
    parsed = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new AwsError(
      'SerializationException',
      'The request body is not valid JSON.',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsError(
      'SerializationException',
      'The request body must be a JSON object.',
    );
  }
  return parsed as RequestBody;
}

/**
 * Creates the emulator's HTTP server. `POST /` with `X-Amz-Target:
 * secretsmanager.<Operation>` runs an operation, and `POST`/`DELETE
 * /_local/faults` add and clear injected faults. Signatures are not checked.
 *
 * Logs name the operation and SecretId but never a request or response body,
 * because those contain secret values.
 */
export function createSecretsManagerServer(
  store: SecretStore,
  faults: FaultInjector,
  logger: Logger,
): Server {
  async function handleFaults(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    if (request.method === 'DELETE') {
      const cleared = faults.clear();
      if (cleared > 0) {
        logger.info('cleared injected faults', { count: cleared });
      }
      send(response, 204);
      return;
    }
    if (request.method !== 'POST') {
      send(
        response,
        405,
        {
          message: `method ${request.method} not allowed on ${FAULTS_PATH}: use POST or DELETE`,
        },
        'application/json',
      );
      return;
    }
    try {
      const fault = faults.add(JSON.parse(await readBody(request)));
      logger.info('injected fault', { fault });
      send(response, 201, fault, 'application/json');
    } catch (error) {
      if (error instanceof InvalidFaultError || error instanceof SyntaxError) {
        send(response, 400, { message: error.message }, 'application/json');
        return;
      }
      throw error;
    }
  }

  async function handleOperation(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const target = request.headers['x-amz-target'];
    const operationName =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : undefined;
    const operation =
      operationName === undefined ? undefined : OPERATIONS[operationName];
    let secretId: unknown;
    try {
      const text = await readBody(request);
      if (operation === undefined || operationName === undefined) {
        throw new AwsError(
          'UnknownOperationException',
          `Unknown operation ${JSON.stringify(target ?? null)}: the emulator supports ${Object.keys(OPERATIONS).join(', ')}.`,
        );
      }
      const fault = faults.take(operationName);
      if (fault !== undefined) {
        throw new AwsError(fault.type, fault.message, fault.statusCode);
      }
      const body = parseObject(text);
      secretId = body.SecretId ?? body.Name;
      const result = operation(store, body);
      logger.debug('request succeeded', { operation: operationName, secretId });
      send(response, 200, result);
    } catch (error) {
      if (error instanceof AwsError) {
        logger.debug('request failed', {
          operation: operationName,
          secretId,
          statusCode: error.statusCode,
          errorType: error.type,
        });
        sendError(response, error);
        return;
      }
      throw error;
    }
  }

  async function route(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path === FAULTS_PATH) {
      await handleFaults(request, response);
      return;
    }
    if (request.method === 'POST' && path === '/') {
      await handleOperation(request, response);
      return;
    }
    send(
      response,
      404,
      {
        message: `no route for ${request.method} ${path}: send operations to POST /`,
      },
      'application/json',
    );
  }

  return createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError) {
        const message = `request body exceeds ${MAX_BODY_BYTES} bytes`;
        send(response, 413, { message }, 'application/json');
        return;
      }
      logger.error('request failed with an unexpected error', {
        url: request.url,
        error,
      });
      if (!response.headersSent) {
        const internal = new AwsError(
          'InternalServiceError',
          'An error occurred on the server side.',
          500,
        );
        sendError(response, internal);
      }
    });
  });
}
