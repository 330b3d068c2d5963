import type { CallbackQueue } from '../adapters/callback-queue';
import type { CallbackSender } from '../adapters/callback-sender';
import { type CallbackMessage, signCallback } from '../core/callback';
import { type CallbackPolicy, validateCallbackUrl } from '../core/callback-url';
import { AppError } from '../core/errors';
import { logger } from '../shared/logger';

export interface NotifyServices {
  sender: CallbackSender;
  queue: CallbackQueue;
  /** Returns the stage's callback signing secret. */
  signingSecret: () => Promise<string>;
  policy: CallbackPolicy;
  /** Delay before each retry; after the last one the callback is dead. */
  retryDelaysSeconds: number[];
  now: () => Date;
}

export type DeliveryOutcome = 'sent' | 'retry_scheduled' | 'dead_lettered';

/**
 * Makes one attempt to deliver a callback. A failed attempt is scheduled
 * again after the next delay, or dead-lettered with an error log after the
 * last. Throws only when the queue itself fails, so that the caller's
 * source (stream or queue) keeps the callback and tries again.
 */
export async function deliverCallback(
  services: NotifyServices,
  message: CallbackMessage,
): Promise<DeliveryOutcome> {
  const attempt = message.attempts + 1;
  const ids = {
    merchantId: message.payload.merchantId,
    paymentId: message.payload.paymentId,
    idempotencyKey: message.idempotencyKey,
    attempt,
  };
  try {
    validateCallbackUrl(message.url, services.policy);
  } catch (error) {
    const reason = error instanceof AppError ? error.message : 'invalid callback URL';
    await services.queue.deadLetter({ ...message, attempts: attempt }, reason);
    logger.error('callback dead-lettered: URL no longer allowed', { ...ids, reason });
    return 'dead_lettered';
  }

  const body = JSON.stringify(message.payload);
  const timestamp = Math.floor(services.now().getTime() / 1000);
  const result = await services.sender.send({
    url: message.url,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'chat-payments-callbacks/1.0',
      'chat-payments-signature': signCallback(body, await services.signingSecret(), timestamp),
      'idempotency-key': message.idempotencyKey,
      'chat-payments-attempt': String(attempt),
    },
  });
  if (result.ok) {
    logger.info('callback delivered', { ...ids, status: result.status });
    return 'sent';
  }

  const delay = services.retryDelaysSeconds[attempt - 1];
  if (delay !== undefined) {
    await services.queue.retryLater({ ...message, attempts: attempt }, delay);
    logger.warn('callback failed, retry scheduled', {
      ...ids,
      status: result.status,
      error: result.error,
      retryInSeconds: delay,
    });
    return 'retry_scheduled';
  }
  const reason = `no 2xx answer after ${attempt} attempts; last: ${result.error ?? 'unknown error'}`;
  await services.queue.deadLetter({ ...message, attempts: attempt }, reason);
  logger.error('callback dead-lettered after its last retry', { ...ids, reason });
  return 'dead_lettered';
}
