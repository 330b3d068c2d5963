import Stripe from 'stripe';

import { CREATED_BY, type EndpointSnapshot } from '../core/webhook-check';
import type { Config } from '../shared/config';

/** API version this service is written against; webhook endpoints pin it. */
export const STRIPE_API_VERSION = '2026-11-18.endive';

export type StripeFailureKind =
  | 'authentication'
  | 'permission'
  | 'rate_limited'
  | 'unavailable'
  | 'not_found'
  | 'invalid_request'
  | 'idempotency';

/**
 * A failed Stripe call, classified by the SDK's error type. Carries
 * Stripe's code, param and request id for logs; never the key.
 */
export class StripeFailure extends Error {
  override name = 'StripeFailure';

  constructor(
    readonly kind: StripeFailureKind,
    message: string,
    readonly stripeCode?: string,
    readonly param?: string,
    readonly requestId?: string,
    readonly statusCode?: number,
  ) {
    super(message);
  }
}

/** Converts an error thrown by the `stripe` package to a StripeFailure. */
export function classifyStripeError(error: unknown): StripeFailure {
  if (!(error instanceof Stripe.errors.StripeError)) {
    const message = error instanceof Error ? error.message : String(error);
    return new StripeFailure('unavailable', message);
  }
  const kindByType: Record<string, StripeFailureKind> = {
    StripeAuthenticationError: 'authentication',
    StripePermissionError: 'permission',
    StripeRateLimitError: 'rate_limited',
    StripeConnectionError: 'unavailable',
    StripeAPIError: 'unavailable',
    StripeIdempotencyError: 'idempotency',
  };
  let kind = kindByType[error.type] ?? 'invalid_request';
  if (kind === 'invalid_request' && error.code === 'resource_missing') {
    kind = 'not_found';
  }
  if (kind === 'invalid_request' && (error.statusCode ?? 0) >= 500) {
    kind = 'unavailable';
  }
  return new StripeFailure(
    kind,
    error.message,
    error.code,
    error.param,
    error.requestId,
    error.statusCode,
  );
}

export interface CheckoutRequest {
  paymentId: string;
  merchantId: string;
  amount: number;
  currency: string;
  description: string;
  reference: string;
  customerEmail?: string;
  expiresAt: Date;
  successUrl: string;
  cancelUrl: string;
}

export interface CheckoutResult {
  id: string;
  url: string;
}

/**
 * The Stripe calls this service makes, each with the merchant's key. Every
 * method throws StripeFailure on error.
 */
export class StripeGateway {
  private readonly clients = new Map<string, Stripe>();

  constructor(private readonly config: Config) {}

  async retrieveAccount(apiKey: string): Promise<{ id: string; name?: string }> {
    const account = await this.call(() => this.client(apiKey).accounts.retrieveCurrent());
    const name =
      account.settings?.dashboard?.display_name ??
      account.business_profile?.name ??
      undefined;
    return { id: account.id, name: name ?? undefined };
  }

  async listPaymentIntents(apiKey: string): Promise<void> {
    await this.call(() => this.client(apiKey).paymentIntents.list({ limit: 1 }));
  }

  async listEvents(apiKey: string): Promise<void> {
    await this.call(() => this.client(apiKey).events.list({ limit: 1 }));
  }

  /**
   * Probes write access to Checkout Sessions without creating one: Stripe
   * checks permissions before parameters, so an empty create returns 403
   * without the permission and 400 (missing parameter) with it.
   */
  async probeCheckoutWrite(apiKey: string): Promise<void> {
    try {
      await this.call(() =>
        this.client(apiKey).checkout.sessions.create(
          {} as Stripe.Checkout.SessionCreateParams,
        ),
      );
    } catch (error) {
      if (error instanceof StripeFailure && error.kind === 'invalid_request') return;
      throw error;
    }
  }

