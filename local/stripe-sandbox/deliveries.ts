/**
 * Webhook deliveries: after each action, its events are POSTed to every subscribed
 * endpoint, signed as Stripe signs them. Deliveries to one endpoint run one at a time
 * in order, and different endpoints run in parallel. Only loopback hosts are contacted.
 * NOTE: unlike Stripe, the sandbox never retries a failed delivery by itself. The
 * resend control route delivers an event again.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { EventRecord, renderEvent } from './events';
import { LoopbackTarget, loopbackTarget } from './loopback';
import { Action, newId, randomAlphanumeric, Sandbox } from './state';

export type DeliveryMode = 'normal' | 'duplicate' | 'reverse' | 'drop';
export const DELIVERY_MODES: readonly DeliveryMode[] = ['normal', 'duplicate', 'reverse', 'drop'];

/** One delivery attempt of one event to one endpoint. */
export interface DeliveryRecord {
  id: string;
  eventId: string;
  eventType: string;
  endpointId: string;
  accountId: string;
  url: string;
  /** 1 for the first attempt of this event at this endpoint, 2 for the next, and so on. */
  attempt: number;
  /** HTTP status of the endpoint's response, or null when no response arrived. */
  status: number | null;
  responseBody: string | null;
  error?: string;
  /** Set when the `drop` delivery mode recorded the attempt without sending it. */
  dropped?: boolean;
  /** Wall-clock time of the attempt, ISO 8601. */
  at: string;
}

interface Job {
  event: EventRecord;
  endpointId: string;
}

/** Time limit of one delivery attempt. */
const ATTEMPT_TIMEOUT_MS = 10_000;
/** Maximum number of response body bytes kept in a delivery record. */
const MAX_RESPONSE_BODY_BYTES = 64 * 1024;
export const WEBHOOK_USER_AGENT = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';

function hmacHex(secret: string, timestamp: number, payload: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
}

export class DeliveryQueue {
  /** Last scheduled delivery per endpoint: the next one for that endpoint waits for it. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<void>>();
  private readonly requests = new Set<http.ClientRequest>();
  /** Incremented by reset, so deliveries scheduled before it record nothing. */
  private generation = 0;
  /** Secret of the meaningless `v0` signature that Stripe adds in test mode. */
  private readonly v0Secret = `whsec_${randomAlphanumeric(32)}`;

  /** Schedules the deliveries of an action's events according to the delivery mode. */
  enqueueAction(sandbox: Sandbox, action: Action): void {
    const mode = sandbox.state.deliveryMode;
    const events = mode === 'reverse' ? [...action.events].reverse() : action.events;
    for (const event of events) {
      for (const endpointId of event.endpointIds) {
        this.schedule(sandbox, { event, endpointId });
      }
    }
  }

  /** Delivers an event again to the given endpoint, or to every endpoint now subscribed to it. */
  resend(sandbox: Sandbox, event: EventRecord, endpointIds: string[]): void {
    for (const endpointId of endpointIds) {
      event.pendingEndpointIds.add(endpointId);
      this.schedule(sandbox, { event, endpointId });
    }
  }

  /** Resolves once every scheduled delivery has finished, including ones scheduled meanwhile. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) {
      await Promise.all([...this.pending]);
    }
  }

  /** Forgets scheduled deliveries and aborts running ones, so none of them is recorded. */
  reset(): void {
    this.generation += 1;
    this.tails.clear();
    for (const request of this.requests) {
      request.destroy(new Error('the sandbox was reset'));
    }
  }

  private schedule(sandbox: Sandbox, job: Job): void {
    const mode = sandbox.state.deliveryMode;
    if (mode === 'drop') {
      const endpoint = sandbox.state.webhookEndpoints.get(job.endpointId);
      if (endpoint !== undefined) {
        sandbox.state.deliveries.push({
          ...this.newRecord(sandbox, job, endpoint.endpoint.url),
          dropped: true,
        });
        sandbox.log(
          `delivery of ${job.event.event.id} to ${job.endpointId} dropped (delivery mode drop)`,
        );
      }
      return;
    }
    const copies = mode === 'duplicate' ? 2 : 1;
    for (let copy = 0; copy < copies; copy += 1) {
      const generation = this.generation;
      const previous = this.tails.get(job.endpointId) ?? Promise.resolve();
      const next = previous.then(() => this.deliver(sandbox, job, generation));
      this.tails.set(job.endpointId, next);
      this.pending.add(next);
      void next.finally(() => {
        this.pending.delete(next);
        if (this.tails.get(job.endpointId) === next) {
          this.tails.delete(job.endpointId);
        }
      });
    }
  }

