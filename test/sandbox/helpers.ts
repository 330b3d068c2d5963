/**
 * Shared setup for the Stripe sandbox tests: a sandbox on an ephemeral port, clients of
 * the real `stripe` package pointed at it, the control routes, and a webhook receiver.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { startStripeSandbox, StripeSandbox } from '../../local/stripe-sandbox';

export interface ControlResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestAccount {
  accountId: string;
  secretKey: string;
  publishableKey: string;
}

export interface Harness {
  sandbox: StripeSandbox;
  logs: string[];
  control<T = Record<string, any>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ControlResponse<T>>;
  client(key: string, options?: Partial<Stripe.StripeConfig>): Stripe;
  createAccount(mode?: 'test' | 'live'): Promise<TestAccount>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const logs: string[] = [];
  const sandbox = await startStripeSandbox({ port: 0, log: (line) => logs.push(line) });
  const control = async <T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ControlResponse<T>> => {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as T,
      headers: response.headers,
    };
  };
  const client = (key: string, options: Partial<Stripe.StripeConfig> = {}): Stripe =>
    new Stripe(key, {
      host: '127.0.0.1',
      port: sandbox.port,
      protocol: 'http',
      maxNetworkRetries: 0,
      timeout: 10_000,
      ...options,
    });
  const createAccount = async (mode: 'test' | 'live' = 'test'): Promise<TestAccount> => {
    const response = await control<TestAccount>('POST', '/_sandbox/accounts', {
      mode,
      name: 'Acme Tea',
    });
    if (response.status !== 200) {
      throw new Error(
        `creating a sandbox account failed with ${response.status}: ${JSON.stringify(response.body)}`,
      );
    }
    return response.body;
  };
  return { sandbox, logs, control, client, createAccount, close: () => sandbox.close() };
}

/** Parameters of a valid one-item payment session, with `overrides` replacing top-level fields. */
export function sessionParams(
  overrides: Partial<Stripe.Checkout.SessionCreateParams> = {},
): Stripe.Checkout.SessionCreateParams {
  return {
    mode: 'payment',
    line_items: [
      {
        price_data: { currency: 'usd', unit_amount: 1250, product_data: { name: 'Green tea' } },
        quantity: 2,
      },
    ],
    success_url: 'http://127.0.0.1:3000/checkout/return?payment=pay_1',
    cancel_url: 'http://127.0.0.1:3000/checkout/return?payment=pay_1',
    client_reference_id: 'pay_1',
    metadata: { jelou_payment_id: 'pay_1', jelou_merchant_id: 'merchant_1' },
    payment_intent_data: {
      description: 'Order 42',
      metadata: { jelou_payment_id: 'pay_1', jelou_merchant_id: 'merchant_1' },
    },
    ...overrides,
  };
}

export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedWebhook[];
  /** Status code of the receiver's responses, 200 unless a test changes it. */
  status: number;
  close(): Promise<void>;
}

/** Starts a webhook receiver on 127.0.0.1 that records every request it gets. */
export async function startReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedWebhook[] = [];
  const receiver: WebhookReceiver = {
    url: '',
    requests,
    status: 200,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        path: req.url ?? '',
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(receiver.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ received: receiver.status < 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/link-webhook?provider=STRIPE`;
  return receiver;
}

/** Returns the error a promise rejects with, failing the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
