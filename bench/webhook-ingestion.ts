import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

import { createDocumentClient } from '../functions/adapters/dynamodb';
import { InstallationStore } from '../functions/adapters/installation-store';
import { PaymentStore } from '../functions/adapters/payment-store';
import { ownCpuMs, processCpuMs } from './cpu';
import { LoopbackClient, type LoadResult, runClosedLoop } from './load';
import type { BenchSettings } from './settings';
import type { StageProcess } from './stage-client';
import { type LatencySummary, round2, summarize } from './stats';
import {
  type ApplyCheck,
  type BenchPayment,
  checkAppliedOnce,
  newBenchPayments,
  seedPayments,
  signDelivery,
  webhookTransaction,
} from './webhook-events';

/** A delivery without a response within this many ms counts as an error. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Concurrency of the warm-up run. */
const WARMUP_CONCURRENCY = 8;

/**
 * Ways a target applies the events:
 * - `floor`: the webhook's DynamoDB transaction alone, issued from the SDK.
 * - `floor-reads`: the two consistent reads the webhook's decision needs
 *   (payment, then installation), then the same transaction.
 * - `service`: signed deliveries over HTTP to the stage's webhook route.
 */
export type TargetKind = 'floor' | 'floor-reads' | 'service';

export interface Target {
  /** `floor`, `floor+reads`, `service`, or `service+PATCH` for a patched copy. */
  name: string;
  kind: TargetKind;
  /** The stage whose table contains the target's payments and whose logs count as its errors. */
  stage: StageProcess;
  documents: DynamoDBDocumentClient;
  store: PaymentStore;
  installations: InstallationStore;
  webhookSecret: string;
  merchantId: string;
}

export function newTarget(
  name: string,
  kind: TargetKind,
  stage: StageProcess,
  merchantId: string,
  webhookSecret: string,
): Target {
  const { config } = stage.info;
  const documents = createDocumentClient(config);
  return {
    name,
    kind,
    stage,
    documents,
    store: new PaymentStore(documents, config.tableName),
    installations: new InstallationStore(documents, config.tableName),
    webhookSecret,
    merchantId,
  };
}

function floorOperation(target: Target, batch: BenchPayment[]) {
  return async (index: number) => {
    const [change, event] = webhookTransaction(batch[index]);
    await target.store.applyChange(change, event);
  };
}

function floorWithReadsOperation(target: Target, batch: BenchPayment[]) {
  return async (index: number) => {
    const payment = await target.store.get(batch[index].paymentId);
    const installation = await target.installations.get(target.merchantId);
    if (!payment || !installation)
      throw new Error(`payment ${batch[index].paymentId} or its installation is missing`);
    const [change, event] = webhookTransaction(batch[index]);
    await target.store.applyChange(change, event);
  };
}

function serviceOperation(client: LoopbackClient, target: Target, batch: BenchPayment[]) {
  // Signing happens before the clock starts. The signatures stay valid for
  // the 300 s tolerance, longer than a run may last.
  const deliveries = batch.map((payment) => signDelivery(payment, target.webhookSecret));
  return async (index: number) => {
    const reply = await client.send(
      'POST',
      '/link-webhook?provider=STRIPE',
      deliveries[index].body,
      {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': deliveries[index].signature,
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      },
    );
    const body = JSON.parse(reply.body || '{}') as Record<string, unknown>;
    if (reply.status !== 200 || body.received !== true || body.status !== 'succeeded') {
      throw new Error(`status ${reply.status}: ${reply.body.slice(0, 200)}`);
    }
  };
}

/** CPU time per applied event of each process taking part, in ms. */
export interface CpuPerEvent {
  /** This process: the loader, and for the floors the SDK calls too. */
  loader: number | null;
  /** The stage process: gateway, handlers and stream poller. */
  stage: number | null;
  dynamodbLocal: number | null;
}

/** One run of one target at one concurrency level. */
export interface RunRecord {
  target: string;
  concurrency: number;
  round: number;
  load: LoadResult;
  check: ApplyCheck;
  cpu: CpuPerEvent;
  errorLogLines: number;
}

function operationOf(target: Target, batch: BenchPayment[], client: LoopbackClient) {
  if (target.kind === 'floor') return floorOperation(target, batch);
  if (target.kind === 'floor-reads') return floorWithReadsOperation(target, batch);
  return serviceOperation(client, target, batch);
}

