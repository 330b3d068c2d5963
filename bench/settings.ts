/** Sizes and switches of one benchmark run, read from the environment. */
export interface BenchSettings {
  /** Parts to run: any of `webhook`, `bundles`, `payments`. */
  sections: Set<string>;
  /** Signed webhook events per path, concurrency level and round. */
  events: number;
  /** Concurrency levels of the webhook measurement. */
  concurrency: number[];
  /** Rounds per level. Each round runs every path once, in alternating order. */
  rounds: number;
  /** Events per path sent before the measured levels, not counted. */
  warmupEvents: number;
  /** Fresh Node processes per bundle whose import time is taken. */
  importRuns: number;
  /** POST /payments requests per concurrency level and path. */
  payments: number;
  /** Concurrency levels of the POST /payments measurement. */
  paymentsConcurrency: number[];
  /**
   * Patches from bench/patches whose webhook bundle is measured next to the
   * current code. A name `a+b` applies both patches.
   */
  bundleVariants: string[];
  /** Patches whose webhook path is load-tested next to the current code. */
  webhookVariants: string[];
  /** A load run stops sending after this many seconds, whatever is left. */
  runTimeoutSeconds: number;
}

const DEFAULT_BUNDLE_VARIANTS = ['stripe-sdk-on-demand'];
const DEFAULT_WEBHOOK_VARIANTS: string[] = [];

const SECTIONS = ['webhook', 'bundles', 'payments'];

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a whole number of 1 or more, got "${text}"`);
  }
  return value;
}

function integerList(env: NodeJS.ProcessEnv, name: string, fallback: number[]): number[] {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new Error(
      `${name} must be a comma-separated list of whole numbers of 1 or more, got "${text}"`,
    );
  }
  return values;
}

function nameList(env: NodeJS.ProcessEnv, name: string, fallback: string[]): string[] {
  const text = env[name];
  if (text === undefined) return fallback;
  if (text.trim() === '' || text.trim() === 'none') return [];
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** Reads the settings, and throws naming the variable when one is invalid. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const sections = nameList(env, 'BENCH_SECTIONS', SECTIONS);
  const unknown = sections.filter((section) => !SECTIONS.includes(section));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_SECTIONS has unknown parts ${unknown.join(', ')}; use ${SECTIONS.join(', ')}`,
    );
  }
  return {
    sections: new Set(sections),
    events: positiveInteger(env, 'BENCH_EVENTS', 200),
    concurrency: integerList(env, 'BENCH_CONCURRENCY', [1, 8, 32]),
    rounds: positiveInteger(env, 'BENCH_ROUNDS', 4),
    warmupEvents: positiveInteger(env, 'BENCH_WARMUP_EVENTS', 300),
    importRuns: positiveInteger(env, 'BENCH_IMPORT_RUNS', 20),
    payments: positiveInteger(env, 'BENCH_PAYMENTS', 200),
    paymentsConcurrency: integerList(env, 'BENCH_PAYMENTS_CONCURRENCY', [1, 8]),
    bundleVariants: nameList(env, 'BENCH_BUNDLE_VARIANTS', DEFAULT_BUNDLE_VARIANTS),
    webhookVariants: nameList(env, 'BENCH_WEBHOOK_VARIANTS', DEFAULT_WEBHOOK_VARIANTS),
    runTimeoutSeconds: positiveInteger(env, 'BENCH_RUN_TIMEOUT_SECONDS', 120),
  };
}
