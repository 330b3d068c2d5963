import type { KeyType, StripeMode } from './keys';

export type WebhookStatus =
  | 'ok'
  | 'missing'
  | 'disabled'
  | 'missing_events'
  | 'wrong_url'
  | 'unknown';

export interface WebhookProblem {
  code: string;
  /** Written for the merchant; the Marketplace shows it as is. */
  message: string;
}

/** Result of checking the merchant's webhook endpoints in Stripe. */
export interface WebhookReport {
  status: WebhookStatus;
  endpointId?: string;
  problems: WebhookProblem[];
  /** Remarks that need no action, such as extra events. */
  notes: WebhookProblem[];
  checkedAt: string;
}

/** A merchant's connection to their Stripe account. */
export interface Installation {
  merchantId: string;
  status: 'active' | 'removed';
  mode: StripeMode;
  accountId?: string;
  accountName?: string;
  keyType: KeyType;
  keyHint: string;
  /** Changes with every install, so caches of the old key are dropped. */
  credentialsVersion?: string;
  hasWebhookSecret: boolean;
  webhook: WebhookReport;
  /** Id of an endpoint this service created and so may delete. */
  createdEndpointId?: string;
  webhookSuspect?: { since: string; paymentId: string };
  installedAt: string;
  removedAt?: string;
  lastEventAt?: string;
}

/** Builds the install summary of the HTTP contract, which contains no secret. */
export function toInstallationView(
  installation: Installation,
): Record<string, unknown> {
  return {
    merchantId: installation.merchantId,
    status: installation.status,
    mode: installation.mode,
    accountId: installation.accountId ?? null,
    accountName: installation.accountName ?? null,
    keyType: installation.keyType,
    keyHint: installation.keyHint,
    webhook: {
      ...installation.webhook,
      ...(installation.webhookSuspect && {
        suspect: installation.webhookSuspect,
      }),
    },
    installedAt: installation.installedAt,
    ...(installation.removedAt && { removedAt: installation.removedAt }),
  };
}
