import type { BundleResult } from './bundles';
import type { PaymentsLevel, PaymentsPath } from './payments-create';
import type { BenchSettings } from './settings';
import { round2 } from './stats';
import type { LevelResult, WebhookIngestionResult } from './webhook-ingestion';

export interface MachineInfo {
  cpus: number;
  model: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** Everything one `npm run bench` measured, as written to bench/out in JSON. */
export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: MachineInfo;
  settings: Omit<BenchSettings, 'sections'> & { sections: string[] };
  /** Patches that were asked for but could not be measured, with the reason. */
  skippedVariants: { name: string; reason: string }[];
  bundles?: BundleResult[];
  webhook?: WebhookIngestionResult;
  payments?: PaymentsLevel[];
}

/** Goals of the benchmark, as ratios to the floor or the baseline. */
export const GOALS = {
  webhookP50: 1.5,
  webhookP99: 2,
  webhookImport: 1.5,
};

function table(header: string[], rows: (string | number)[][]): string {
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
  return lines.join('\n');
}

const ms = (value: number) => value.toFixed(2);
const ratio = (value: number) => `${value.toFixed(2)}×`;

function verdict(value: number, goal: number): string {
  return `${ratio(value)} ${value <= goal ? 'met' : 'missed'}`;
}

/** Returns the webhook run of one source tree at one level, if it was measured. */
function levelOf(
  webhook: WebhookIngestionResult | undefined,
  tree: string,
  concurrency: number,
): LevelResult | undefined {
  const target =
    tree === 'current' ? 'service' : tree.startsWith('floor') ? tree : `service+${tree}`;
  return webhook?.levels.find(
    (level) => level.target === target && level.concurrency === concurrency,
  );
}

/** Returns the webhook bundle of one source tree, if it was measured. */
function webhookBundleOf(
  bundles: BundleResult[] | undefined,
  tree: string,
): BundleResult | undefined {
  const name = tree === 'current' ? 'webhook' : `webhook+${tree}`;
  return bundles?.find((bundle) => bundle.name === name);
}

function isMeasured(results: BenchResults, tree: string): boolean {
  const inWebhook = results.settings.concurrency.some((concurrency) =>
    levelOf(results.webhook, tree, concurrency),
  );
  return inWebhook || webhookBundleOf(results.bundles, tree) !== undefined;
}

/**
 * Renders the ratio table: every ratio against its goal, with one column
 * for the current code and one for each patched copy that was measured.
 */
