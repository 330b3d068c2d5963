import { randomBytes } from 'node:crypto';

import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

import {
  type EventRecord,
  openShardOf,
  type PaymentStore,
  type StatusChange,
} from '../functions/adapters/payment-store';
import type { Payment } from '../functions/core/payment';
import { TABLE_SCHEMA } from '../lib/table-schema';
import { paymentIntentEvent, signatureHeader } from '../test/helpers/webhook-delivery';
import { runClosedLoop } from './load';

/** Writes and reads issued at once while seeding and checking. */
const SETUP_CONCURRENCY = 16;

const AMOUNT = 1050;
const CURRENCY = 'usd';

/** One pending payment and the one event that settles it. */
export interface BenchPayment {
  merchantId: string;
  paymentId: string;
  paymentIntentId: string;
  eventId: string;
}

export function newBenchPayments(merchantId: string, count: number): BenchPayment[] {
  return Array.from({ length: count }, () => ({
    merchantId,
    paymentId: `pay_${randomBytes(12).toString('hex')}`,
    paymentIntentId: `pi_3bench${randomBytes(10).toString('hex')}`,
    eventId: `evt_1bench${randomBytes(10).toString('hex')}`,
  }));
}

/** Builds a pending payment as POST /payments stores it. */
function pendingPayment(payment: BenchPayment, now: Date): Payment {
  const at = now.toISOString();
  const session = `cs_test_bench${payment.paymentId.slice(4)}`;
  return {
    paymentId: payment.paymentId,
    merchantId: payment.merchantId,
    status: 'pending',
    amount: AMOUNT,
    currency: CURRENCY,
    description: 'Benchmark order',
    reference: `order-${payment.paymentId.slice(4, 12)}`,
    url: `https://checkout.stripe.com/c/pay/${session}`,
    checkoutSessionId: session,
    history: [{ status: 'pending', at, source: 'api' }],
    version: 1,
    expiresAt: new Date(now.getTime() + 60 * 60_000).toISOString(),
    createdAt: at,
    updatedAt: at,
  };
}

/** Items per BatchWriteItem request, the most DynamoDB accepts. */
const BATCH_SIZE = 25;

/**
 * Writes the payments as pending, with the item layout of
 * PaymentStore.createIfAbsent, 25 to a BatchWriteItem request, because one
 * conditional put per payment made seeding take most of the run on DynamoDB
 * Local. A layout that drifted from the store's would show up as lost events.
 */
export async function seedPayments(
  documents: DynamoDBDocumentClient,
  tableName: string,
  payments: BenchPayment[],
): Promise<void> {
  const now = new Date();
  const reconcileAt = new Date(now.getTime() + 600_000).toISOString();
  const batches: Record<string, unknown>[][] = [];
  for (let start = 0; start < payments.length; start += BATCH_SIZE) {
    batches.push(
      payments.slice(start, start + BATCH_SIZE).map((payment) => ({
        [TABLE_SCHEMA.partitionKey]: `PAYMENT#${payment.paymentId}`,
        [TABLE_SCHEMA.sortKey]: 'PAYMENT',
        ...pendingPayment(payment, now),
        openShard: openShardOf(payment.paymentId),
        reconcileAt,
      })),
    );
  }
  const result = await runClosedLoop({
    count: batches.length,
    concurrency: SETUP_CONCURRENCY,
    timeoutMs: 300_000,
    operation: async (index) => {
      let pending: BatchWriteCommandInput['RequestItems'] = {
        [tableName]: batches[index].map((item) => ({ PutRequest: { Item: item } })),
      };
      for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
        if (attempt === 10)
          throw new Error('DynamoDB Local left items unprocessed after 10 attempts');
        const output: BatchWriteCommandOutput = await documents.send(
          new BatchWriteCommand({ RequestItems: pending }),
        );
        pending = output.UnprocessedItems;
      }
    },
  });
  if (result.errors > 0 || result.notSent > 0) {
    throw new Error(
      `seeding failed for ${result.errors + result.notSent} batches: ${result.errorSamples.join(' | ')}`,
    );
  }
}

