import type {
  WebhookProblem,
  WebhookReport,
  WebhookStatus,
} from './installation';
import { environmentName, type StripeMode } from './keys';
import { SUBSCRIBED_EVENT_TYPES } from './payment-state';
import { ENVIRONMENT_HOSTS, webhookUrl } from './stage-urls';

/** The webhook endpoint fields the check reads. */
export interface EndpointSnapshot {
  id: string;
  url: string;
  status: string;
  enabledEvents: string[];
  /** The endpoint's metadata; chat-payments marks the endpoints it creates. */
  metadata?: Record<string, string>;
}

export interface CheckContext {
  merchantId: string;
  mode: StripeMode;
  /** URL merchants paste, `{publicUrl}/link-webhook?provider=STRIPE`. */
  expectedUrl: string;
  /** Hosts of the other environment, to name a test/live mix-up. */
  otherEnvironmentHosts: string[];
  /** Id of the endpoint chat-payments created for this merchant. */
  createdEndpointId?: string;
  now: string;
}

/** Metadata value that marks an endpoint created by chat-payments. */
export const CREATED_BY = 'chat-payments';

const WEBHOOK_PATH = '/link-webhook';
const EVENT_LIST = SUBSCRIBED_EVENT_TYPES.join(', ');

export interface EndpointVerdict {
  status: WebhookStatus;
  problems: WebhookProblem[];
  notes: WebhookProblem[];
}

interface Candidate extends EndpointVerdict {
  endpoint: EndpointSnapshot;
}

// Lower is better: the endpoint closest to working is the one reported.
const RANK: Record<WebhookStatus, number> = {
  ok: 0,
  missing_events: 1,
  disabled: 2,
  wrong_url: 3,
  missing: 4,
  unknown: 5,
};

/**
 * Checks the merchant's webhook endpoints and reports the one closest to
 * working, with a fix for each problem.
 */
export function checkWebhookEndpoints(
  endpoints: EndpointSnapshot[],
  context: CheckContext,
): WebhookReport {
  const candidates = endpoints
    .filter((endpoint) => targetsThisService(endpoint.url, context))
    .map((endpoint) => ({ endpoint, ...evaluateEndpoint(endpoint, context) }))
    .sort((a, b) => rankOf(a, context) - rankOf(b, context));
  const best = candidates[0];
  if (!best) {
    return {
      status: 'missing',
      problems: [
        {
          code: 'missing',
          message: `No webhook endpoint in this Stripe account sends events to ${context.expectedUrl}, so payment results reach flows late. In the Stripe Dashboard in ${context.mode} mode, open Developers → Webhooks, add an endpoint with exactly that URL and select the events ${EVENT_LIST}.`,
        },
      ],
      notes: [],
      checkedAt: context.now,
    };
  }
  const notes = [...best.notes];
  if (best.endpoint.id === context.createdEndpointId) {
    notes.unshift({
      code: 'created',
      message: `Webhook endpoint ${best.endpoint.id} was created by chat-payments.`,
    });
  }
  if (candidates.length > 1) {
    const others = candidates.slice(1).map((candidate) => candidate.endpoint.id);
    notes.push({
      code: 'several_endpoints',
      message: `${candidates.length} webhook endpoints point to chat-payments, and ${best.endpoint.id} was checked. Delete ${others.join(', ')} in the Stripe Dashboard (Developers → Webhooks), so that each event arrives once and is checked against one signing secret.`,
    });
  }
  return {
    status: best.status,
    endpointId: best.endpoint.id,
    problems: best.problems,
    notes,
    checkedAt: context.now,
  };
}

