import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

import { build, type BuildOptions, type Metafile } from 'esbuild';

import type { BenchSettings } from './settings';
import { REPOSITORY_ROOT } from './stage-client';
import { median, round2 } from './stats';
import type { SourceTree } from './variants';

const run = promisify(execFile);

const OUT_DIR = join(REPOSITORY_ROOT, 'bench', 'out', 'bundles');
const PROBE = join(REPOSITORY_ROOT, 'bench', 'import-probe.cjs');
const FUNCTIONS = ['webhook', 'api', 'notify', 'reconcile'];

/**
 * Returns the esbuild options that lib/service-function.ts gets from CDK's
 * NodejsFunction (aws-cdk-lib 2.x): bundle, platform node, CommonJS (the
 * default format), minify, `--sourcemap` (a linked .map file, which Lambda
 * loads because NODE_OPTIONS has --enable-source-maps), no sources content,
 * and the AWS SDK bundled, so nothing is external.
 */
function cdkOptions(target: string): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target,
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'silent',
  };
}

/** Lambda runs nodejs24.x, but the import timing runs on this machine's Node.js, so those bundles target it. */
const DEPLOYED_TARGET = 'node24';
const LOCAL_TARGET = `node${process.versions.node.split('.')[0]}`;

/** One bundle to measure: a function of a source tree, the baseline or a single package. */
interface BundleEntry {
  name: string;
  kind: 'function' | 'baseline' | 'package';
  /** A file, or the contents of an entry module resolved from the repository. */
  entry: { file: string } | { contents: string };
  /** esbuild aliases, to bundle without a package. */
  alias?: Record<string, string>;
  /** The patch of the source tree, for a function of a patched copy. */
  variant?: string;
  /** Also timed with --enable-source-maps, as Lambda loads the function. */
  withSourceMaps: boolean;
}

/** Single-package entries that show which dependency costs what. */
const PACKAGE_ENTRIES: Record<string, string> = {
  stripe: "import Stripe from 'stripe'; export const handler = () => new Stripe('sk_test_x');",
  zod: "import { z } from 'zod'; export const schema = z.object({ a: z.string().url(), b: z.coerce.number().int().default(1) });",
  'zod/mini':
    "import * as z from 'zod/mini'; export const schema = z.object({ a: z.url(), b: z._default(z.coerce.number().check(z.int()), 1) });",
  '@aws-lambda-powertools/logger':
    "import { Logger } from '@aws-lambda-powertools/logger'; export const logger = new Logger({ serviceName: 'x' });",
  '@aws-sdk/client-secrets-manager':
    "import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager'; export const handler = () => new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: 'x' }));",
};

export interface PackageShare {
  name: string;
  kilobytes: number;
}

export interface BundleResult {
  name: string;
  kind: BundleEntry['kind'];
  /** Minified JavaScript as deployed (target node24), in KB. */
  kilobytes: number;
  /** The same file gzip-compressed, close to its share of the zip Lambda downloads, in KB. */
  gzipKilobytes: number;
  mapKilobytes: number;
  /** Median wall time of require() in a fresh Node.js process, in ms. */
  importMs: number;
  importMsRuns: number[];
  /**
   * Median CPU time of the same require(), in ms. Other processes on the
   * machine delay the wall time but barely change this.
   */
  importCpuMs: number;
  /** Median wall time with --enable-source-maps, as the functions run on Lambda, or null when not timed. */
  importMsWithSourceMaps: number | null;
  /** Median CPU time with --enable-source-maps, or null when not timed. */
  importCpuMsWithSourceMaps: number | null;
  /** Largest contributors to the deployed bundle, by npm package (or `project`). */
  packages: PackageShare[];
}

function packageShares(metafile: Metafile, outfile: string): PackageShare[] {
  const output = Object.entries(metafile.outputs).find(([path]) =>
    outfile.endsWith(path.replace(/^(\.\.\/)+/, '')),
  );
  const inputs = output?.[1].inputs ?? {};
  const bytes = new Map<string, number>();
  for (const [path, input] of Object.entries(inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const name = match ? match[1] : 'project';
    bytes.set(name, (bytes.get(name) ?? 0) + input.bytesInOutput);
  }
  return [...bytes.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, size]) => ({ name, kilobytes: round2(size / 1024) }));
}

async function bundle(entry: BundleEntry, target: string, dir: string) {
  const outfile = join(dir, 'index.js');
  mkdirSync(dir, { recursive: true });
  const source =
    'file' in entry.entry
      ? { entryPoints: [entry.entry.file] }
      : {
          stdin: {
            contents: entry.entry.contents,
            resolveDir: REPOSITORY_ROOT,
            loader: 'ts' as const,
          },
        };
  const result = await build({ ...cdkOptions(target), ...source, outfile, alias: entry.alias });
  return { outfile, metafile: result.metafile as Metafile };
}

interface ImportTime {
  wallMs: number;
  cpuMs: number;
}

