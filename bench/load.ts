import { Agent, request } from 'node:http';

/** Outcome of one closed-loop load run. */
export interface LoadResult {
  /** Latency of every operation that succeeded, in ms, in completion order. */
  latenciesMs: number[];
  /** Operations that threw, timed out or got an unexpected response. */
  errors: number;
  /** The first few error messages, for the report. */
  errorSamples: string[];
  /** Operations never started because the run hit its deadline. */
  notSent: number;
  /** Wall time from the first start to the last completion, in ms. */
  elapsedMs: number;
}

export interface LoadOptions {
  /** Operations in the run. Each index runs at most once, and all run unless the deadline comes first. */
  count: number;
  /** Operations in flight at any time (closed loop: one starts when one ends). */
  concurrency: number;
  /** No operation starts after this many ms from the start of the run. */
  timeoutMs: number;
  operation: (index: number) => Promise<void>;
}

const MAX_ERROR_SAMPLES = 5;

/**
 * Runs `count` operations with `concurrency` workers that each take the
 * next index as soon as their previous operation ends. Stops by itself
 * after the last index or the deadline, whichever comes first.
 */
export async function runClosedLoop(options: LoadOptions): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const deadline = start + options.timeoutMs;

  const worker = async () => {
    while (next < options.count && performance.now() < deadline) {
      const index = next++;
      const begin = performance.now();
      try {
        await options.operation(index);
        latenciesMs.push(performance.now() - begin);
      } catch (error) {
        errors++;
        if (errorSamples.length < MAX_ERROR_SAMPLES) {
          errorSamples.push(error instanceof Error ? error.message : String(error));
        }
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, options.count));
  await Promise.all(Array.from({ length: workers }, worker));
  return {
    latenciesMs,
    errors,
    errorSamples,
    notSent: options.count - next,
    elapsedMs: performance.now() - start,
  };
}

export interface HttpReply {
  status: number;
  body: string;
}

/**
 * A keep-alive HTTP/1.1 client for one loopback origin, with one socket per
 * concurrent request, as a fleet of Stripe's webhook senders would hold.
 */
export class LoopbackClient {
  private readonly agent: Agent;
  private readonly origin: URL;

  constructor(
    baseUrl: string,
    maxSockets: number,
    private readonly timeoutMs: number,
  ) {
    this.origin = new URL(baseUrl);
    if (this.origin.hostname !== '127.0.0.1') {
      throw new Error(`the benchmark only sends to 127.0.0.1, not ${this.origin.hostname}`);
    }
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /** Sends a request and resolves with the status and body, or rejects on a network error or timeout. */
  send(
    method: string,
    path: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          agent: this.agent,
          host: this.origin.hostname,
          port: this.origin.port,
          method,
          path,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          timeout: this.timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('timeout', () =>
        outgoing.destroy(new Error(`no response within ${this.timeoutMs} ms`)),
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
