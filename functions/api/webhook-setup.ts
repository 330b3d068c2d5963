import type {
  Installation,
  WebhookProblem,
  WebhookReport,
} from '../core/installation';
import {
  type ClassifiedKey,
  DASHBOARD_PERMISSIONS,
  type StripeMode,
} from '../core/keys';
import { SUBSCRIBED_EVENT_TYPES } from '../core/payment-state';
import { otherEnvironmentHosts, webhookUrl } from '../core/stage-urls';
import {
  type CheckContext,
  checkWebhookEndpoints,
  type EndpointSnapshot,
  evaluateEndpoint,
  isCreatedFor,
  unknownWebhookReport,
} from '../core/webhook-check';
import type { Services } from '../shared/services';
import { keyRejectedError } from './verify-key';
import { createEndpoint, listEndpoints, repairEndpoint } from './webhook-endpoints';

/** Whether Stripe accepted the stored key during the last check. */
export type KeyStatus = 'active' | 'rejected';

export interface FreshCheck {
  keyStatus: KeyStatus;
  report: WebhookReport;
}

/**
 * Checks the webhook setup of an installed merchant with the stored key.
 * A key that Stripe rejects gives `keyStatus: "rejected"` and an `unknown`
 * report that explains it. A Stripe outage is thrown.
 */
export async function checkInstalledWebhook(
  services: Services,
  installation: Installation,
  apiKey: string,
): Promise<FreshCheck> {
  const context = checkContext(
    services,
    installation.merchantId,
    installation.mode,
    installation.createdEndpointId,
  );
  const listing = await listEndpoints(services, apiKey);
  if (listing.kind === 'key_rejected') {
    return {
      keyStatus: 'rejected',
      report: unknownWebhookReport(
        {
          code: 'key_rejected',
          message: `Stripe rejects the stored API key ${installation.keyHint}: it was rolled or deleted in the Stripe Dashboard. Until the Stripe app is installed again with the current key from Developers → API keys in ${installation.mode} mode, flows cannot create payments and the webhook setup cannot be checked.`,
        },
        context.now,
      ),
    };
  }
  if (listing.kind === 'forbidden') {
    return { keyStatus: 'active', report: noPermissionReport(context) };
  }
  const report = checkWebhookEndpoints(listing.endpoints, context);
  if (report.status === 'ok' && !installation.hasWebhookSecret) {
    report.notes.push(retrievalNote());
  }
  return { keyStatus: 'active', report };
}

export interface WebhookSetupInput {
  merchantId: string;
  key: ClassifiedKey;
  installId: string;
  /** Create or repair the endpoint when the setup is not correct. */
  configure: boolean;
  /** Signing secret the merchant entered, if any. */
  givenSecret?: string;
  /** The active installation this install replaces, if any. */
  previous?: Installation;
  /** Signing secret stored by the previous installation, if any. */
  previousSecret?: string;
}

export interface WebhookSetup {
  report: WebhookReport;
  /** Signing secret to store. Without one, deliveries are checked by retrieval. */
  webhookSecret?: string;
  /** Endpoint chat-payments created for the merchant and may delete. */
  createdEndpointId?: string;
}

/**
 * Checks the merchant's webhook endpoints at install time. With `configure`
 * set, it repairs the endpoint this service created earlier, or creates one
 * when no endpoint is correct, so it never creates a second one.
 */
export async function setUpWebhook(
  services: Services,
  input: WebhookSetupInput,
): Promise<WebhookSetup> {
  const listing = await listEndpoints(services, input.key.key);
  if (listing.kind === 'key_rejected') throw keyRejectedError(input.key);
  const previousCreated = input.previous?.createdEndpointId;
  if (listing.kind === 'forbidden') {
    const report = noPermissionReport(
      checkContext(services, input.merchantId, input.key.mode, previousCreated),
    );
    if (input.configure) report.problems.push(cannotConfigureProblem());
    return {
      report,
      webhookSecret: input.givenSecret ?? (previousCreated ? input.previousSecret : undefined),
      createdEndpointId: previousCreated,
    };
  }

  const endpoints = [...listing.endpoints];
  const found =
    endpoints.find((endpoint) => endpoint.id === previousCreated) ??
    endpoints.find((endpoint) => isCreatedFor(endpoint, input.merchantId));
  const context = checkContext(services, input.merchantId, input.key.mode, found?.id);
  const setup = input.configure
    ? await configureEndpoint(services, input, endpoints, context, found)
    : { own: found, notes: [], problems: [] };
  const webhookSecret =
    setup.createdSecret ??
    input.givenSecret ??
    (found && found.id === previousCreated ? input.previousSecret : undefined);

  const report = checkWebhookEndpoints(endpoints, context);
  // A setup note about the endpoint replaces the check's shorter one.
  const replaced = new Set(setup.notes.map((note) => note.code));
  if (setup.notes.length > 0 && setup.own) replaced.add('created');
  report.notes = [
    ...setup.notes,
    ...report.notes.filter((note) => !replaced.has(note.code)),
  ];
  report.problems.push(...setup.problems);
  if (report.status === 'ok' && !webhookSecret) report.notes.push(retrievalNote());
  return { report, webhookSecret, createdEndpointId: setup.own?.id };
}

