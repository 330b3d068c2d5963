import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import {
  createDynamoDbClient,
  createTable,
  parseJavaMajorVersion,
  startDynamoDbLocal,
  type DynamoDbLocal,
} from '../../local/dynamodb-local';
import { assertPortFree, findFreePort } from '../../local/ports';
import { useDynamoDb } from '../helpers/dynamodb';

const LAUNCHER_PATH = resolve(__dirname, '../../local/dynamodb-local.ts');

/** Returns whether `pid` is a live process. A zombie waiting to be reaped counts as exited. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Returns the pids of processes whose command line contains DynamoDBLocal. */
function dynamoDbLocalPids(): number[] {
  try {
    return execFileSync('pgrep', ['-f', 'DynamoDBLocal'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.length > 0)
      .map(Number);
  } catch {
    // pgrep exits with 1 when nothing matches.
    return [];
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) {
      return true;
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  return !isRunning(pid);
}

async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolveListen) =>
    server.listen(0, '127.0.0.1', resolveListen),
  );
  return { port: (server.address() as { port: number }).port, server };
}

async function withPath<T>(path: string, run: () => Promise<T>): Promise<T> {
  const previous = process.env.PATH;
  process.env.PATH = path;
  try {
    return await run();
  } finally {
    process.env.PATH = previous;
  }
}

describe('startDynamoDbLocal', () => {
  let local: DynamoDbLocal;

  beforeAll(async () => {
    local = await startDynamoDbLocal({ port: 0 });
  });

  afterAll(async () => {
    await local?.stop();
  });

  it('answers ListTables on loopback', async () => {
    expect(local.endpoint).toBe(`http://127.0.0.1:${local.port}`);
    const client = createDynamoDbClient(local.endpoint);
    try {
      const result = await client.send(new ListTablesCommand({}));
      expect(result.TableNames).toEqual(expect.any(Array));
    } finally {
      client.destroy();
    }
  });

  it('creates table with index and stream', async () => {
    await createTable(local.endpoint, 'payments-schema');
    const client = createDynamoDbClient(local.endpoint);
    try {
      const { Table: table } = await client.send(
        new DescribeTableCommand({ TableName: 'payments-schema' }),
      );
      expect(table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table?.StreamSpecification).toEqual({
        StreamEnabled: true,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      });
      expect(table?.LatestStreamArn).toBeDefined();

      const index = table?.GlobalSecondaryIndexes?.find(
        (candidate) => candidate.IndexName === 'open-payments',
      );
      expect(index?.KeySchema).toEqual([
        { AttributeName: 'openShard', KeyType: 'HASH' },
        { AttributeName: 'reconcileAt', KeyType: 'RANGE' },
      ]);
      expect(index?.Projection?.ProjectionType).toBe('ALL');
      expect(table?.AttributeDefinitions).toEqual(
        expect.arrayContaining([
          { AttributeName: 'openShard', AttributeType: 'S' },
          { AttributeName: 'reconcileAt', AttributeType: 'S' },
        ]),
      );

      const ttl = await client.send(
        new DescribeTimeToLiveCommand({ TableName: 'payments-schema' }),
      );
      expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAtEpoch');
    } finally {
      client.destroy();
    }
  });

  it('keeps open-payments index sparse', async () => {
    await createTable(local.endpoint, 'payments-sparse');
    const client = createDynamoDbClient(local.endpoint);
    try {
      await client.send(
        new PutItemCommand({
          TableName: 'payments-sparse',
          Item: {
            pk: { S: 'PAYMENT#open' },
            sk: { S: 'PAYMENT' },
            openShard: { S: '0' },
            reconcileAt: { S: '2026-01-01T00:00:00Z' },
          },
        }),
      );
      await client.send(
        new PutItemCommand({
          TableName: 'payments-sparse',
          Item: { pk: { S: 'PAYMENT#done' }, sk: { S: 'PAYMENT' } },
        }),
      );
      const result = await client.send(
        new QueryCommand({
          TableName: 'payments-sparse',
          IndexName: 'open-payments',
          KeyConditionExpression: 'openShard = :shard',
          ExpressionAttributeValues: { ':shard': { S: '0' } },
        }),
      );
      expect(result.Items?.map((item) => item.pk.S)).toEqual(['PAYMENT#open']);
    } finally {
      client.destroy();
    }
  });

  it('rejects busy port clearly', async () => {
    const { port, server } = await occupyPort();
    try {
      await expect(startDynamoDbLocal({ port })).rejects.toThrow(
        `port ${port} is already in use (DynamoDB Local): stop the other process or set the port option`,
      );
    } finally {
      await new Promise((resolveClose) => server.close(resolveClose));
    }
  });
});

