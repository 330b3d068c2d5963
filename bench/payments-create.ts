import { randomBytes } from 'node:crypto';

import { createDocumentClient } from '../functions/adapters/dynamodb';
import { InstallationStore } from '../functions/adapters/installation-store';
import { PaymentStore } from '../functions/adapters/payment-store';
import { StripeGateway } from '../functions/adapters/stripe-gateway';
import type { Payment } from '../functions/core/payment';
import { LoopbackClient, type LoadResult, runClosedLoop } from './load';
import type { BenchSettings } from './settings';
import type { StageProcess } from './stage-client';
import { type LatencySummary, round2, summarize } from './stats';

const REQUEST_TIMEOUT_MS = 10_000;
const WARMUP_REQUESTS = 20;
const AMOUNT = 1050;
const CURRENCY = 'usd';

/**
 * - `sandbox`: the Checkout Session create of POST /payments alone, through
 *   the service's StripeGateway with the stage's settings.
 * - `sandbox+dynamodb`: the same call with the four DynamoDB requests of
 *   POST /payments around it, in the same order, through the service's
 *   stores.
 * - `service`: POST /payments on the stage.
 */
const PATHS = ['sandbox', 'sandbox+dynamodb', 'service'] as const;
export type PaymentsPath = (typeof PATHS)[number];

export type PathSummary = LatencySummary & { errors: number; throughput: number };

export interface PaymentsLevel {
  concurrency: number;
  paths: Record<PaymentsPath, PathSummary>;
  errorSamples: string[];
}

function newReference(): string {
  return `order-${randomBytes(6).toString('hex')}`;
}

function newPaymentId(): string {
  return `pay_${randomBytes(12).toString('hex')}`;
}

function checkoutRequest(
  stage: StageProcess,
  merchantId: string,
  paymentId: string,
  reference: string,
) {
  const returnUrl = `${stage.info.url}/checkout/return?payment=${paymentId}`;
  return {
    paymentId,
    merchantId,
    amount: AMOUNT,
    currency: CURRENCY,
    description: 'Benchmark order',
    reference,
    expiresAt: new Date(Date.now() + 60 * 60_000),
    successUrl: returnUrl,
    cancelUrl: `${returnUrl}&canceled=1`,
  };
}

function sandboxOperation(stage: StageProcess, merchantId: string) {
  const gateway = new StripeGateway(stage.info.config);
  return async () => {
    await gateway.createCheckoutSession(
      stage.info.apiKey,
      checkoutRequest(stage, merchantId, newPaymentId(), newReference()),
    );
  };
}

function sandboxWithDynamoDbOperation(stage: StageProcess, merchantId: string) {
  const { config } = stage.info;
  const documents = createDocumentClient(config);
  const payments = new PaymentStore(documents, config.tableName);
  const installations = new InstallationStore(documents, config.tableName);
  const gateway = new StripeGateway(config);
  return async () => {
    const now = new Date();
    const reference = newReference();
    if (!(await installations.get(merchantId)))
      throw new Error(`merchant ${merchantId} is not installed`);
    const claim = await payments.claimIdempotencyKey({
      merchantId,
      key: randomBytes(16).toString('hex'),
      fingerprint: randomBytes(32).toString('hex'),
      paymentId: newPaymentId(),
      expiresAt: new Date(now.getTime() + 60 * 60_000).toISOString(),
    });
    if (await payments.get(claim.paymentId))
      throw new Error(`payment ${claim.paymentId} already exists`);
    const session = await gateway.createCheckoutSession(
      stage.info.apiKey,
      checkoutRequest(stage, merchantId, claim.paymentId, reference),
    );
    const at = now.toISOString();
    const payment: Payment = {
      paymentId: claim.paymentId,
      merchantId,
      status: 'pending',
      amount: AMOUNT,
      currency: CURRENCY,
      description: 'Benchmark order',
      reference,
      url: session.url,
      checkoutSessionId: session.id,
      history: [{ status: 'pending', at, source: 'api' }],
      version: 1,
      expiresAt: claim.expiresAt,
      createdAt: at,
      updatedAt: at,
    };
    await payments.createIfAbsent(payment, new Date(now.getTime() + 600_000).toISOString());
  };
}

function serviceOperation(client: LoopbackClient, merchantId: string) {
  return async () => {
    const body = JSON.stringify({
      merchantId,
      amount: AMOUNT,
      currency: CURRENCY,
      description: 'Benchmark order',
      reference: newReference(),
    });
    const reply = await client.send('POST', '/payments', body, {
      'content-type': 'application/json',
      'idempotency-key': randomBytes(16).toString('hex'),
    });
    if (reply.status !== 201)
      throw new Error(`status ${reply.status}: ${reply.body.slice(0, 200)}`);
  };
}

function pool(results: LoadResult[]): PathSummary {
  const latencies = results.flatMap((result) => result.latenciesMs);
  const elapsed = results.reduce((sum, result) => sum + result.elapsedMs, 0);
  return {
    ...summarize(latencies),
    errors: results.reduce((sum, result) => sum + result.errors + result.notSent, 0),
    throughput: round2((latencies.length / elapsed) * 1000),
  };
}

/**
 * Measures POST /payments on the stage against the sandbox round trip
 * alone and against the same I/O issued straight from the SDKs, at each
 * concurrency level. The rounds alternate the order of the paths.
 */
export async function measurePaymentsCreate(
  stage: StageProcess,
  merchantId: string,
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<PaymentsLevel[]> {
  const timeoutMs = settings.runTimeoutSeconds * 1000;
  const perRound = Math.max(1, Math.ceil(settings.payments / settings.rounds));
  const levels: PaymentsLevel[] = [];
  for (const concurrency of settings.paymentsConcurrency) {
    const client = new LoopbackClient(stage.info.url, concurrency, REQUEST_TIMEOUT_MS);
    const operations: Record<PaymentsPath, () => Promise<void>> = {
      sandbox: sandboxOperation(stage, merchantId),
      'sandbox+dynamodb': sandboxWithDynamoDbOperation(stage, merchantId),
      service: serviceOperation(client, merchantId),
    };
    try {
      for (const path of PATHS) {
        await runClosedLoop({
          count: WARMUP_REQUESTS,
          concurrency,
          timeoutMs,
          operation: operations[path],
        });
      }
      const runs: Record<PaymentsPath, LoadResult[]> = {
        sandbox: [],
        'sandbox+dynamodb': [],
        service: [],
      };
      for (let round = 0; round < settings.rounds; round++) {
        const order = round % 2 === 0 ? PATHS : [...PATHS].reverse();
        for (const path of order) {
          runs[path].push(
            await runClosedLoop({
              count: perRound,
              concurrency,
              timeoutMs,
              operation: operations[path],
            }),
          );
        }
      }
      const level: PaymentsLevel = {
        concurrency,
        paths: {
          sandbox: pool(runs.sandbox),
          'sandbox+dynamodb': pool(runs['sandbox+dynamodb']),
          service: pool(runs.service),
        },
        errorSamples: PATHS.flatMap((path) =>
          runs[path].flatMap((result) => result.errorSamples),
        ).slice(0, 5),
      };
      log(
        `POST /payments c=${concurrency}: sandbox p50 ${level.paths.sandbox.p50.toFixed(2)} ms, ` +
          `service p50 ${level.paths.service.p50.toFixed(2)} ms, ${level.paths.service.errors} errors`,
      );
      levels.push(level);
    } finally {
      client.close();
    }
  }
  return levels;
}
