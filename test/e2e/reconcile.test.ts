import type { ReconcileSummary } from '../../functions/reconcile/reconcile';
import { StageHarness } from '../helpers/local-stage';

let harness: StageHarness;

beforeAll(async () => {
  harness = await StageHarness.start();
  await harness.sandbox('/_sandbox/delivery', { method: 'PUT', body: { mode: 'drop' } });
});

afterAll(async () => {
  await harness?.stop();
});

afterEach(async () => {
  harness.stage.services.now = () => new Date();
  harness.stage.services.config.reconcileBatchSize = 50;
  await harness.sandbox('/_sandbox/faults', { method: 'DELETE' });
});

/** Creates and pays a payment whose webhook is dropped; returns its id. */
async function paidWithoutWebhook(merchantId: string): Promise<string> {
  const created = await harness.createPayment({
    merchantId,
    amount: 2000,
    currency: 'eur',
    description: 'Reconciled order',
    reference: 'rec',
  });
  await harness.pay(created.body.checkoutSessionId, '4242424242424242');
  await harness.flushDeliveries();
  return created.body.paymentId;
}

async function runReconcile(minutesAhead = 11): Promise<ReconcileSummary> {
  harness.stage.services.now = () => new Date(Date.now() + minutesAhead * 60_000);
  return (await harness.api<ReconcileSummary>('/_local/reconcile', { method: 'POST' })).body;
}

const statusOf = async (paymentId: string) => (await harness.payment(paymentId)).body.status;

describe('reconcile', () => {
  it('skips a rate-limited merchant until the next run', async () => {
    await harness.installMerchant('rl-a');
    await harness.installMerchant('rl-b');
    const first = await paidWithoutWebhook('rl-a');
    const second = await paidWithoutWebhook('rl-b');
    await harness.sandbox('/_sandbox/faults', {
      body: { method: 'GET', path: '/v1/checkout/sessions/*', status: 429, times: 1 },
    });

    const run = await runReconcile();
    const afterRun = [await statusOf(first), await statusOf(second)];
    await runReconcile();
    const afterNext = [await statusOf(first), await statusOf(second)];

    expect(run.rateLimitedMerchants).toHaveLength(1);
    expect(afterRun.filter((status) => status === 'succeeded')).toHaveLength(1);
    expect(afterNext).toEqual(['succeeded', 'succeeded']);
  });

  it('isolates a merchant whose key fails', async () => {
    const broken = await harness.installMerchant('broken-key');
    await harness.installMerchant('healthy');
    const stuck = await paidWithoutWebhook('broken-key');
    const repaired = await paidWithoutWebhook('healthy');
    await harness.sandbox(`/_sandbox/keys/${broken.account.secretKey}`, { method: 'DELETE' });

    const run = await runReconcile();

    expect(run.failed).toBeGreaterThanOrEqual(1);
    expect(await statusOf(stuck)).toBe('pending');
    expect(await statusOf(repaired)).toBe('succeeded');
  });

  it('bounds the work of one run', async () => {
    await harness.installMerchant('bounded');
    const payments = [
      await paidWithoutWebhook('bounded'),
      await paidWithoutWebhook('bounded'),
      await paidWithoutWebhook('bounded'),
    ];
    harness.stage.services.config.reconcileBatchSize = 2;

    const run = await runReconcile(60 * 3);
    const statuses = await Promise.all(payments.map(statusOf));

    expect(run.examined).toBeLessThanOrEqual(2);
    expect(statuses.filter((status) => status === 'succeeded').length).toBeLessThanOrEqual(2);
  });

  it('reports a decline the webhook missed', async () => {
    await harness.installMerchant('declines');
    const created = await harness.createPayment({
      merchantId: 'declines',
      amount: 2000,
      currency: 'eur',
      description: 'Declined order',
      reference: 'dec',
    });
    await harness.pay(created.body.checkoutSessionId, '4000000000009995');
    await harness.flushDeliveries();

    await runReconcile();
    const payment = (await harness.payment(created.body.paymentId)).body;

    expect(payment.status).toBe('failed');
    expect(payment.lastError?.declineCode).toBe('insufficient_funds');
    expect(payment.history.at(-1)?.source).toBe('reconcile');
  });
});