async function runOnce(
  target: Target,
  batch: BenchPayment[],
  concurrency: number,
  round: number,
  settings: BenchSettings,
  dynamodbPid: number,
): Promise<RunRecord> {
  const timeoutMs = settings.runTimeoutSeconds * 1000;
  const logLinesBefore = target.stage.errorLines.count;
  const client = new LoopbackClient(target.stage.info.url, concurrency, REQUEST_TIMEOUT_MS);
  const operation = operationOf(target, batch, client);

  const before = {
    loader: ownCpuMs(),
    stage: processCpuMs(target.stage.pid),
    dynamodb: processCpuMs(dynamodbPid),
  };
  let load: LoadResult;
  try {
    load = await runClosedLoop({ count: batch.length, concurrency, timeoutMs, operation });
  } finally {
    client.close();
  }
  const after = {
    loader: ownCpuMs(),
    stage: processCpuMs(target.stage.pid),
    dynamodb: processCpuMs(dynamodbPid),
  };
  const applied = Math.max(1, load.latenciesMs.length);
  const perEvent = (start: number | undefined, end: number | undefined) =>
    start === undefined || end === undefined ? null : round2((end - start) / applied);

  const check = await checkAppliedOnce(target.store, batch);
  return {
    target: target.name,
    concurrency,
    round,
    load,
    check,
    cpu: {
      loader: perEvent(before.loader, after.loader),
      stage: perEvent(before.stage, after.stage),
      dynamodbLocal: perEvent(before.dynamodb, after.dynamodb),
    },
    errorLogLines: target.stage.errorLines.count - logLinesBefore,
  };
}

/**
 * Runs one round at concurrency 1 with the targets' operations interleaved:
 * event i of each target in turn, starting at another target for each i.
 * Every target then meets the same moments of the machine. CPU time cannot
 * be separated per target this way and is left out.
 */
async function runInterleavedRound(
  targets: Target[],
  batches: BenchPayment[][],
  round: number,
  settings: BenchSettings,
): Promise<RunRecord[]> {
  const deadline = performance.now() + settings.runTimeoutSeconds * 1000;
  const clients = targets.map(
    (target) => new LoopbackClient(target.stage.info.url, 1, REQUEST_TIMEOUT_MS),
  );
  const operations = targets.map((target, index) =>
    operationOf(target, batches[index], clients[index]),
  );
  const loads: LoadResult[] = targets.map(() => ({
    latenciesMs: [],
    errors: 0,
    errorSamples: [],
    notSent: 0,
    elapsedMs: 0,
  }));
  const logLinesBefore = targets.map((target) => target.stage.errorLines.count);
  const count = Math.max(...batches.map((batch) => batch.length));
  try {
    for (let event = 0; event < count; event++) {
      for (let step = 0; step < targets.length; step++) {
        const index = (event + step) % targets.length;
        const load = loads[index];
        if (event >= batches[index].length) continue;
        if (performance.now() >= deadline) {
          load.notSent++;
          continue;
        }
        const begin = performance.now();
        try {
          await operations[index](event);
          load.latenciesMs.push(performance.now() - begin);
        } catch (error) {
          load.errors++;
          if (load.errorSamples.length < 5)
            load.errorSamples.push(error instanceof Error ? error.message : String(error));
        }
        load.elapsedMs += performance.now() - begin;
      }
    }
  } finally {
    for (const client of clients) client.close();
  }
  const records: RunRecord[] = [];
  for (const [index, target] of targets.entries()) {
    records.push({
      target: target.name,
      concurrency: 1,
      round,
      load: loads[index],
      check: await checkAppliedOnce(target.store, batches[index]),
      cpu: { loader: null, stage: null, dynamodbLocal: null },
      errorLogLines: target.stage.errorLines.count - logLinesBefore[index],
    });
  }
  return records;
}

/** The runs of one target at one level, pooled over the rounds. */
export interface LevelResult {
  target: string;
  concurrency: number;
  latency: LatencySummary;
  /** p50 and p99 of each round, to show how much they move between rounds. */
  roundP50: number[];
  roundP99: number[];
  /** Events applied per second, over the summed wall time of the rounds. */
  throughput: number;
  /** CPU per applied event, averaged over the rounds. */
  cpu: CpuPerEvent;
  sent: number;
  errors: number;
  notSent: number;
  lost: number;
  doubled: number;
  wrong: number;
  errorLogLines: number;
  errorSamples: string[];
}

