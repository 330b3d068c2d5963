/**
 * Child process of the benchmark: runs one local stage from the source
 * tree named by argv[2] (this repository or a patched copy), installs one
 * merchant with a signing secret, and reports the stage's addresses to the
 * parent over IPC. It stops on the parent's `stop` message, when the parent
 * goes away, or after its maximum lifetime.
 */
import { join } from 'node:path';

import type { Config } from '../functions/shared/config';
import type { StageHarness } from '../test/helpers/local-stage';

export interface StartMessage {
  type: 'start';
  dynamodbEndpoint: string;
  merchantId: string;
  webhookSecret: string;
  maxLifetimeSeconds: number;
}

export type ParentMessage = StartMessage | { type: 'settle' } | { type: 'stop' };

export interface ReadyMessage {
  type: 'ready';
  url: string;
  stripeUrl: string;
  config: Config;
  apiKey: string;
}

export type ChildMessage = ReadyMessage | { type: 'settled' } | { type: 'failed'; message: string };

type HarnessModule = typeof import('../test/helpers/local-stage');

let harness: StageHarness | undefined;
let stopping = false;

function reply(message: ChildMessage): void {
  process.send?.(message);
}

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await harness?.stop().catch(() => undefined);
  process.exit(exitCode);
}

async function start(root: string, message: StartMessage): Promise<void> {
  const lifetime = setTimeout(() => {
    process.stderr.write(
      `stage process stopped after its maximum lifetime of ${message.maxLifetimeSeconds} s\n`,
    );
    void stop(1);
  }, message.maxLifetimeSeconds * 1000);
  lifetime.unref();

  const module = (await import(join(root, 'test/helpers/local-stage.ts'))) as HarnessModule;
  harness = await module.StageHarness.start({
    dynamodbEndpoint: message.dynamodbEndpoint,
    // A day, so that the reconcile timer never queries the table while the
    // benchmark measures.
    env: { RECONCILE_INTERVAL_SECONDS: '86400' },
  });
  const { account } = await harness.installMerchant(message.merchantId, {
    webhookSecret: message.webhookSecret,
  });
  reply({
    type: 'ready',
    url: harness.stage.url,
    stripeUrl: harness.stage.stripeUrl,
    config: harness.stage.config,
    apiKey: account.secretKey,
  });
}

function main(): void {
  const root = process.argv[2];
  if (!root || !process.send) {
    process.stderr.write(
      'usage: forked by bench/stage-client.ts with the source root as the only argument\n',
    );
    process.exit(2);
  }
  process.on('disconnect', () => void stop(0));
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'start') {
      start(root, message).catch((error: unknown) => {
        reply({
          type: 'failed',
          message: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
        void stop(1);
      });
    } else if (message.type === 'settle') {
      void harness?.stage
        .settleCallbacks()
        .then(() => reply({ type: 'settled' }))
        .catch((error: unknown) => reply({ type: 'failed', message: String(error) }));
    } else {
      void stop(0);
    }
  });
}

main();
