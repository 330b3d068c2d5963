import type {
  WebhookProblem,
  WebhookReport,
  WebhookStatus,
} from './installation';
import type { StripeMode } from './keys';
import { SUBSCRIBED_EVENT_TYPES } from './payment-state';

/** The webhook endpoint fields the check reads. */
export interface EndpointSnapshot {
  id: string;
  url: string;
  status: string;
  enabledEvents: string[];
}

export interface CheckContext {
  merchantId: string;
  mode: StripeMode;
  /** URL merchants paste, `{publicUrl}/link-webhook?provider=STRIPE`. */
  expectedUrl: string;
  /** Hosts of the other environment, to name a test/live mix-up. */
  otherEnvironmentHosts: string[];
  now: string;
}

const WEBHOOK_PATH = '/link-webhook';

interface Candidate {
  endpoint: EndpointSnapshot;
  status: WebhookStatus;
  problems: WebhookProblem[];
  notes: WebhookProblem[];
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
    .map((endpoint) => evaluate(endpoint, context))
    .sort((a, b) => RANK[a.status] - RANK[b.status]);
  const best = candidates[0];
  if (!best) {
    return {
      status: 'missing',
      problems: [
        {
          code: 'missing',
          message: `No webhook endpoint in this Stripe account sends events to ${context.expectedUrl}. In the Stripe Dashboard (${context.mode} mode) open Developers → Webhooks, add an endpoint with that URL and select ${SUBSCRIBED_EVENT_TYPES.join(', ')}.`,
        },
      ],
      notes: [],
      checkedAt: context.now,
    };
  }
  const notes = [...best.notes];
  if (candidates.length > 1) {
    notes.push({
      code: 'several_endpoints',
      message: `${candidates.length} webhook endpoints point to this service; ${best.endpoint.id} was checked. Delete the others so each event arrives once.`,
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

/** Builds the report for a key that cannot list webhook endpoints. */
export function unknownWebhookReport(reason: string, now: string): WebhookReport {
  return {
    status: 'unknown',
    problems: [{ code: 'cannot_check', message: reason }],
    notes: [],
    checkedAt: now,
  };
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

function evaluate(endpoint: EndpointSnapshot, context: CheckContext): Candidate {
  const problems = urlProblems(endpoint.url, context);
  const notes: WebhookProblem[] = [];
  let status: WebhookStatus = problems.length > 0 ? 'wrong_url' : 'ok';

  if (endpoint.status !== 'enabled') {
    problems.push({
      code: 'disabled',
      message: `The webhook endpoint ${endpoint.id} is disabled, so Stripe sends it nothing. In the Stripe Dashboard open Developers → Webhooks → ${endpoint.id} and enable it.`,
    });
    if (status === 'ok') status = 'disabled';
  }

  const events = new Set(endpoint.enabledEvents);
  if (events.has('*')) {
    notes.push({
      code: 'all_events',
      message: `The endpoint listens to all events (*). It works, but Stripe sends many events this service ignores; selecting only ${SUBSCRIBED_EVENT_TYPES.join(', ')} is enough.`,
    });
  } else {
    const missing = SUBSCRIBED_EVENT_TYPES.filter((type) => !events.has(type));
    if (missing.length > 0) {
      problems.push({
        code: 'missing_events',
        message: `The endpoint ${endpoint.id} does not send ${missing.join(', ')}. Add ${missing.length === 1 ? 'it' : 'them'} under Developers → Webhooks → ${endpoint.id} → Select events, or flows will wait for results that never arrive.`,
      });
      if (status === 'ok') status = 'missing_events';
    }
    const extra = [...events].filter(
      (type) => !(SUBSCRIBED_EVENT_TYPES as readonly string[]).includes(type),
    );
    if (extra.length > 0) {
      notes.push({
        code: 'extra_events',
        message: `The endpoint also sends ${extra.join(', ')}, which this service ignores. That is fine; removing them saves deliveries.`,
      });
    }
  }
  return { endpoint, status, problems, notes };
}

function urlProblems(url: string, context: CheckContext): WebhookProblem[] {
  const expected = new URL(context.expectedUrl);
  const fix = `Set the endpoint URL to exactly ${context.expectedUrl}`;
  if (url !== url.trim() || /\s|%20|%09/i.test(url)) {
    return [
      {
        code: 'stray_characters',
        message: `The endpoint URL contains spaces or invisible characters. ${fix}.`,
      },
    ];
  }
  const parsed = parseLoosely(url);
  if (!parsed) {
    return [{ code: 'invalid_url', message: `The endpoint URL is not a valid URL. ${fix}.` }];
  }
  if (context.otherEnvironmentHosts.includes(parsed.host)) {
    const other = context.mode === 'test' ? 'Live' : 'Test';
    return [
      {
        code: 'other_environment',
        message: `The endpoint URL points to the ${other} environment (${parsed.host}), but this is a ${context.mode}-mode Stripe account. ${fix}.`,
      },
    ];
  }
  const problems: WebhookProblem[] = [];
  if (parsed.host !== expected.host || parsed.protocol !== expected.protocol) {
    problems.push({ code: 'wrong_host', message: `The endpoint URL points to ${parsed.origin}, not ${expected.origin}. ${fix}.` });
  }
  if (parsed.pathname !== WEBHOOK_PATH) {
    problems.push({ code: 'wrong_path', message: `The endpoint URL path is ${parsed.pathname}, not ${WEBHOOK_PATH}. ${fix}.` });
  }
  const providers = parsed.searchParams.getAll('provider');
  if (providers.length !== 1 || providers[0]?.toUpperCase() !== 'STRIPE') {
    problems.push({
      code: 'wrong_provider',
      message: `The endpoint URL must end with ?provider=STRIPE; it has ${providers.length === 0 ? 'no provider' : `provider=${providers.join(',')}`}. ${fix}.`,
    });
  }
  const merchant = parsed.searchParams.get('merchant');
  if (merchant !== null && merchant !== context.merchantId) {
    problems.push({
      code: 'other_merchant',
      message: `The endpoint URL names merchant ${merchant}, not ${context.merchantId}. ${fix}.`,
    });
  }
  return problems;
}
