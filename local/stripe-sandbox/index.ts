/**
 * Stripe sandbox: an in-memory HTTP server on 127.0.0.1 that the official `stripe`
 * package talks to unchanged through `new Stripe(key, { host: '127.0.0.1', port,
 * protocol: 'http' })`. Control routes under `/_sandbox` create accounts and keys, pay
 * Checkout Sessions with test cards, move the clock and inject delivery and API faults.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sweepExpiredSessions } from './checkout';
import { DeliveryQueue } from './deliveries';
import { createRequestListener, ResponseDelays } from './server';
import { createState, Sandbox } from './state';

export interface StripeSandbox {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface StripeSandboxOptions {
  /** Port on 127.0.0.1, or 0 for a free port. Default 12111. */
  port?: number;
  /** Receives one line per request, delivery and state change. Default: standard error. */
  log?: (line: string) => void;
}

/** Interval of the background check that expires sessions as real time passes. */
const EXPIRY_SWEEP_INTERVAL_MS = 5_000;

export async function startStripeSandbox(
  options: StripeSandboxOptions = {},
): Promise<StripeSandbox> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[stripe-sandbox] ${line}\n`));
  const sandbox: Sandbox = {
    state: createState(),
    baseUrl: '',
    log,
    deliveries: new DeliveryQueue(),
  };
  const delays = new ResponseDelays();
  const server = http.createServer(createRequestListener(sandbox, delays));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 12111, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  sandbox.baseUrl = `http://127.0.0.1:${port}`;
  const sweepTimer = setInterval(() => sweepExpiredSessions(sandbox), EXPIRY_SWEEP_INTERVAL_MS);
  sweepTimer.unref();
  log(`listening on ${sandbox.baseUrl}`);
  return {
    url: sandbox.baseUrl,
    port,
    close: async () => {
      clearInterval(sweepTimer);
      delays.cancelAll();
      sandbox.deliveries.reset();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
      log('stopped');
    },
  };
}
