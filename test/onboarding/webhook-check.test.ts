import {
  createEndpoint,
  describeMerchant,
  install,
  PAYMENT_EVENTS,
} from '../helpers/onboarding';
import { StageHarness } from '../helpers/local-stage';

let harness: StageHarness;

beforeAll(async () => {
  harness = await StageHarness.start();
});

afterAll(async () => {
  await harness?.stop();
});

/** Creates an account with the given endpoints and installs it. */
async function installWith(
  merchantId: string,
  endpoints: { url: string; events?: readonly string[]; disabled?: boolean }[],
) {
  const account = await harness.createAccount();
  for (const endpoint of endpoints) {
    const id = await createEndpoint(harness, account.secretKey, endpoint.url, endpoint.events);
    if (endpoint.disabled) {
      await harness.stripe(account.secretKey).webhookEndpoints.update(id, { disabled: true });
    }
  }
  const reply = await install(harness, merchantId, { apiKey: account.secretKey });
  return { account, webhook: reply.body.webhook };
}

const codes = (entries: { code: string }[]) => entries.map((entry) => entry.code);

describe('webhook check at install', () => {
  it('reports a missing endpoint', async () => {
    const { webhook } = await installWith('no-endpoint', []);

    expect(webhook.status).toBe('missing');
    expect(webhook.problems[0]?.message).toContain(harness.webhookUrl);
    expect(webhook.problems[0]?.message).toContain(PAYMENT_EVENTS.join(', '));
  });

  it('reports a disabled endpoint', async () => {
    const { webhook } = await installWith('disabled-endpoint', [
      { url: harness.webhookUrl, disabled: true },
    ]);

    expect(webhook.status).toBe('disabled');
    expect(codes(webhook.problems)).toEqual(['disabled']);
    expect(webhook.problems[0]?.message).toContain(`${webhook.endpointId} and enable it`);
  });

  it('reports the live environment URL', async () => {
    const { webhook } = await installWith('live-url', [
      { url: 'https://chat-payments.jelou.ai/link-webhook?provider=STRIPE' },
    ]);

    expect(webhook.status).toBe('wrong_url');
    expect(codes(webhook.problems)).toEqual(['other_environment']);
    expect(webhook.problems[0]?.message).toContain('Live (chat-payments.jelou.ai)');
    expect(webhook.problems[0]?.message).toContain(`to exactly ${harness.webhookUrl}`);
  });

  it.each([
    ['trailing space', (url: string) => `${url} `],
    ['encoded space', (url: string) => `${url}%20`],
    ['zero-width space', (url: string) => `${url}\u200B`],
    ['encoded zero-width space', (url: string) => `${url}%E2%80%8B`],
  ])('flags %s in URL', async (_case, dirty) => {
    const { webhook } = await installWith('stray-url', [{ url: dirty(harness.webhookUrl) }]);

    expect(webhook.status).toBe('wrong_url');
    expect(codes(webhook.problems)).toEqual(['stray_characters']);
  });

  it.each([
    ['no provider', (base: string) => `${base}/link-webhook`, 'has no provider'],
    ['another provider', (base: string) => `${base}/link-webhook?provider=PAYPAL`, 'provider=PAYPAL'],
  ])('reports %s', async (_case, build, found) => {
    const { webhook } = await installWith('provider-url', [{ url: build(harness.url) }]);

    expect(webhook.status).toBe('wrong_url');
    expect(codes(webhook.problems)).toEqual(['wrong_provider']);
    expect(webhook.problems[0]?.message).toContain(found);
  });

  it.each(PAYMENT_EVENTS.map((event) => [event]))('reports missing %s', async (event) => {
    const events = PAYMENT_EVENTS.filter((type) => type !== event);

    const { webhook } = await installWith('missing-event', [{ url: harness.webhookUrl, events }]);

    expect(webhook.status).toBe('missing_events');
    expect(codes(webhook.problems)).toEqual(['missing_events']);
    expect(webhook.problems[0]?.message).toContain(`does not send ${event},`);
  });

  it('accepts extra events with a note', async () => {
    const { webhook } = await installWith('extra-events', [
      { url: harness.webhookUrl, events: [...PAYMENT_EVENTS, 'charge.refunded'] },
    ]);

    expect(webhook.status).toBe('ok');
    expect(codes(webhook.notes)).toContain('extra_events');
    expect(webhook.notes.find((note) => note.code === 'extra_events')?.message).toContain(
      'charge.refunded',
    );
  });

  it('accepts all events with a note', async () => {
    const { webhook } = await installWith('all-events', [{ url: harness.webhookUrl, events: ['*'] }]);

    expect(webhook.status).toBe('ok');
    expect(codes(webhook.notes)).toContain('all_events');
  });

  it('names duplicate endpoints to delete', async () => {
    const { webhook } = await installWith('two-endpoints', [
      { url: harness.webhookUrl },
      { url: harness.webhookUrl, events: PAYMENT_EVENTS.slice(0, 2) },
    ]);

    const note = webhook.notes.find((entry) => entry.code === 'several_endpoints');
    expect(webhook.status).toBe('ok');
    expect(note?.message).toContain('2 webhook endpoints point to chat-payments');
  });

  it('ignores endpoints of other services', async () => {
    const { webhook } = await installWith('other-service', [
      { url: 'https://shop.example.com/stripe/hooks' },
    ]);

    expect(webhook.status).toBe('missing');
  });
});

describe('webhook check on GET', () => {
  it('reflects changes made after install', async () => {
    const { account } = await installWith('fresh-check', [{ url: harness.webhookUrl }]);
    const [endpoint] = (await harness.stripe(account.secretKey).webhookEndpoints.list()).data;
    await harness.stripe(account.secretKey).webhookEndpoints.update(endpoint!.id, {
      disabled: true,
    });

    const reply = await describeMerchant(harness, 'fresh-check');

    expect(reply.status).toBe(200);
    expect(reply.body.webhook.status).toBe('disabled');
  });

  it('stores the fresh check', async () => {
    const { account } = await installWith('stored-check', []);
    await createEndpoint(harness, account.secretKey, harness.webhookUrl);

    await describeMerchant(harness, 'stored-check');
    const stored = await harness.stage.services.installations.get('stored-check');

    expect(stored?.webhook.status).toBe('ok');
  });
});
