/**
 * `npm run bench`: measures the webhook path against its DynamoDB floor,
 * the cold start proxy of each function against a DynamoDB-only baseline,
 * and POST /payments against the sandbox round trip. Prints the tables,
 * and writes them with the raw numbers to bench/out. Every service it
 * loads runs on 127.0.0.1 and is started and stopped by this run.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { type DynamoDbLocal, startDynamoDbLocal } from '../local/dynamodb-local';
import { measureBundles } from './bundles';
import { measurePaymentsCreate } from './payments-create';
import { type BenchResults, type MachineInfo, renderReport } from './report';
import { readSettings } from './settings';
import { REPOSITORY_ROOT, StageProcess } from './stage-client';
import { CURRENT_TREE, preparePatchedTree, type SourceTree } from './variants';
import { measureWebhookIngestion, newTarget, type Target } from './webhook-ingestion';

const OUT_DIR = join(REPOSITORY_ROOT, 'bench', 'out');
const MERCHANT_ID = 'bench-shop';
/** The whole run gives up after this, so a hang never outlives it by much. */
const RUN_LIMIT_SECONDS = 1_200;

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function machineInfo(): MachineInfo {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) model = match[1].trim();
  } catch {
    // Not Linux: os.cpus() already named the model.
  }
  return {
    cpus: cpus().length,
    model,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.versions.node,
    platform: `${process.platform} ${process.arch}`,
  };
}

async function main(): Promise<void> {
  const settings = readSettings();
  const startedAt = new Date();
  const watchdog = setTimeout(() => {
    log(`the run took longer than ${RUN_LIMIT_SECONDS} s and stops now`);
    process.exit(1);
  }, RUN_LIMIT_SECONDS * 1000);
  watchdog.unref();

  const bundleVariants = settings.sections.has('bundles') ? settings.bundleVariants : [];
  const webhookVariants = settings.sections.has('webhook') ? settings.webhookVariants : [];
  const trees = new Map<string, SourceTree>([['current', CURRENT_TREE]]);
  const skippedVariants: BenchResults['skippedVariants'] = [];
  const skip = (name: string, reason: string) => {
    log(`skipping patch ${name}: ${reason}`);
    skippedVariants.push({ name, reason });
  };
  for (const name of new Set([...webhookVariants, ...bundleVariants])) {
    try {
      trees.set(name, preparePatchedTree(name));
    } catch (error) {
      skip(name, error instanceof Error ? error.message : String(error));
    }
  }
  const treesFor = (names: string[]) =>
    ['current', ...names].flatMap((name) => trees.get(name) ?? []);

  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    command: 'npm run bench',
    machine: machineInfo(),
    settings: { ...settings, sections: [...settings.sections] },
    skippedVariants,
  };
  let dynamodb: DynamoDbLocal | undefined;
  const stages: StageProcess[] = [];
  try {
    // Bundles first, while no stage competes for the CPU.
    if (settings.sections.has('bundles')) {
      results.bundles = await measureBundles(treesFor(bundleVariants), settings, log, skip);
    }
    if (settings.sections.has('webhook') || settings.sections.has('payments')) {
      dynamodb = await startDynamoDbLocal({ port: 0 });
      log(`DynamoDB Local at ${dynamodb.endpoint}`);
      const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
      const stageTrees = treesFor(webhookVariants);
      for (const tree of stageTrees) {
        const options = {
          dynamodbEndpoint: dynamodb.endpoint,
          merchantId: MERCHANT_ID,
          webhookSecret,
          startTimeoutMs: 120_000,
          maxLifetimeSeconds: RUN_LIMIT_SECONDS,
        };
        try {
          const stage = await StageProcess.start(tree.name, tree.root, options);
          stages.push(stage);
          log(`stage ${tree.name} at ${stage.info.url}`);
        } catch (error) {
          // A patched copy whose stage fails is reported and left out. The
          // current code's stage must start.
          if (tree.name === 'current') throw error;
          skip(tree.name, error instanceof Error ? error.message : String(error));
        }
      }
      if (settings.sections.has('webhook')) {
        // The floors write to the table of the current code's stage.
        const targets: Target[] = [
          newTarget('floor', 'floor', stages[0], MERCHANT_ID, webhookSecret),
          newTarget('floor+reads', 'floor-reads', stages[0], MERCHANT_ID, webhookSecret),
          ...stages.map((stage) =>
            newTarget(
              stage.name === 'current' ? 'service' : `service+${stage.name}`,
              'service',
              stage,
              MERCHANT_ID,
              webhookSecret,
            ),
          ),
        ];
        results.webhook = await measureWebhookIngestion(targets, settings, dynamodb.pid, log);
      }
      if (settings.sections.has('payments')) {
        results.payments = await measurePaymentsCreate(stages[0], MERCHANT_ID, settings, log);
      }
    }
  } finally {
    for (const stage of stages) await stage.stop();
    await dynamodb?.stop();
    for (const tree of trees.values()) tree.remove();
    clearTimeout(watchdog);
  }

  results.finishedAt = new Date().toISOString();
  const report = renderReport(results);
  process.stdout.write(`\n${report}`);
  mkdirSync(OUT_DIR, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  writeFileSync(join(OUT_DIR, `results-${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(OUT_DIR, 'latest.md'), report);
  writeFileSync(join(OUT_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote bench/out/results-${stamp}.json and bench/out/latest.md`);
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
