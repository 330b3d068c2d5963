import type { StripeMode } from './keys';

/** Public hosts of the two deployed environments, by Stripe mode. */
export const ENVIRONMENT_HOSTS: Readonly<Record<StripeMode, string>> = {
  test: 'chat-payments.jelou.dev',
  live: 'chat-payments.jelou.ai',
};

/** Builds the webhook URL a merchant pastes into the Stripe Dashboard. */
export function webhookUrl(publicUrl: string): string {
  return `${publicUrl}/link-webhook?provider=STRIPE`;
}

/** Builds the URL of an endpoint this service creates for one merchant. */
export function merchantWebhookUrl(publicUrl: string, merchantId: string): string {
  return `${webhookUrl(publicUrl)}&merchant=${encodeURIComponent(merchantId)}`;
}

/** Hosts of the environment that is not this one. */
export function otherEnvironmentHosts(mode: StripeMode): string[] {
  return [ENVIRONMENT_HOSTS[mode === 'test' ? 'live' : 'test']];
}

/** Checkout's success and cancel page for a payment. */
export function returnPageUrl(publicUrl: string, paymentId: string): string {
  return `${publicUrl}/checkout/return?payment=${encodeURIComponent(paymentId)}`;
}
