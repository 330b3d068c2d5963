import { randomUUID } from 'node:crypto';
import fc from 'fast-check';

import { parseConfig } from '../../functions/shared/config';
import { createWebhookHandler } from '../../functions/webhook/handler';
import { installationFor, newCredentials } from '../helpers/webhook-delivery';
import { memoryServices, type RunOperation } from './memory-stores';
import { MERCHANT_COUNT, schedulePlan } from './schedule-model';
import { newStats, reportOf, runSchedule, type ScheduleContext, type TestMerchant } from './schedule-runner';

/**
 * Schedules of the property on in-memory stores, where fast-check's
 * scheduler picks the order in which every store request and response of
 * the concurrent deliveries happens. The handler, signatures, state machine
 * and apply step are the real ones; the DynamoDB Local property checks the
 * real store against the same model. INTERLEAVING_RUNS sets the nightly
 * size.
 */
const RUNS = Number(process.env.INTERLEAVING_RUNS ?? 3000);
const SEED = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : undefined;

const config = parseConfig({
  STAGE: 'test',
  TABLE_NAME: 'in-memory',
  PUBLIC_URL: 'http://127.0.0.1:3000',
});

const merchants: TestMerchant[] = Array.from({ length: MERCHANT_COUNT }, (_, index) => ({
  merchantId: `memory-shop-${index}`,
  credentials: newCredentials(),
}));

// Each store operation waits for the scheduler twice: once before it runs
// (the request in flight) and once before its caller sees the result.
function scheduledOperations(scheduler: fc.Scheduler): RunOperation {
  return async (operation) => {
    await scheduler.schedule(Promise.resolve(), 'request');
    let outcome: { value: ReturnType<typeof operation> } | { error: unknown };
    try {
      outcome = { value: operation() };
    } catch (error) {
      outcome = { error };
    }
    await scheduler.schedule(Promise.resolve(), 'response');
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
}

// Starts every task, then releases scheduled operations one at a time in
// the scheduler's order until all tasks have settled.
async function runUnder<T>(scheduler: fc.Scheduler, tasks: (() => Promise<T>)[]): Promise<T[]> {
  let settled = false;
  const all = Promise.all(tasks.map((task) => task()));
  all.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    if (scheduler.count() > 0) await scheduler.waitOne();
    else await new Promise((resolve) => setImmediate(resolve));
  }
  return all;
}

function contextFor(scheduler: fc.Scheduler, stats: ScheduleContext['stats']): ScheduleContext {
  const memory = memoryServices(config, scheduledOperations(scheduler));
  for (const merchant of merchants) {
    const installation = installationFor(merchant.merchantId, merchant.credentials, randomUUID());
    memory.installations.put(installation);
    memory.secrets.set(merchant.merchantId, installation.credentialsVersion as string, merchant.credentials);
  }
  return {
    services: memory.services,
    handler: createWebhookHandler(() => memory.services),
    merchants,
    runConcurrently: (tasks) => runUnder(scheduler, tasks),
    readPayment: async (paymentId) => memory.payments.peek(paymentId),
    readEvent: async (merchantId, eventId) => memory.payments.peekEvent(merchantId, eventId),
    stats,
  };
}

describe('webhook handler under any interleaving', () => {
  it('matches the model on every schedule', async () => {
    const stats = newStats();
    const started = Date.now();
    const property = fc.asyncProperty(schedulePlan, fc.scheduler(), (plan, scheduler) =>
      runSchedule(contextFor(scheduler, stats), plan),
    );

    const result = await fc.check(property, {
      numRuns: RUNS,
      ...(SEED !== undefined && { seed: SEED }),
    });

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `webhook schedules in memory: ${stats.schedules} schedules, ${stats.deliveries} deliveries, ${stats.bursts} bursts in ${seconds} s\n`,
    );
    expect(reportOf(result)).toBe('passed');
  }, 60_000 + RUNS * 20);
});