/** A signed `payment_intent.succeeded` delivery, as Stripe would send it. */
export interface SignedDelivery {
  body: string;
  signature: string;
}

export function signDelivery(payment: BenchPayment, secret: string): SignedDelivery {
  const body = JSON.stringify(
    paymentIntentEvent({
      eventId: payment.eventId,
      type: 'payment_intent.succeeded',
      paymentIntentId: payment.paymentIntentId,
      amount: AMOUNT,
      currency: CURRENCY,
      paymentId: payment.paymentId,
      merchantId: payment.merchantId,
    }),
  );
  return { body, signature: signatureHeader(body, secret) };
}

/**
 * The status change and event record that the webhook function writes
 * for this event, in the same single transaction: the payment updated at
 * its expected version, the event record and the PaymentIntent link.
 */
export function webhookTransaction(payment: BenchPayment): [StatusChange, EventRecord] {
  const at = new Date();
  return [
    {
      paymentId: payment.paymentId,
      expectedVersion: 1,
      expectedLastEventCreated: null,
      status: 'succeeded',
      entry: {
        status: 'succeeded',
        at: at.toISOString(),
        source: 'webhook',
        eventId: payment.eventId,
      },
      lastError: null,
      paymentIntentId: payment.paymentIntentId,
      lastEventCreated: Math.floor(at.getTime() / 1000),
    },
    {
      merchantId: payment.merchantId,
      eventId: payment.eventId,
      paymentId: payment.paymentId,
      outcome: 'applied:succeeded',
    },
  ];
}

/** Outcome of reading back the payments of one run. */
export interface ApplyCheck {
  /** Succeeded, version 2, one webhook history entry with the event id, event recorded. */
  appliedOnce: number;
  /** Still pending, or the event left no history entry or record. */
  lost: number;
  /** Version above 2 or more than one webhook history entry. */
  doubled: number;
  /** Anything else, such as another status. */
  wrong: number;
  samples: string[];
}

/** Reads every payment back and checks that its event was applied exactly once. */
export async function checkAppliedOnce(
  store: PaymentStore,
  payments: BenchPayment[],
): Promise<ApplyCheck> {
  const check: ApplyCheck = { appliedOnce: 0, lost: 0, doubled: 0, wrong: 0, samples: [] };
  const note = (kind: 'lost' | 'doubled' | 'wrong', text: string) => {
    check[kind]++;
    if (check.samples.length < 5) check.samples.push(text);
  };
  const result = await runClosedLoop({
    count: payments.length,
    concurrency: SETUP_CONCURRENCY,
    timeoutMs: 300_000,
    operation: async (index) => {
      const expected = payments[index];
      const [stored, record] = await Promise.all([
        store.get(expected.paymentId),
        store.getEvent(expected.merchantId, expected.eventId),
      ]);
      const entries = stored?.history.filter((entry) => entry.source === 'webhook') ?? [];
      const ofEvent = entries.filter((entry) => entry.eventId === expected.eventId);
      if (!stored || stored.version === 1 || ofEvent.length === 0 || !record) {
        note(
          'lost',
          `${expected.paymentId}: version ${stored?.version}, event record ${record ? 'present' : 'missing'}`,
        );
      } else if (stored.version > 2 || entries.length > 1) {
        note(
          'doubled',
          `${expected.paymentId}: version ${stored.version}, ${entries.length} webhook entries`,
        );
      } else if (
        stored.status !== 'succeeded' ||
        stored.paymentIntentId !== expected.paymentIntentId
      ) {
        note('wrong', `${expected.paymentId}: status ${stored.status}`);
      } else {
        check.appliedOnce++;
      }
    },
  });
  if (result.errors > 0 || result.notSent > 0) {
    throw new Error(`reading payments back failed: ${result.errorSamples.join(' | ')}`);
  }
  return check;
}