interface ConfiguredEndpoint {
  /** The endpoint chat-payments created for the merchant, if any. */
  own?: EndpointSnapshot;
  /** Signing secret of an endpoint created just now. */
  createdSecret?: string;
  notes: WebhookProblem[];
  problems: WebhookProblem[];
}

/**
 * Repairs the endpoint this service created, or creates one when no
 * endpoint is correct. Updates `endpoints` and `context` to match.
 */
async function configureEndpoint(
  services: Services,
  input: WebhookSetupInput,
  endpoints: EndpointSnapshot[],
  context: CheckContext,
  own: EndpointSnapshot | undefined,
): Promise<ConfiguredEndpoint> {
  if (own && evaluateEndpoint(own, context).status === 'ok') {
    return {
      own,
      notes: [
        {
          code: 'reused',
          message: `Webhook endpoint ${own.id}, which chat-payments created earlier, is already correct, so no new one was created.`,
        },
      ],
      problems: [],
    };
  }
  if (own) {
    const repaired = await repairEndpoint(services, input.merchantId, input.key.key, own.id);
    if (!repaired) return { own, notes: [], problems: [cannotConfigureProblem()] };
    endpoints[endpoints.indexOf(own)] = repaired;
    return {
      own: repaired,
      notes: [
        {
          code: 'repaired',
          message: `chat-payments enabled webhook endpoint ${own.id}, which it created earlier, and set its URL and its three payment events again.`,
        },
      ],
      problems: [],
    };
  }

  const current = checkWebhookEndpoints(endpoints, context);
  if (current.status === 'ok') {
    return {
      notes: [
        {
          code: 'reused',
          message: `Webhook endpoint ${current.endpointId} is already correct, so no new one was created.`,
        },
      ],
      problems: [],
    };
  }
  const created = await createEndpoint(
    services,
    input.merchantId,
    input.key.key,
    `chat-payments-endpoint-${input.merchantId}-${input.installId}`,
  );
  if (!created) return { notes: [], problems: [cannotConfigureProblem()] };
  const { snapshot } = created;
  endpoints.push(snapshot);
  context.createdEndpointId = snapshot.id;
  const notes: WebhookProblem[] = [
    {
      code: 'created',
      message: `chat-payments created webhook endpoint ${snapshot.id}, which sends ${SUBSCRIBED_EVENT_TYPES.join(', ')} to ${snapshot.url}, and stored its signing secret, so deliveries are verified by signature.`,
    },
  ];
  if (input.givenSecret) {
    notes.push({
      code: 'signing_secret_replaced',
      message: `The signing secret you entered was not stored, because deliveries now come from endpoint ${snapshot.id} and are verified with its own signing secret.`,
    });
  }
  return { own: snapshot, createdSecret: created.secret, notes, problems: [] };
}

function checkContext(
  services: Services,
  merchantId: string,
  mode: StripeMode,
  createdEndpointId: string | undefined,
): CheckContext {
  return {
    merchantId,
    mode,
    expectedUrl: webhookUrl(services.config.publicUrl),
    otherEnvironmentHosts: otherEnvironmentHosts(mode),
    createdEndpointId,
    now: services.now().toISOString(),
  };
}

function noPermissionReport(context: CheckContext): WebhookReport {
  return unknownWebhookReport(
    {
      code: 'cannot_check',
      message: `The restricted key lacks the ${DASHBOARD_PERMISSIONS.webhookEndpointsRead} permission, so chat-payments cannot check that Stripe sends payment results to ${context.expectedUrl}. In the Stripe Dashboard open Developers → API keys, edit the key and set ${DASHBOARD_PERMISSIONS.webhookEndpointsRead}, or ${DASHBOARD_PERMISSIONS.webhookEndpointsWrite} so chat-payments can also create the endpoint. Until then, make sure by hand that an endpoint in ${context.mode} mode sends ${SUBSCRIBED_EVENT_TYPES.join(', ')} to that URL.`,
    },
    context.now,
  );
}

function cannotConfigureProblem(): WebhookProblem {
  return {
    code: 'cannot_configure',
    message: `The restricted key lacks the ${DASHBOARD_PERMISSIONS.webhookEndpointsWrite} permission, so chat-payments could not set up the webhook endpoint. In the Stripe Dashboard open Developers → API keys, edit the key and set ${DASHBOARD_PERMISSIONS.webhookEndpointsWrite}, or set up the endpoint by hand under Developers → Webhooks.`,
  };
}

function retrievalNote(): WebhookProblem {
  return {
    code: 'verified_by_retrieval',
    message:
      'No signing secret is stored, so chat-payments checks each delivery by retrieving its event from Stripe. To verify signatures instead, install again with the endpoint’s signing secret (whsec_…).',
  };
}
