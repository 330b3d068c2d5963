import { randomUUID } from 'node:crypto';

import { z } from 'zod';

import type { MerchantCredentials } from '../adapters/secret-store';
import { StripeFailure } from '../adapters/stripe-gateway';
import { NotFoundError } from '../core/errors';
import type { Installation, WebhookReport } from '../core/installation';
import { toInstallationView } from '../core/installation';
import {
  assertKeyMode,
  classifyKey,
  classifyWebhookSecret,
  keyHint,
} from '../core/keys';
import { logger } from '../shared/logger';
import type { Services } from '../shared/services';
import { parseBody } from './body';
import { verifyKey } from './verify-key';
import { checkWebhook, createEndpoint, reportForCreated } from './webhook-setup';

const installSchema = z
  .object({
    apiKey: z.string({ error: 'apiKey is required: paste the Stripe Secret key (sk_… or rk_…).' }),
    webhookSecret: z.string().optional(),
    configureWebhook: z.boolean().optional(),
  })
  .strict();

/** Installs or re-installs a merchant's Stripe key. */
export async function install(
  services: Services,
  merchantId: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const input = parseBody(installSchema, body);
  const key = classifyKey(input.apiKey);
  const mode = services.config.livemode ? 'live' : 'test';
  assertKeyMode(key, mode);
  const givenSecret =
    input.webhookSecret === undefined || input.webhookSecret.trim() === ''
      ? undefined
      : classifyWebhookSecret(input.webhookSecret);

  const account = await verifyKey(services.stripe, key);
  const previous = await services.installations.get(merchantId);
  const installId = randomUUID();
  const now = services.now().toISOString();

  let report = await checkWebhook(services, merchantId, key.key, mode);
  let webhookSecret = givenSecret;
  let createdEndpointId: string | undefined;

  const previousCreated =
    previous?.status === 'active' ? previous.createdEndpointId : undefined;
  if (previous && previousCreated && report.endpointId === previousCreated) {
    // The endpoint this service created earlier still exists: keep it and
    // its signing secret, which Stripe never returns again.
    createdEndpointId = previousCreated;
    webhookSecret ??= (await previousSecret(services, previous))?.webhookSecret;
  } else if (
    input.configureWebhook &&
    (report.status === 'missing' || report.status === 'wrong_url')
  ) {
    const created = await createEndpoint(services, merchantId, key.key, installId, report);
    if (created) {
      createdEndpointId = created.id;
      webhookSecret = givenSecret ?? created.secret;
      report = reportForCreated(created.id, now);
    }
  } else if (input.configureWebhook && report.status === 'ok') {
    report.notes.push({
      code: 'reused',
      message: `Webhook endpoint ${report.endpointId} is already correct, so no new one was created.`,
    });
  }
  if (report.status === 'ok' && !webhookSecret) {
    report.notes.push({
      code: 'verified_by_retrieval',
      message:
        'No signing secret is stored, so each delivery is checked by retrieving the event from Stripe. Add webhookSecret (whsec_…) to verify signatures instead.',
    });
  }

  const credentials: MerchantCredentials = { apiKey: key.key };
  if (webhookSecret) credentials.webhookSecret = webhookSecret;
  await services.secrets.put(merchantId, installId, credentials);

  const installation: Installation = {
    merchantId,
    status: 'active',
    mode,
    accountId: account.accountId,
    accountName: account.accountName,
    keyType: key.keyType,
    keyHint: keyHint(key.key),
    credentialsVersion: installId,
    hasWebhookSecret: Boolean(webhookSecret),
    webhook: report,
    createdEndpointId,
    installedAt: now,
    lastEventAt: previous?.lastEventAt,
  };
  await services.installations.put(installation);
  logger.info('merchant installed', {
    merchantId,
    mode,
    keyType: key.keyType,
    accountId: account.accountId,
    webhookStatus: report.status,
  });
  return toInstallationView(installation);
}

async function previousSecret(
  services: Services,
  previous: Installation,
): Promise<MerchantCredentials | undefined> {
  if (!previous.credentialsVersion) return undefined;
  return services.secrets.get(previous.merchantId, previous.credentialsVersion);
}

/** Returns the install summary with a fresh webhook check. */
export async function describe(
  services: Services,
  merchantId: string,
): Promise<Record<string, unknown>> {
  const installation = await activeInstallation(services, merchantId);
  const credentials = await previousSecret(services, installation);
  let webhook: WebhookReport = installation.webhook;
  if (credentials) {
    webhook = await checkWebhook(services, merchantId, credentials.apiKey, installation.mode);
    if (installation.createdEndpointId && webhook.endpointId === installation.createdEndpointId) {
      webhook.notes.push({
        code: 'created',
        message: `Webhook endpoint ${webhook.endpointId} was created by chat-payments.`,
      });
    }
    await services.installations.setWebhookReport(merchantId, webhook);
  }
  const rejectedDeliveries = await services.installations.countRejections(
    merchantId,
    services.now(),
  );
  return {
    ...toInstallationView({ ...installation, webhook }),
    lastEventAt: installation.lastEventAt ?? null,
    rejectedDeliveries,
  };
}

/**
 * Uninstalls: deletes a webhook endpoint this service created, schedules
 * the secret for deletion and marks the installation removed. Payments
 * are kept and stay readable.
 */
export async function uninstall(services: Services, merchantId: string): Promise<void> {
  const installation = await services.installations.get(merchantId);
  if (!installation) throw notInstalled(merchantId);
  if (installation.status === 'removed') return;

  const credentials = await previousSecret(services, installation);
  if (credentials && installation.createdEndpointId) {
    try {
      await services.stripe.deleteWebhookEndpoint(
        credentials.apiKey,
        installation.createdEndpointId,
      );
    } catch (error) {
      // A missing endpoint is already gone; anything else is logged and the
      // uninstall goes on, because the merchant asked to disconnect.
      if (!(error instanceof StripeFailure && error.kind === 'not_found')) {
        logger.warn('webhook endpoint not deleted', {
          merchantId,
          endpointId: installation.createdEndpointId,
          kind: error instanceof StripeFailure ? error.kind : 'unknown',
        });
      }
    }
  }
  await services.secrets.delete(merchantId);
  await services.installations.markRemoved(merchantId, services.now().toISOString());
  logger.info('merchant uninstalled', { merchantId });
}

async function activeInstallation(services: Services, merchantId: string): Promise<Installation> {
  const installation = await services.installations.get(merchantId);
  if (!installation || installation.status !== 'active') {
    throw notInstalled(merchantId);
  }
  return installation;
}

function notInstalled(merchantId: string): NotFoundError {
  return new NotFoundError(
    'not_installed',
    `Merchant ${merchantId} has no Stripe installation. Install the Stripe app in the Marketplace with PUT /merchants/${merchantId}/stripe.`,
  );
}