  async createCheckoutSession(
    apiKey: string,
    request: CheckoutRequest,
  ): Promise<CheckoutResult> {
    const metadata = {
      jelou_payment_id: request.paymentId,
      jelou_merchant_id: request.merchantId,
      jelou_reference: request.reference,
    };
    const session = await this.call(() =>
      this.client(apiKey).checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: request.currency,
                unit_amount: request.amount,
                product_data: { name: request.description },
              },
            },
          ],
          client_reference_id: request.paymentId,
          metadata,
          payment_intent_data: { metadata, description: request.description },
          expires_at: Math.floor(request.expiresAt.getTime() / 1000),
          success_url: request.successUrl,
          cancel_url: request.cancelUrl,
          ...(request.customerEmail && { customer_email: request.customerEmail }),
        },
        { idempotencyKey: `chat-payments-${request.paymentId}` },
      ),
    );
    if (!session.url) {
      throw new StripeFailure('unavailable', `Checkout Session ${session.id} has no URL`);
    }
    return { id: session.id, url: session.url };
  }

  async retrieveCheckoutSession(
    apiKey: string,
    sessionId: string,
  ): Promise<Stripe.Checkout.Session> {
    return this.call(() =>
      this.client(apiKey).checkout.sessions.retrieve(sessionId, {
        expand: ['payment_intent'],
      }),
    );
  }

  async expireCheckoutSession(apiKey: string, sessionId: string): Promise<Stripe.Checkout.Session> {
    return this.call(() => this.client(apiKey).checkout.sessions.expire(sessionId));
  }

  async retrievePaymentIntent(apiKey: string, id: string): Promise<Stripe.PaymentIntent> {
    return this.call(() => this.client(apiKey).paymentIntents.retrieve(id));
  }

  /** Retrieves an event; throws StripeFailure `not_found` when unknown. */
  async retrieveEvent(apiKey: string, eventId: string): Promise<Stripe.Event> {
    return this.call(() => this.client(apiKey).events.retrieve(eventId));
  }

  async listWebhookEndpoints(apiKey: string): Promise<EndpointSnapshot[]> {
    const endpoints: EndpointSnapshot[] = [];
    await this.call(async () => {
      for await (const endpoint of this.client(apiKey).webhookEndpoints.list({ limit: 100 })) {
        endpoints.push({
          id: endpoint.id,
          url: endpoint.url,
          status: endpoint.status,
          enabledEvents: endpoint.enabled_events,
          metadata: endpoint.metadata,
        });
      }
    });
    return endpoints;
  }

  /** Creates an endpoint and returns its id and signing secret. */
  async createWebhookEndpoint(
    apiKey: string,
    url: string,
    events: readonly string[],
    merchantId: string,
    idempotencyKey: string,
  ): Promise<{ id: string; secret: string }> {
    const endpoint = await this.call(() =>
      this.client(apiKey).webhookEndpoints.create(
        {
          url,
          enabled_events: [...events] as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
          api_version: STRIPE_API_VERSION as Stripe.WebhookEndpointCreateParams.ApiVersion,
          description: 'chat-payments: payment results for Brain Studio flows',
          metadata: { created_by: CREATED_BY, jelou_merchant_id: merchantId },
        },
        { idempotencyKey },
      ),
    );
    if (!endpoint.secret) {
      throw new StripeFailure('unavailable', `webhook endpoint ${endpoint.id} came without a secret`);
    }
    return { id: endpoint.id, secret: endpoint.secret };
  }

  /**
   * Sets an endpoint's URL and events and enables it. The signing secret
   * stays the same.
   */
  async repairWebhookEndpoint(
    apiKey: string,
    endpointId: string,
    url: string,
    events: readonly string[],
  ): Promise<EndpointSnapshot> {
    const endpoint = await this.call(() =>
      this.client(apiKey).webhookEndpoints.update(endpointId, {
        url,
        enabled_events: [...events] as Stripe.WebhookEndpointUpdateParams.EnabledEvent[],
        disabled: false,
      }),
    );
    return {
      id: endpoint.id,
      url: endpoint.url,
      status: endpoint.status,
      enabledEvents: endpoint.enabled_events,
      metadata: endpoint.metadata,
    };
  }

  async deleteWebhookEndpoint(apiKey: string, endpointId: string): Promise<void> {
    await this.call(() => this.client(apiKey).webhookEndpoints.del(endpointId));
  }

  private client(apiKey: string): Stripe {
    let client = this.clients.get(apiKey);
    if (!client) {
      client = new Stripe(apiKey, {
        apiVersion: STRIPE_API_VERSION as Stripe.LatestApiVersion,
        timeout: this.config.stripeTimeoutMs,
        maxNetworkRetries: this.config.stripeMaxNetworkRetries,
        telemetry: false,
        appInfo: { name: 'chat-payments' },
        ...hostSettings(this.config.stripeApiUrl),
      });
      // A rotated key leaves its client behind; keep the map small.
      if (this.clients.size >= 100) this.clients.clear();
      this.clients.set(apiKey, client);
    }
    return client;
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw classifyStripeError(error);
    }
  }
}

function hostSettings(apiUrl: string | undefined): Partial<Stripe.StripeConfig> {
  if (!apiUrl) return {};
  const url = new URL(apiUrl);
  return {
    host: url.hostname,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
  };
}