  private newRecord(sandbox: Sandbox, job: Job, url: string): DeliveryRecord {
    const earlier = sandbox.state.deliveries.filter(
      (record) => record.eventId === job.event.event.id && record.endpointId === job.endpointId,
    );
    return {
      id: newId('whdel_', 20),
      eventId: job.event.event.id,
      eventType: job.event.event.type,
      endpointId: job.endpointId,
      accountId: job.event.accountId,
      url,
      attempt: earlier.length + 1,
      status: null,
      responseBody: null,
      at: new Date().toISOString(),
    };
  }

  private async deliver(sandbox: Sandbox, job: Job, generation: number): Promise<void> {
    // Wait one turn of the event loop, so the API response that caused the event goes out first.
    await new Promise((resolve) => setImmediate(resolve));
    const endpoint = sandbox.state.webhookEndpoints.get(job.endpointId)?.endpoint;
    const secret = sandbox.state.webhookEndpoints.get(job.endpointId)?.secret;
    if (generation !== this.generation || endpoint === undefined || secret === undefined) {
      return;
    }
    if (endpoint.status === 'disabled') {
      sandbox.log(
        `delivery of ${job.event.event.id} to ${endpoint.id} skipped: the endpoint is disabled`,
      );
      return;
    }

    const record = this.newRecord(sandbox, job, endpoint.url);
    const target = loopbackTarget(endpoint.url);
    if ('error' in target) {
      record.error = target.error;
    } else {
      const payload = JSON.stringify(renderEvent(job.event), null, 2);
      // The wall clock, not the sandbox clock, signs: the receiver checks the age against its own clock.
      const timestamp = Math.floor(Date.now() / 1000);
      let signature = `t=${timestamp},v1=${hmacHex(secret, timestamp, payload)}`;
      if (!job.event.livemode) {
        signature += `,v0=${hmacHex(this.v0Secret, timestamp, payload)}`;
      }
      try {
        const response = await this.post(target, payload, signature);
        record.status = response.status;
        record.responseBody = response.body;
      } catch (error) {
        record.error = `Delivery failed: ${(error as Error).message}`;
      }
    }

    if (generation !== this.generation) {
      return;
    }
    if (record.status !== null && record.status >= 200 && record.status < 300) {
      job.event.pendingEndpointIds.delete(job.endpointId);
    }
    sandbox.state.deliveries.push(record);
    const outcome = record.status !== null ? `HTTP ${record.status}` : record.error;
    sandbox.log(
      `delivery ${record.attempt} of ${record.eventId} (${record.eventType}) to ${record.endpointId} ${record.url}: ${outcome}`,
    );
  }

  private post(
    target: LoopbackTarget,
    payload: string,
    signature: string,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const client = target.protocol === 'https:' ? https : http;
      const request = client.request({
        host: target.address,
        port: target.port,
        path: target.path,
        method: 'POST',
        agent: false,
        headers: {
          Host: target.hostHeader,
          Accept: '*/*; q=0.5, application/xml',
          'Cache-Control': 'no-cache',
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': Buffer.byteLength(payload),
          'User-Agent': WEBHOOK_USER_AGENT,
          'Stripe-Signature': signature,
        },
      });
      this.requests.add(request);
      const timer = setTimeout(() => {
        request.destroy(
          new Error(`timed out after ${ATTEMPT_TIMEOUT_MS / 1000} s without a complete response`),
        );
      }, ATTEMPT_TIMEOUT_MS);
      const finish = (): void => {
        clearTimeout(timer);
        this.requests.delete(request);
      };
      request.on('error', (error) => {
        finish();
        reject(error);
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BODY_BYTES) {
            chunks.push(chunk.subarray(0, MAX_RESPONSE_BODY_BYTES - size));
          }
          size += chunk.length;
        });
        response.on('end', () => {
          finish();
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        response.on('error', (error) => {
          finish();
          reject(error);
        });
      });
      request.end(payload);
    });
  }
}
