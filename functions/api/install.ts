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
import {
  describeRejectedDeliveries,
  unknownWebhookReport,
} from '../core/webhook-check';
import { logger } from '../shared/logger';
import type { Services } from '../shared/services';
import { parseBody } from './body';
import { verifyKey } from './verify-key';
import { checkInstalledWebhook, type KeyStatus, setUpWebhook } from './webhook-setup';

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
  const active = previous?.status === 'active' ? previous : undefined;
  const installId = randomUUID();
  const now = services.now().toISOString();

  const previousCredentials = active && (await storedCredentials(services, active));
  const { report, webhookSecret, createdEndpointId } = await setUpWebhook(services, {
    merchantId,
    key,
    installId,
    configure: input.configureWebhook ?? false,
    givenSecret,
    previous: active,
    previousSecret: previousCredentials?.webhookSecret,
  });

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
  // When the new key's account does not list the endpoint created for the
  // previous key, that endpoint is in another Stripe account. It is deleted
  // there, because its deliveries would keep arriving and be rejected.
  const replacedEndpointId = active?.createdEndpointId;
  if (previousCredentials && replacedEndpointId && replacedEndpointId !== createdEndpointId) {
    await deleteCreatedEndpoint(services, merchantId, previousCredentials.apiKey, replacedEndpointId);
  }
  logger.info('merchant installed', {
    merchantId,
    mode,
    keyType: key.keyType,
    accountId: account.accountId,
    webhookStatus: report.status,
  });
  return { ...toInstallationView(installation), keyStatus: 'active' };
}

async function storedCredentials(
  services: Services,
  previous: Installation,
): Promise<MerchantCredentials | undefined> {
  if (!previous.credentialsVersion) return undefined;
  return services.secrets.get(previous.merchantId, previous.credentialsVersion);
}

/** Number of days of rejected deliveries the install summary shows. */
const REJECTION_WINDOW_DAYS = 7;

/**
 * Returns the install summary with a fresh webhook check, the time of the
 * last accepted event and the rejected deliveries of the last seven days.
 */
export async function describe(
  services: Services,
  merchantId: string,
): Promise<Record<string, unknown>> {
  const installation = await activeInstallation(services, merchantId);
  const credentials = await storedCredentials(services, installation);
  let webhook: WebhookReport;
  let keyStatus: KeyStatus | 'missing';
  if (credentials) {
    const check = await checkInstalledWebhook(services, installation, credentials.apiKey);
    webhook = check.report;
    keyStatus = check.keyStatus;
    if (keyStatus === 'active') {
      await services.installations.setWebhookReport(merchantId, webhook);
    }
  } else {
    keyStatus = 'missing';
    webhook = unknownWebhookReport(
      {
        code: 'key_missing',
        message: `chat-payments has no stored Stripe key for merchant ${merchantId}, so flows cannot create payments. Install the Stripe app again in the Marketplace.`,
      },
      services.now().toISOString(),
    );
  }
  const rejectedDeliveries = await services.installations.countRejections(
    merchantId,
    services.now(),
    REJECTION_WINDOW_DAYS,
  );
  return {
    ...toInstallationView({ ...installation, webhook }),
    keyStatus,
    lastEventAt: installation.lastEventAt ?? null,
    rejectedDeliveries,
    deliveryProblems: describeRejectedDeliveries(
      rejectedDeliveries,
      installation.mode,
      REJECTION_WINDOW_DAYS,
    ),
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

  const credentials = await storedCredentials(services, installation);
  if (credentials && installation.createdEndpointId) {
    await deleteCreatedEndpoint(
      services,
      merchantId,
      credentials.apiKey,
      installation.createdEndpointId,
    );
  }
  await services.secrets.delete(merchantId);
  await services.installations.markRemoved(merchantId, services.now().toISOString());
  logger.info('merchant uninstalled', { merchantId });
}

/**
 * Deletes an endpoint this service created. An endpoint that is not found
 * is already gone. Other failures are logged and not thrown, because the
 * merchant asked to disconnect or to switch keys.
 */
async function deleteCreatedEndpoint(
  services: Services,
  merchantId: string,
  apiKey: string,
  endpointId: string,
): Promise<void> {
  try {
    await services.stripe.deleteWebhookEndpoint(apiKey, endpointId);
    logger.info('webhook endpoint deleted', { merchantId, endpointId });
  } catch (error) {
    if (error instanceof StripeFailure && error.kind === 'not_found') return;
    logger.warn('webhook endpoint not deleted', {
      merchantId,
      endpointId,
      kind: error instanceof StripeFailure ? error.kind : 'unknown',
    });
  }
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