describe('DynamoDbLocal.stop', () => {
  it('leaves no java process', async () => {
    const local = await startDynamoDbLocal({ port: 0 });
    expect(isRunning(local.pid)).toBe(true);
    expect(dynamoDbLocalPids()).toContain(local.pid);

    await local.stop();

    expect(isRunning(local.pid)).toBe(false);
    expect(dynamoDbLocalPids()).not.toContain(local.pid);
    await expect(
      assertPortFree(local.port, 'DynamoDB Local'),
    ).resolves.toBeUndefined();
  });

  it('resolves when called twice', async () => {
    const local = await startDynamoDbLocal({ port: 0 });
    await local.stop();
    await expect(local.stop()).resolves.toBeUndefined();
  });

  it.each(['SIGINT', 'exit'])('kills java on parent %s', async (mode) => {
    const directory = mkdtempSync(join(tmpdir(), 'dynamodb-local-parent-'));
    const script = join(directory, 'parent.js');
    writeFileSync(
      script,
      [
        `const { startDynamoDbLocal } = require(${JSON.stringify(LAUNCHER_PATH)});`,
        'startDynamoDbLocal({ port: 0 }).then((local) => {',
        "  process.stdout.write(JSON.stringify({ pid: local.pid }) + '\\n');",
        `  if (${JSON.stringify(mode)} === 'exit') process.exit(0);`,
        '  setInterval(() => {}, 1000);',
        '});',
      ].join('\n'),
    );
    const parent = spawn(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), script],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const javaPid = await new Promise<number>((resolvePid, reject) => {
        let stdout = '';
        let stderr = '';
        parent.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          const line = stdout
            .split('\n')
            .find((candidate) => candidate.startsWith('{"pid"'));
          if (line !== undefined) {
            resolvePid((JSON.parse(line) as { pid: number }).pid);
          }
        });
        parent.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
        });
        parent.once('exit', (code) => {
          if (!stdout.includes('{"pid"')) {
            reject(
              new Error(
                `parent exited with ${code} before starting DynamoDB Local: ${stderr}`,
              ),
            );
          }
        });
      });
      if (mode === 'SIGINT') {
        parent.kill('SIGINT');
      }
      expect(await waitForExit(javaPid, 10_000)).toBe(true);
      expect(dynamoDbLocalPids()).not.toContain(javaPid);
    } finally {
      parent.kill('SIGKILL');
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('startDynamoDbLocal startup', () => {
  it('times out and kills children', async () => {
    // A fake java that reports version 17, then starts a child and never listens.
    const directory = mkdtempSync(join(tmpdir(), 'silent-java-'));
    const fakeJava = join(directory, 'java');
    writeFileSync(
      fakeJava,
      [
        '#!/bin/sh',
        'if [ "$1" = "-version" ]; then',
        '  echo \'openjdk version "17.0.1" 2021-10-19\' >&2',
        '  exit 0',
        'fi',
        '/bin/sleep 60 &',
        'echo "child pid $!"',
        'wait',
      ].join('\n'),
    );
    chmodSync(fakeJava, 0o755);
    try {
      await withPath(directory, async () => {
        const error = await startDynamoDbLocal({
          port: 0,
          readyTimeoutMs: 1_000,
        }).catch((caught: Error) => caught);
        expect(error).toBeInstanceOf(Error);
        const message = (error as Error).message;
        expect(message).toContain(
          'timed out after 1 s waiting for DynamoDB Local',
        );
        const childPid = Number(/child pid (\d+)/.exec(message)?.[1]);
        expect(childPid).toBeGreaterThan(0);
        expect(await waitForExit(childPid, 5_000)).toBe(true);
      });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('startDynamoDbLocal persistence', () => {
  it('keeps tables on disk', async () => {
    const dbPath = mkdtempSync(join(tmpdir(), 'dynamodb-local-data-'));
    try {
      const first = await startDynamoDbLocal({
        port: 0,
        inMemory: false,
        dbPath,
      });
      try {
        await createTable(first.endpoint, 'persisted-table');
      } finally {
        await first.stop();
      }
      const second = await startDynamoDbLocal({
        port: 0,
        inMemory: false,
        dbPath,
      });
      const client = createDynamoDbClient(second.endpoint);
      try {
        const result = await client.send(new ListTablesCommand({}));
        expect(result.TableNames).toContain('persisted-table');
      } finally {
        client.destroy();
        await second.stop();
      }
    } finally {
      rmSync(dbPath, { recursive: true, force: true });
    }
  });
});

describe('Java check', () => {
  it('rejects missing java', async () => {
    await withPath('/nonexistent', async () => {
      await expect(startDynamoDbLocal({ port: 0 })).rejects.toThrow(
        'DynamoDB Local needs Java 17 or newer: install openjdk-17-jre-headless',
      );
    });
  });

  it('rejects java older than 17', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'old-java-'));
    const fakeJava = join(directory, 'java');
    writeFileSync(
      fakeJava,
      '#!/bin/sh\necho \'openjdk version "11.0.2" 2019-01-15\' >&2\n',
    );
    chmodSync(fakeJava, 0o755);
    try {
      await withPath(directory, async () => {
        const error = await startDynamoDbLocal({ port: 0 }).catch(
          (caught: Error) => caught,
        );
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toContain(
          'DynamoDB Local needs Java 17 or newer: install openjdk-17-jre-headless',
        );
        expect((error as Error).message).toContain('11.0.2');
      });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it.each([
    ['java version "1.8.0_292"', 8],
    ['openjdk version "11.0.2" 2019-01-15', 11],
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['no version here', undefined],
  ])('parses %s', (output, major) => {
    expect(parseJavaMajorVersion(output)).toBe(major);
  });
});

describe('ports', () => {
  it('finds a bindable free port', async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThan(0);
    await expect(assertPortFree(port, 'test server')).resolves.toBeUndefined();
  });

  it('names service of busy port', async () => {
    const { port, server } = await occupyPort();
    try {
      await expect(assertPortFree(port, 'HTTP gateway')).rejects.toThrow(
        `port ${port} is already in use (HTTP gateway): stop the other process or set PORT`,
      );
    } finally {
      await new Promise((resolveClose) => server.close(resolveClose));
    }
  });
});

describe('useDynamoDb', () => {
  it('shares one instance per file', async () => {
    const first = await useDynamoDb();
    const second = await useDynamoDb();
    expect(second.endpoint).toBe(first.endpoint);
    expect(second.tableName).not.toBe(first.tableName);

    const { Table: table } = await first.client.send(
      new DescribeTableCommand({ TableName: first.tableName }),
    );
    expect(table?.TableStatus).toBe('ACTIVE');

    await first.stop();
    const listed = await second.client.send(new ListTablesCommand({}));
    expect(listed.TableNames).toContain(second.tableName);
    expect(listed.TableNames).not.toContain(first.tableName);

    await second.stop();
    const port = Number(new URL(second.endpoint).port);
    await expect(
      assertPortFree(port, 'DynamoDB Local'),
    ).resolves.toBeUndefined();
  });
});