async function timeImport(outfile: string, withSourceMaps: boolean): Promise<ImportTime> {
  const flags = withSourceMaps ? ['--enable-source-maps'] : [];
  // A clean environment: no NODE_OPTIONS or loaders from this process.
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    STAGE: 'test',
    POWERTOOLS_SERVICE_NAME: 'chat-payments',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  const { stdout } = await run(process.execPath, [...flags, PROBE, outfile], {
    env,
    timeout: 30_000,
  });
  const time = JSON.parse(stdout) as Partial<ImportTime>;
  if (typeof time.wallMs !== 'number' || typeof time.cpuMs !== 'number') {
    throw new Error(`the import probe printed "${stdout}" for ${outfile}`);
  }
  return { wallMs: time.wallMs, cpuMs: time.cpuMs };
}

function entriesOf(trees: SourceTree[]): BundleEntry[] {
  const entries: BundleEntry[] = [
    {
      name: 'baseline (DynamoDB client only)',
      kind: 'baseline',
      entry: { file: join(REPOSITORY_ROOT, 'bench', 'baseline', 'dynamodb-only.ts') },
      withSourceMaps: true,
    },
  ];
  for (const tree of trees) {
    // The patches change the webhook path, so only its function is timed there.
    const functions = tree.name === 'current' ? FUNCTIONS : ['webhook'];
    for (const name of functions) {
      entries.push({
        name: tree.name === 'current' ? name : `${name}+${tree.name}`,
        kind: 'function',
        entry: { file: join(tree.root, 'functions', name, 'handler.ts') },
        withSourceMaps: true,
        variant: tree.name === 'current' ? undefined : tree.name,
      });
    }
  }
  // Not runnable: it bounds what loading `stripe` only on demand could save.
  entries.push({
    name: 'webhook with stripe stubbed out',
    kind: 'function',
    entry: { file: join(REPOSITORY_ROOT, 'functions', 'webhook', 'handler.ts') },
    alias: { stripe: join(REPOSITORY_ROOT, 'bench', 'baseline', 'stripe-stub.ts') },
    withSourceMaps: false,
  });
  for (const [name, contents] of Object.entries(PACKAGE_ENTRIES)) {
    entries.push({ name, kind: 'package', entry: { contents }, withSourceMaps: false });
  }
  return entries;
}

/**
 * Bundles every function as CDK does, reports the deployed sizes, and times
 * require() of each bundle in fresh processes. The runs go round-robin over
 * the bundles, so that noise on the machine spreads over all of them.
 */
export async function measureBundles(
  trees: SourceTree[],
  settings: BenchSettings,
  log: (line: string) => void,
  onSkip: (variant: string, reason: string) => void,
): Promise<BundleResult[]> {
  const entries = entriesOf(trees);
  const built = [];
  for (const [index, entry] of entries.entries()) {
    const dir = join(OUT_DIR, String(index));
    try {
      const deployed = await bundle(entry, DEPLOYED_TARGET, join(dir, DEPLOYED_TARGET));
      const local = await bundle(entry, LOCAL_TARGET, join(dir, LOCAL_TARGET));
      built.push({ entry, deployed, local });
    } catch (error) {
      // A patched copy that no longer builds is reported and left out. The
      // current code must build.
      if (!entry.variant) throw error;
      onSkip(
        entry.variant,
        `esbuild failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  log(`built ${built.length} bundles; timing ${settings.importRuns} imports of each`);

  const plain = built.map((): ImportTime[] => []);
  const mapped = built.map((): ImportTime[] => []);
  for (let runIndex = 0; runIndex < settings.importRuns; runIndex++) {
    // Each round starts at another bundle, so no bundle always runs first.
    for (let step = 0; step < built.length; step++) {
      const index = (runIndex + step) % built.length;
      const item = built[index];
      plain[index].push(await timeImport(item.local.outfile, false));
      if (item.entry.withSourceMaps) mapped[index].push(await timeImport(item.local.outfile, true));
    }
  }

  return built.map((item, index) => {
    const code = readFileSync(item.deployed.outfile);
    return {
      name: item.entry.name,
      kind: item.entry.kind,
      kilobytes: round2(code.length / 1024),
      gzipKilobytes: round2(gzipSync(code).length / 1024),
      mapKilobytes: round2(statSync(`${item.deployed.outfile}.map`).size / 1024),
      importMs: round2(median(plain[index].map((time) => time.wallMs))),
      importMsRuns: plain[index].map((time) => round2(time.wallMs)),
      importCpuMs: round2(median(plain[index].map((time) => time.cpuMs))),
      importMsWithSourceMaps: item.entry.withSourceMaps
        ? round2(median(mapped[index].map((time) => time.wallMs)))
        : null,
      importCpuMsWithSourceMaps: item.entry.withSourceMaps
        ? round2(median(mapped[index].map((time) => time.cpuMs)))
        : null,
      packages: packageShares(item.deployed.metafile, item.deployed.outfile),
    };
  });
}
