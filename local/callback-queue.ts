import { randomUUID } from 'node:crypto';

import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

import type { CallbackQueue } from '../functions/adapters/callback-queue';
import type { CallbackMessage } from '../functions/core/callback';

export interface DeadLetter {
  message: CallbackMessage;
  reason: string;
  at: string;
}

/**
 * The local stand-in for the retry and dead-letter SQS queues: a retry
 * becomes a timer that calls the notify handler with an SQS event, and
 * dead letters stay in memory for `GET /_local/dead-letters`.
 */
export class LocalCallbackQueue implements CallbackQueue {
  readonly deadLetters: DeadLetter[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private handler?: (event: SQSEvent) => Promise<SQSBatchResponse>;

  /** Connects the queue to the notify handler that consumes it. */
  attach(handler: (event: SQSEvent) => Promise<SQSBatchResponse>): void {
    this.handler = handler;
  }

  async retryLater(message: CallbackMessage, delaySeconds: number): Promise<void> {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = this.consume(message);
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
    }, delaySeconds * 1000);
    this.timers.add(timer);
  }

  async deadLetter(message: CallbackMessage, reason: string): Promise<void> {
    this.deadLetters.push({ message, reason, at: new Date().toISOString() });
  }

  /** Number of callbacks waiting for a retry or being retried. */
  get pending(): number {
    return this.timers.size + this.inFlight.size;
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async consume(message: CallbackMessage): Promise<void> {
    if (!this.handler) return;
    const messageId = randomUUID();
    const response = await this.handler({
      Records: [
        {
          messageId,
          receiptHandle: messageId,
          body: JSON.stringify(message),
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(Date.now()),
            SenderId: 'local',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:local-callback-retries',
          awsRegion: 'us-east-1',
        },
      ],
    });
    // SQS would make a failed message visible again; a second later here.
    if (response.batchItemFailures.length > 0) await this.retryLater(message, 1);
  }
}