/** Checks one endpoint: its URL, whether it is enabled and its events. */
export function evaluateEndpoint(
  endpoint: EndpointSnapshot,
  context: CheckContext,
): EndpointVerdict {
  const problems = urlProblems(endpoint, context);
  const notes: WebhookProblem[] = [];
  let status: WebhookStatus = problems.length > 0 ? 'wrong_url' : 'ok';

  if (endpoint.status !== 'enabled') {
    problems.push(disabledProblem(endpoint, context));
    if (status === 'ok') status = 'disabled';
  }

  const events = new Set(endpoint.enabledEvents);
  if (events.has('*')) {
    notes.push({
      code: 'all_events',
      message: `Webhook endpoint ${endpoint.id} listens to all events (*). That works, but Stripe sends it many events that chat-payments ignores. Selecting only ${EVENT_LIST} is enough.`,
    });
    return { status, problems, notes };
  }
  const missing = SUBSCRIBED_EVENT_TYPES.filter((type) => !events.has(type));
  if (missing.length > 0) {
    problems.push({
      code: 'missing_events',
      message: `Webhook endpoint ${endpoint.id} does not send ${missing.join(', ')}, so flows do not hear of those payment results. In the Stripe Dashboard in ${context.mode} mode, open Developers → Webhooks → ${endpoint.id}, edit the selected events and add ${missing.length === 1 ? 'it' : 'them'}.`,
    });
    if (status === 'ok') status = 'missing_events';
  }
  const extra = [...events].filter(
    (type) => !(SUBSCRIBED_EVENT_TYPES as readonly string[]).includes(type),
  );
  if (extra.length > 0) {
    notes.push({
      code: 'extra_events',
      message: `Webhook endpoint ${endpoint.id} also sends ${extra.join(', ')}, which chat-payments ignores. That is fine, but removing them saves deliveries.`,
    });
  }
  return { status, problems, notes };
}

/** Tells whether chat-payments created the endpoint for this merchant. */
export function isCreatedFor(endpoint: EndpointSnapshot, merchantId: string): boolean {
  return (
    endpoint.metadata?.created_by === CREATED_BY &&
    endpoint.metadata.jelou_merchant_id === merchantId
  );
}

/** Builds the report for endpoints that cannot be listed, with the reason. */
export function unknownWebhookReport(
  problem: WebhookProblem,
  now: string,
): WebhookReport {
  return { status: 'unknown', problems: [problem], notes: [], checkedAt: now };
}

// An endpoint this service created outranks an equally good one of the
// merchant's, so the report names the endpoint whose secret is stored.
function rankOf(candidate: Candidate, context: CheckContext): number {
  const own = candidate.endpoint.id === context.createdEndpointId ? 0 : 0.5;
  return RANK[candidate.status] + own;
}

function targetsThisService(url: string, context: CheckContext): boolean {
  const parsed = parseLoosely(url);
  if (!parsed) return false;
  const expected = new URL(context.expectedUrl);
  const hosts = [expected.host, ...context.otherEnvironmentHosts];
  return (
    hosts.includes(parsed.host) ||
    parsed.pathname.replace(/\/+$/, '').endsWith(WEBHOOK_PATH)
  );
}

function parseLoosely(url: string): URL | undefined {
  try {
    return new URL(url.trim());
  } catch {
    return undefined;
  }
}

function disabledProblem(
  endpoint: EndpointSnapshot,
  context: CheckContext,
): WebhookProblem {
  if (endpoint.id === context.createdEndpointId) {
    return {
      code: 'disabled',
      message: `Webhook endpoint ${endpoint.id}, which chat-payments created, is disabled, so Stripe sends it no events. Stripe disables an endpoint whose deliveries keep failing, and it can also be disabled by hand. Enable it in the Stripe Dashboard in ${context.mode} mode under Developers → Webhooks → ${endpoint.id}, or install the Stripe app again with webhook setup turned on (configureWebhook) and chat-payments enables it.`,
    };
  }
  return {
    code: 'disabled',
    message: `Webhook endpoint ${endpoint.id} is disabled, so Stripe sends it no events. In the Stripe Dashboard in ${context.mode} mode, open Developers → Webhooks → ${endpoint.id} and enable it.`,
  };
}

// Whitespace and invisible characters, raw or percent-encoded: space, tab,
// line breaks, no-break space, soft hyphen, zero-width characters,
// direction marks, word joiner and byte order mark.
const STRAY_CHARACTERS =
  /[\s\u00AD\u200B-\u200F\u2060\uFEFF]|%(?:20|09|0A|0D|C2%A0|C2%AD|E2%80%8[B-F]|E2%81%A0|EF%BB%BF)/i;

