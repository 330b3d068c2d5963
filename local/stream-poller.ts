import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent, SQSBatchResponse } from 'aws-lambda';

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<SQSBatchResponse>;

export interface StreamPollerOptions {
  endpoint: string;
  tableName: string;
  handler: StreamHandler;
  /** Pause between polls of a shard, in milliseconds. Default 200. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

export interface StreamPoller {
  stop(): Promise<void>;
  /** Resolves once every record written so far has been handled. */
  drain(): Promise<void>;
}

/**
 * Reads the table's stream on DynamoDB Local and calls the notify handler
 * with the same event Lambda builds. Like an event source mapping, it
 * keeps records in order per shard and hands over the records from the
 * first reported failure again on the next poll.
 */
export async function startStreamPoller(
  dynamodb: DynamoDBClient,
  options: StreamPollerOptions,
): Promise<StreamPoller> {
  const table = await dynamodb.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);
  const streams = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const iterators = new Map<string, string | undefined>();
  const finished = new Set<string>();
  let stopped = false;

  async function refreshShards(): Promise<void> {
    const description = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of description.StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId;
      if (!shardId || iterators.has(shardId) || finished.has(shardId)) continue;
      const iterator = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      iterators.set(shardId, iterator.ShardIterator);
    }
  }

  async function pollOnce(): Promise<number> {
    await refreshShards();
    let handled = 0;
    for (const [shardId, iterator] of iterators) {
      if (!iterator) {
        iterators.delete(shardId);
        finished.add(shardId);
        continue;
      }
      const result = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      const records = result.Records ?? [];
      if (records.length === 0) {
        iterators.set(shardId, result.NextShardIterator);
        continue;
      }
      const response = await options.handler({ Records: records.map((record) => toLambdaRecord(record, streamArn!)) });
      const firstFailure = response.batchItemFailures[0]?.itemIdentifier;
      if (firstFailure === undefined) {
        iterators.set(shardId, result.NextShardIterator);
        handled += records.length;
        continue;
      }
      // Start again at the failed record, as Lambda does for a stream.
      const retry = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          SequenceNumber: firstFailure,
        }),
      );
      iterators.set(shardId, retry.ShardIterator);
    }
    return handled;
  }

  // Polls run one at a time, so no record is handed over twice.
  let chain: Promise<void> = Promise.resolve();
  const poll = (): Promise<void> => {
    chain = chain.then(
      () => pollOnce().then(() => undefined),
    ).catch((error: unknown) => options.onError?.(error));
    return chain;
  };

  const interval = options.intervalMs ?? 200;
  const loop = (async () => {
    while (!stopped) {
      await poll();
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
      streams.destroy();
    },
    async drain() {
      // A second poll picks up what the handler wrote during the first.
      await poll();
      await poll();
    },
  };
}

function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: streamArn,
    dynamodb: {
      ...(record.dynamodb as DynamoDBRecord['dynamodb']),
      ApproximateCreationDateTime: record.dynamodb?.ApproximateCreationDateTime
        ? Math.floor(new Date(record.dynamodb.ApproximateCreationDateTime).getTime() / 1000)
        : undefined,
    },
  };
}