function averageOf(values: (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0
    ? null
    : round2(known.reduce((sum, value) => sum + value, 0) / known.length);
}

function poolRuns(runs: RunRecord[]): LevelResult {
  const latencies = runs.flatMap((run) => run.load.latenciesMs);
  const elapsed = runs.reduce((sum, run) => sum + run.load.elapsedMs, 0);
  const sum = (pick: (run: RunRecord) => number) =>
    runs.reduce((total, run) => total + pick(run), 0);
  return {
    target: runs[0].target,
    concurrency: runs[0].concurrency,
    latency: summarize(latencies),
    roundP50: runs.map((run) => round2(summarize(run.load.latenciesMs).p50)),
    roundP99: runs.map((run) => round2(summarize(run.load.latenciesMs).p99)),
    throughput: round2((latencies.length / elapsed) * 1000),
    cpu: {
      loader: averageOf(runs.map((run) => run.cpu.loader)),
      stage: averageOf(runs.map((run) => run.cpu.stage)),
      dynamodbLocal: averageOf(runs.map((run) => run.cpu.dynamodbLocal)),
    },
    sent: sum((run) => run.load.latenciesMs.length + run.load.errors),
    errors: sum((run) => run.load.errors),
    notSent: sum((run) => run.load.notSent),
    lost: sum((run) => run.check.lost),
    doubled: sum((run) => run.check.doubled),
    wrong: sum((run) => run.check.wrong),
    errorLogLines: sum((run) => run.errorLogLines),
    errorSamples: [
      ...runs.flatMap((run) => run.load.errorSamples),
      ...runs.flatMap((run) => run.check.samples),
    ].slice(0, 5),
  };
}

export interface WebhookIngestionResult {
  levels: LevelResult[];
  warmup: RunRecord[];
}

/**
 * Measures every target at every concurrency level. Payments are seeded
 * before the first run. At concurrency 1 the targets take turns event by
 * event. Above it each target runs alone, and the rounds alternate the
 * order of the targets (forward, then backward). Either way, drift on the
 * machine spreads over all targets.
 */
export async function measureWebhookIngestion(
  targets: Target[],
  settings: BenchSettings,
  dynamodbPid: number,
  log: (line: string) => void,
): Promise<WebhookIngestionResult> {
  const batches = new Map<string, BenchPayment[]>();
  const key = (target: Target, concurrency: number | 'warmup', round: number) =>
    `${target.name}/${concurrency}/${round}`;
  for (const target of targets) {
    const all: BenchPayment[] = [];
    const add = (name: string, count: number) => {
      const batch = newBenchPayments(target.merchantId, count);
      batches.set(name, batch);
      all.push(...batch);
    };
    add(key(target, 'warmup', 0), settings.warmupEvents);
    for (const concurrency of settings.concurrency) {
      for (let round = 0; round < settings.rounds; round++) {
        add(key(target, concurrency, round), settings.events);
      }
    }
    log(`seeding ${all.length} pending payments for ${target.name}`);
    await seedPayments(target.documents, target.stage.info.config.tableName, all);
  }
  for (const stage of new Set(targets.map((target) => target.stage))) {
    await stage.settle(120_000);
  }

  const warmup: RunRecord[] = [];
  for (const target of targets) {
    const batch = batches.get(key(target, 'warmup', 0)) ?? [];
    const run = await runOnce(target, batch, WARMUP_CONCURRENCY, 0, settings, dynamodbPid);
    log(
      `warm-up ${target.name}: ${run.load.latenciesMs.length} applied, ${run.load.errors} errors`,
    );
    warmup.push(run);
  }

  const levels: LevelResult[] = [];
  for (const concurrency of settings.concurrency) {
    const runs = new Map<string, RunRecord[]>(targets.map((target) => [target.name, []]));
    const report = (run: RunRecord) => {
      const summary = summarize(run.load.latenciesMs);
      log(
        `c=${concurrency} round ${run.round + 1} ${run.target}: p50 ${summary.p50.toFixed(2)} ms, ` +
          `p99 ${summary.p99.toFixed(2)} ms, ${run.load.errors} errors, ${run.check.lost} lost`,
      );
      runs.get(run.target)?.push(run);
    };
    for (let round = 0; round < settings.rounds; round++) {
      if (concurrency === 1) {
        const roundBatches = targets.map(
          (target) => batches.get(key(target, concurrency, round)) ?? [],
        );
        for (const run of await runInterleavedRound(targets, roundBatches, round, settings))
          report(run);
        continue;
      }
      // Alone on the machine, each target shows its own throughput limit.
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const batch = batches.get(key(target, concurrency, round)) ?? [];
        report(await runOnce(target, batch, concurrency, round, settings, dynamodbPid));
      }
    }
    for (const target of targets) levels.push(poolRuns(runs.get(target.name) ?? []));
  }
  return { levels, warmup };
}