export function ratioTable(results: BenchResults): string {
  const { webhook, bundles } = results;
  const trees = [
    'current',
    ...new Set([...results.settings.webhookVariants, ...results.settings.bundleVariants]),
  ].filter((tree) => tree === 'current' || isMeasured(results, tree));
  const header = [
    'ratio',
    'goal',
    ...trees.map((tree) => (tree === 'current' ? 'current code' : `patched: ${tree}`)),
  ];
  const rows: string[][] = [];
  const notMeasured = 'not measured';

  if (webhook) {
    for (const concurrency of results.settings.concurrency) {
      const floor = levelOf(webhook, 'floor', concurrency);
      if (!floor) continue;
      // Each cell also gives the range of the ratios of single rounds, as a
      // measure of the noise between rounds.
      const cells = (
        pooled: (level: LevelResult) => number,
        perRound: (level: LevelResult) => number[],
        goal: number,
      ) =>
        trees.map((tree) => {
          const level = levelOf(webhook, tree, concurrency);
          if (!level) return notMeasured;
          const floorRounds = perRound(floor);
          const ratios = perRound(level).map((value, round) => value / floorRounds[round]);
          const range = `rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
          return `${verdict(pooled(level) / pooled(floor), goal)} (${range})`;
        });
      rows.push([
        `webhook p50 / floor p50, c=${concurrency}`,
        `≤ ${GOALS.webhookP50}×`,
        ...cells(
          (level) => level.latency.p50,
          (level) => level.roundP50,
          GOALS.webhookP50,
        ),
      ]);
      rows.push([
        `webhook p99 / floor p99, c=${concurrency}`,
        `≤ ${GOALS.webhookP99}×`,
        ...cells(
          (level) => level.latency.p99,
          (level) => level.roundP99,
          GOALS.webhookP99,
        ),
      ]);
    }
    for (const concurrency of results.settings.concurrency) {
      const reads = levelOf(webhook, 'floor+reads', concurrency);
      if (!reads) continue;
      rows.push([
        `webhook p50 / (reads + transaction) p50, c=${concurrency}`,
        'none',
        ...trees.map((tree) => {
          const level = levelOf(webhook, tree, concurrency);
          return level ? ratio(level.latency.p50 / reads.latency.p50) : notMeasured;
        }),
      ]);
    }
    rows.push([
      'webhook errors, lost, doubled (all levels)',
      '0, 0, 0',
      ...trees.map((tree) => {
        const levels = results.settings.concurrency.flatMap(
          (concurrency) => levelOf(webhook, tree, concurrency) ?? [],
        );
        if (levels.length === 0) return notMeasured;
        const errors = levels.reduce(
          (sum, level) => sum + level.errors + level.notSent + level.wrong,
          0,
        );
        const lost = levels.reduce((sum, level) => sum + level.lost, 0);
        const doubled = levels.reduce((sum, level) => sum + level.doubled, 0);
        const met = errors === 0 && lost === 0 && doubled === 0;
        return `${errors}, ${lost}, ${doubled} ${met ? 'met' : 'missed'}`;
      }),
    ]);
  }
  const baseline = bundles?.find((bundle) => bundle.kind === 'baseline');
  if (bundles && baseline) {
    const cells = (pick: (bundle: BundleResult) => number | null, goal?: number) =>
      trees.map((tree) => {
        const bundle = webhookBundleOf(bundles, tree);
        const value = bundle ? pick(bundle) : null;
        const base = pick(baseline);
        if (value === null || base === null) return notMeasured;
        return goal === undefined ? ratio(value / base) : verdict(value / base, goal);
      });
    rows.push([
      'webhook import / baseline import',
      `≤ ${GOALS.webhookImport}×`,
      ...cells((bundle) => bundle.importMs, GOALS.webhookImport),
    ]);
    rows.push([
      'the same in CPU time',
      `≤ ${GOALS.webhookImport}×`,
      ...cells((bundle) => bundle.importCpuMs, GOALS.webhookImport),
    ]);
    rows.push([
      'the same with --enable-source-maps, as on Lambda',
      `≤ ${GOALS.webhookImport}×`,
      ...cells((bundle) => bundle.importMsWithSourceMaps, GOALS.webhookImport),
    ]);
    rows.push([
      'the same in CPU time',
      `≤ ${GOALS.webhookImport}×`,
      ...cells((bundle) => bundle.importCpuMsWithSourceMaps, GOALS.webhookImport),
    ]);
    rows.push([
      'webhook import CPU, source maps on / off',
      'none',
      ...trees.map((tree) => {
        const bundle = webhookBundleOf(bundles, tree);
        const withMaps = bundle?.importCpuMsWithSourceMaps;
        return bundle && withMaps ? ratio(withMaps / bundle.importCpuMs) : notMeasured;
      }),
    ]);
    rows.push(['webhook size / baseline size', 'none', ...cells((bundle) => bundle.kilobytes)]);
  }
  for (const level of results.payments ?? []) {
    const { sandbox, service } = level.paths;
    rows.push([
      `POST /payments p50 / sandbox round trip p50, c=${level.concurrency}`,
      'none',
      ...trees.map((tree) => (tree === 'current' ? ratio(service.p50 / sandbox.p50) : notMeasured)),
    ]);
    rows.push([
      `POST /payments p50 / (sandbox + its DynamoDB requests) p50, c=${level.concurrency}`,
      'none',
      ...trees.map((tree) =>
        tree === 'current' ? ratio(service.p50 / level.paths['sandbox+dynamodb'].p50) : notMeasured,
      ),
    ]);
  }
  return table(header, rows);
}

export function webhookTable(webhook: WebhookIngestionResult): string {
  const rows = webhook.levels.map((level) => {
    const floor = webhook.levels.find(
      (candidate) => candidate.target === 'floor' && candidate.concurrency === level.concurrency,
    );
    const isFloor = level.target.startsWith('floor');
    const cpu = (value: number | null) => (value === null ? '?' : value.toFixed(2));
    return [
      level.target,
      level.concurrency,
      level.throughput.toFixed(0),
      ms(level.latency.p50),
      ms(level.latency.p99),
      isFloor || !floor ? '' : ratio(level.latency.p50 / floor.latency.p50),
      isFloor || !floor ? '' : ratio(level.latency.p99 / floor.latency.p99),
      level.roundP50.map(ms).join(', '),
      `${cpu(level.cpu.loader)} / ${cpu(level.cpu.stage)} / ${cpu(level.cpu.dynamodbLocal)}`,
      level.sent,
      level.errors + level.notSent + level.wrong,
      level.lost,
      level.doubled,
      level.errorLogLines,
    ];
  });
  return table(
    [
      'target',
      'c',
      'events/s',
      'p50 ms',
      'p99 ms',
      'p50 ratio',
      'p99 ratio',
      'p50 per round',
      'CPU ms per event: loader / stage / DynamoDB Local',
      'sent',
      'errors',
      'lost',
      'doubled',
      'error log lines',
    ],
    rows,
  );
}

export function bundleTable(bundles: BundleResult[]): string {
  const baseline = bundles.find((bundle) => bundle.kind === 'baseline');
  // Single packages are not compared with the baseline.
  const ratioTo = (value: number | null, base: number | null | undefined, comparable: boolean) =>
    comparable && value !== null && base ? ratio(value / base) : '';
  const rows = bundles.map((bundle) => {
    const comparable = bundle.kind !== 'package';
    return [
      bundle.name,
      bundle.kilobytes.toFixed(0),
      bundle.gzipKilobytes.toFixed(0),
      bundle.mapKilobytes.toFixed(0),
      ms(bundle.importMs),
      ratioTo(bundle.importMs, baseline?.importMs, comparable),
      ms(bundle.importCpuMs),
      ratioTo(bundle.importCpuMs, baseline?.importCpuMs, comparable),
      bundle.importMsWithSourceMaps === null ? '' : ms(bundle.importMsWithSourceMaps),
      ratioTo(bundle.importMsWithSourceMaps, baseline?.importMsWithSourceMaps, comparable),
      bundle.importCpuMsWithSourceMaps === null ? '' : ms(bundle.importCpuMsWithSourceMaps),
      ratioTo(bundle.importCpuMsWithSourceMaps, baseline?.importCpuMsWithSourceMaps, comparable),
    ];
  });
  return table(
    [
      'bundle',
      'KB',
      'gzip KB',
      'map KB',
      'import ms',
      'ratio',
      'import CPU ms',
      'ratio',
      'import ms, source maps on',
      'ratio',
      'import CPU ms, source maps on',
      'ratio',
    ],
    rows,
  );
}

export function packageTable(bundle: BundleResult): string {
  return table(
    ['package', 'KB in the minified bundle', 'share'],
    bundle.packages.map((share) => [
      share.name,
      share.kilobytes.toFixed(0),
      `${round2((share.kilobytes / bundle.kilobytes) * 100).toFixed(0)} %`,
    ]),
  );
}

export function paymentsTable(levels: PaymentsLevel[]): string {
  const rows = levels.flatMap((level) =>
    (Object.keys(level.paths) as PaymentsPath[]).map((path) => {
      const summary = level.paths[path];
      return [
        path,
        level.concurrency,
        summary.throughput.toFixed(0),
        ms(summary.p50),
        ms(summary.p99),
        path === 'sandbox' ? '' : ratio(summary.p50 / level.paths.sandbox.p50),
        path === 'sandbox' ? '' : ratio(summary.p99 / level.paths.sandbox.p99),
        summary.count + summary.errors,
        summary.errors,
      ];
    }),
  );
  return table(
    [
      'path',
      'c',
      'requests/s',
      'p50 ms',
      'p99 ms',
      'p50 / sandbox p50',
      'p99 / sandbox p99',
      'sent',
      'errors',
    ],
    rows,
  );
}

/** Renders the whole report as Markdown, in the order RESULTS.md uses. */
export function renderReport(results: BenchResults): string {
  const sections = [
    `Run of ${results.startedAt} to ${results.finishedAt}: \`${results.command}\` on ${results.machine.cpus} × ${results.machine.model}, ${results.machine.memoryGiB} GiB, Node.js ${results.machine.node}.`,
    '### Ratios against the goals',
    ratioTable(results),
  ];
  for (const skipped of results.skippedVariants) {
    sections.push(`Patch ${skipped.name} was left out of a measurement: ${skipped.reason}`);
  }
  if (results.webhook) sections.push('### Webhook ingestion', webhookTable(results.webhook));
  if (results.bundles) {
    sections.push('### Bundles and import time', bundleTable(results.bundles));
    const webhook = results.bundles.find((bundle) => bundle.name === 'webhook');
    if (webhook) sections.push('### What the webhook bundle contains', packageTable(webhook));
  }
  if (results.payments)
    sections.push(
      '### POST /payments against the sandbox round trip',
      paymentsTable(results.payments),
    );
  return `${sections.join('\n\n')}\n`;
}
