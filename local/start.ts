import { startLocalStage } from './stage';

/**
 * `npm start`: runs the local stage until Ctrl-C. Settings come from the
 * environment: PORT, STAGE, PUBLIC_URL, RECONCILE_AFTER_SECONDS and the
 * other variables the functions read.
 */
async function main(): Promise<void> {
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const passThrough: Record<string, string> = {};
  for (const name of [
    'RECONCILE_AFTER_SECONDS',
    'RECONCILE_INTERVAL_SECONDS',
    'CALLBACK_RETRY_DELAYS_SECONDS',
    'CALLBACK_ALLOWED_HOSTS',
    'SECRET_CACHE_TTL_SECONDS',
    'STRIPE_TIMEOUT_MS',
  ]) {
    const value = process.env[name];
    if (value !== undefined) passThrough[name] = value;
  }
  const stageName = process.env.STAGE === 'live' ? 'live' : 'test';
  const stage = await startLocalStage({
    port: Number(process.env.PORT ?? 3000),
    stage: stageName,
    publicUrl: process.env.PUBLIC_URL,
    env: passThrough,
    log: (line) => process.stdout.write(`[stripe-sandbox] ${line}\n`),
  });
  process.stdout.write(
    [
      `chat-payments local stage (${stageName} mode) is running:`,
      `  handlers (webhook + api)   ${stage.url}`,
      `  webhook URL for Stripe     ${stage.config.publicUrl}/link-webhook?provider=STRIPE`,
      `  Stripe sandbox             ${stage.stripeUrl}`,
      `  Secrets Manager emulator   ${stage.secretsManagerUrl}`,
      `  DynamoDB Local             ${stage.dynamodbEndpoint} (table ${stage.config.tableName})`,
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the local stage…\n`);
    stage
      .stop()
      .then(() => {
        process.stdout.write('stopped.\n');
        process.exit(0);
      })
      .catch((error: unknown) => {
        process.stderr.write(`failed to stop cleanly: ${String(error)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
