import {
  type CheckContext,
  checkWebhookEndpoints,
  describeRejectedDeliveries,
  type EndpointSnapshot,
  evaluateEndpoint,
  isCreatedFor,
} from '../../functions/core/webhook-check';

const EXPECTED = 'https://chat-payments.jelou.dev/link-webhook?provider=STRIPE';
const EVENTS = [
  'payment_intent.succeeded',
  'payment_intent.requires_action',
  'payment_intent.payment_failed',
];

const context: CheckContext = {
  merchantId: 'shop',
  mode: 'test',
  expectedUrl: EXPECTED,
  otherEnvironmentHosts: ['chat-payments.jelou.ai'],
  now: '2026-01-01T00:00:00.000Z',
};

function endpoint(overrides: Partial<EndpointSnapshot> = {}): EndpointSnapshot {
  return { id: 'we_1', url: EXPECTED, status: 'enabled', enabledEvents: EVENTS, ...overrides };
}

const codesOf = (verdict: { problems: { code: string }[] }) =>
  verdict.problems.map((problem) => problem.code);

describe('evaluateEndpoint', () => {
  it('accepts the guide URL', () => {
    expect(evaluateEndpoint(endpoint(), context).status).toBe('ok');
  });

  it('accepts its own merchant URL', () => {
    const own = endpoint({ url: `${EXPECTED}&merchant=shop` });

    expect(evaluateEndpoint(own, context).status).toBe('ok');
  });

  it('accepts a lowercase provider', () => {
    const lower = endpoint({ url: EXPECTED.replace('STRIPE', 'stripe') });

    expect(evaluateEndpoint(lower, context).status).toBe('ok');
  });

  it.each([
    ['a leading space', ` ${EXPECTED}`],
    ['a trailing tab', `${EXPECTED}\t`],
    ['an encoded space', `${EXPECTED}%20`],
    ['an encoded no-break space', `${EXPECTED}%C2%A0`],
    ['a raw zero-width space', `${EXPECTED}\u200B`],
    ['an encoded byte order mark', `%EF%BB%BF${EXPECTED}`],
  ])('finds %s', (_case, url) => {
    expect(codesOf(evaluateEndpoint(endpoint({ url }), context))).toEqual(['stray_characters']);
  });

  it.each([
    ['another merchant', `${EXPECTED}&merchant=other`, ['other_merchant']],
    ['http instead of https', EXPECTED.replace('https', 'http'), ['wrong_host']],
    ['a wrong path', EXPECTED.replace('link-webhook', 'webhook'), ['wrong_path']],
    ['two providers', `${EXPECTED}&provider=STRIPE`, ['wrong_provider']],
  ])('finds %s', (_case, url, codes) => {
    expect(codesOf(evaluateEndpoint(endpoint({ url }), context))).toEqual(codes);
  });

  it('lists every missing event', () => {
    const verdict = evaluateEndpoint(endpoint({ enabledEvents: [EVENTS[0]!] }), context);

    expect(verdict.status).toBe('missing_events');
    expect(verdict.problems[0]?.message).toContain(`${EVENTS[1]}, ${EVENTS[2]}`);
  });

  it('keeps the URL problem first', () => {
    const verdict = evaluateEndpoint(
      endpoint({ url: `${EXPECTED} `, status: 'disabled', enabledEvents: [] }),
      context,
    );

    expect(verdict.status).toBe('wrong_url');
    expect(codesOf(verdict)).toEqual(['stray_characters', 'disabled', 'missing_events']);
  });
});

describe('checkWebhookEndpoints', () => {
  it('reports the endpoint closest to working', () => {
    const report = checkWebhookEndpoints(
      [
        endpoint({ id: 'we_off', status: 'disabled' }),
        endpoint({ id: 'we_on' }),
      ],
      context,
    );

    expect(report.endpointId).toBe('we_on');
  });

  it('prefers its own endpoint on ties', () => {
    const report = checkWebhookEndpoints(
      [endpoint({ id: 'we_merchant' }), endpoint({ id: 'we_own' })],
      { ...context, createdEndpointId: 'we_own' },
    );

    expect(report.endpointId).toBe('we_own');
    expect(report.notes[0]?.code).toBe('created');
  });

  it('names its own disabled endpoint', () => {
    const report = checkWebhookEndpoints([endpoint({ status: 'disabled' })], {
      ...context,
      createdEndpointId: 'we_1',
    });

    expect(report.problems[0]?.message).toContain('which chat-payments created');
  });
});

describe('isCreatedFor', () => {
  it('recognizes its own metadata', () => {
    const own = endpoint({
      metadata: { created_by: 'chat-payments', jelou_merchant_id: 'shop' },
    });

    expect(isCreatedFor(own, 'shop')).toBe(true);
    expect(isCreatedFor(own, 'other-shop')).toBe(false);
  });
});

describe('describeRejectedDeliveries', () => {
  it('orders reasons by count', () => {
    const problems = describeRejectedDeliveries(
      { unknown_event: 1, invalid_signature: 4, amount_mismatch: 0 },
      'test',
      7,
    );

    expect(problems.map((problem) => [problem.reason, problem.count])).toEqual([
      ['invalid_signature', 4],
      ['unknown_event', 1],
    ]);
  });

  it('points live events to jelou.ai', () => {
    const [problem] = describeRejectedDeliveries({ mode_mismatch: 2 }, 'test', 7);

    expect(problem?.message).toContain(
      'In the last 7 days chat-payments rejected 2 webhook deliveries that carried live-mode events',
    );
    expect(problem?.message).toContain('https://chat-payments.jelou.ai/link-webhook?provider=STRIPE');
  });
});
