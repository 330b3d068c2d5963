import Stripe from 'stripe';

import { type LocalStage, type LocalStageOptions, startLocalStage } from '../../local/stage';

export interface HttpReply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** Sends a JSON request and parses a JSON reply (or keeps the text). */
export async function request<T = Record<string, unknown>>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<HttpReply<T>> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined && init.raw === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

/** A running local stage with helpers for the sandbox and the api. */
export class StageHarness {
  private constructor(readonly stage: LocalStage) {}

  static async start(options: LocalStageOptions = {}): Promise<StageHarness> {
    const stage = await startLocalStage({
      port: 0,
      stripePort: 0,
      secretsPort: 0,
      dynamodbPort: 0,
      ...options,
    });
    return new StageHarness(stage);
  }

  get url(): string {
    return this.stage.url;
  }

  get webhookUrl(): string {
    return `${this.stage.url}/link-webhook?provider=STRIPE`;
  }

  async stop(): Promise<void> {
    await this.stage.stop();
  }

  sandbox<T = Record<string, unknown>>(path: string, init: { method?: string; body?: unknown } = {}) {
    return request<T>(`${this.stage.stripeUrl}${path}`, init);
  }

  api<T = Record<string, unknown>>(
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
  ) {
    return request<T>(`${this.stage.url}${path}`, init);
  }

  /** Creates a `stripe` client for the sandbox, as a merchant's own code would. */
  stripe(apiKey: string): Stripe {
    const url = new URL(this.stage.stripeUrl);
    return new Stripe(apiKey, {
      host: url.hostname,
      port: url.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
  }

  /** Creates a sandbox account; returns its id and keys. */
  async createAccount(mode: 'test' | 'live' = 'test', name = 'Test Shop') {
    const reply = await this.sandbox<{ accountId: string; secretKey: string; publishableKey: string }>(
      '/_sandbox/accounts',
      { body: { mode, name } },
    );
    if (reply.status !== 200 && reply.status !== 201) {
      throw new Error(`sandbox account creation failed: ${reply.status}`);
    }
    return reply.body;
  }

  /** Creates an account and installs it with a service-created webhook. */
  async installMerchant(merchantId: string, body: Record<string, unknown> = { configureWebhook: true }) {
    const account = await this.createAccount();
    const reply = await this.api(`/merchants/${merchantId}/stripe`, {
      method: 'PUT',
      body: { apiKey: account.secretKey, ...body },
    });
    if (reply.status !== 200) {
      throw new Error(`install failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    }
    return { account, install: reply.body };
  }

  async createPayment(body: Record<string, unknown>, idempotencyKey = `key-${Math.random()}`) {
    return this.api<{
      paymentId: string;
      status: string;
      url: string;
      checkoutSessionId: string;
      expiresAt: string;
    }>('/payments', { method: 'POST', body, headers: { 'idempotency-key': idempotencyKey } });
  }

  async pay(checkoutSessionId: string, card: string) {
    return this.sandbox<{ paymentIntent: { id: string; status: string } }>(
      `/_sandbox/checkout/sessions/${checkoutSessionId}/pay`,
      { body: { card } },
    );
  }

  async flushDeliveries(): Promise<void> {
    await this.sandbox('/_sandbox/deliveries/flush', { method: 'POST' });
  }

  async payment(paymentId: string) {
    return this.api<{
      status: string;
      paymentIntentId?: string;
      lastError?: { code: string; declineCode?: string; message: string };
      history: { status: string; source: string; eventId?: string }[];
      version?: number;
    }>(`/payments/${paymentId}`);
  }
}