function urlProblems(
  endpoint: EndpointSnapshot,
  context: CheckContext,
): WebhookProblem[] {
  const { url } = endpoint;
  const expected = new URL(context.expectedUrl);
  const fix = `In the Stripe Dashboard in ${context.mode} mode, open Developers → Webhooks → ${endpoint.id} and set the endpoint URL to exactly ${context.expectedUrl}`;
  if (STRAY_CHARACTERS.test(url)) {
    return [
      {
        code: 'stray_characters',
        message: `The URL of webhook endpoint ${endpoint.id} contains spaces or invisible characters, which can make its deliveries fail. ${fix}.`,
      },
    ];
  }

  const parsed = parseLoosely(url);
  if (!parsed) {
    return [
      {
        code: 'invalid_url',
        message: `The URL of webhook endpoint ${endpoint.id} is not a valid URL. ${fix}.`,
      },
    ];
  }

  if (context.otherEnvironmentHosts.includes(parsed.host)) {
    const other: StripeMode = context.mode === 'test' ? 'live' : 'test';
    return [
      {
        code: 'other_environment',
        message: `The URL of webhook endpoint ${endpoint.id} points to the ${environmentName(other)} environment, but this endpoint is in ${context.mode} mode, whose events the ${environmentName(context.mode)} environment takes. ${fix}.`,
      },
    ];
  }

  const problems: WebhookProblem[] = [];
  if (parsed.host !== expected.host || parsed.protocol !== expected.protocol) {
    problems.push({
      code: 'wrong_host',
      message: `The URL of webhook endpoint ${endpoint.id} points to ${parsed.origin}, not ${expected.origin}. ${fix}.`,
    });
  }
  if (parsed.pathname !== WEBHOOK_PATH) {
    problems.push({
      code: 'wrong_path',
      message: `The URL of webhook endpoint ${endpoint.id} has the path ${parsed.pathname}, not ${WEBHOOK_PATH}. ${fix}.`,
    });
  }

  const providers = parsed.searchParams.getAll('provider');
  if (providers.length !== 1 || providers[0]?.toUpperCase() !== 'STRIPE') {
    const found =
      providers.length === 0 ? 'has no provider' : `has provider=${providers.join(',')}`;
    problems.push({
      code: 'wrong_provider',
      message: `The URL of webhook endpoint ${endpoint.id} must end with ?provider=STRIPE, but it ${found}. ${fix}.`,
    });
  }

  const merchant = parsed.searchParams.get('merchant');
  if (merchant !== null && merchant !== context.merchantId) {
    problems.push({
      code: 'other_merchant',
      message: `The URL of webhook endpoint ${endpoint.id} names merchant ${merchant}, not ${context.merchantId}. ${fix}.`,
    });
  }
  return problems;
}

/** Rejected deliveries of one reason, with what the merchant can do. */
export interface DeliveryProblem {
  reason: string;
  count: number;
  message: string;
}

/**
 * Explains rejected-delivery counts to the merchant, one entry per reason,
 * the most frequent first.
 */
export function describeRejectedDeliveries(
  counts: Record<string, number>,
  stageMode: StripeMode,
  days: number,
): DeliveryProblem[] {
  return Object.entries(counts)
    .filter(([, count]) => count > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => ({
      reason,
      count,
      message: rejectionMessage(reason, count, stageMode, days),
    }));
}

function rejectionMessage(
  reason: string,
  count: number,
  stageMode: StripeMode,
  days: number,
): string {
  const deliveries = `${count} webhook ${count === 1 ? 'delivery' : 'deliveries'}`;
  const rejected = `In the last ${days} days chat-payments rejected ${deliveries}`;
  const otherMode: StripeMode = stageMode === 'test' ? 'live' : 'test';
  switch (reason) {
    case 'mode_mismatch':
      return `${rejected} that carried ${otherMode}-mode events to the ${environmentName(stageMode)} environment. In the Stripe Dashboard in ${otherMode} mode, open Developers → Webhooks and point that endpoint to ${webhookUrl(`https://${ENVIRONMENT_HOSTS[otherMode]}`)} instead.`;
    case 'invalid_signature':
      return `${rejected} whose signature did not match the signing secret stored for this merchant. Copy the signing secret of the endpoint that points to chat-payments (Developers → Webhooks → the endpoint → Signing secret) and install the Stripe app again with it, and delete any other endpoint that points to chat-payments.`;
    case 'unknown_event':
      return `${rejected} that named events this Stripe account does not have. Such deliveries usually come from an endpoint of another Stripe account that points to chat-payments, so delete that endpoint or install the account it belongs to.`;
    case 'not_installed':
      return `${rejected} that arrived while the Stripe app was not installed.`;
    default:
      return `${rejected} that did not match the payment they named (${reason}), and no payment was changed.`;
  }
}
