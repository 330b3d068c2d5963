import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type {
  DlqDestinationConfig,
  IEventSourceDlq,
  IEventSourceMapping,
  IFunction,
} from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface DeadLetterQueueProps {
  /** Customer managed key that encrypts the messages. */
  readonly key: IKey;
  readonly removalPolicy: RemovalPolicy;
  /** Sender and contents of the messages, for the cdk-nag reason. */
  readonly purpose: string;
}

/**
 * Creates a dead-letter queue: KMS encrypted, HTTPS only, and keeping
 * messages for 14 days, the maximum SQS allows.
 */
export function createDeadLetterQueue(
  scope: Construct,
  id: string,
  props: DeadLetterQueueProps,
): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: props.key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: props.removalPolicy,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is itself a dead-letter queue. ${props.purpose}`,
  });
  return queue;
}

/**
 * Lets the grantee send to a queue encrypted with a customer managed key.
 * SQS needs kms:GenerateDataKey and kms:Decrypt from a producer of an
 * SSE-KMS queue; `Queue.grantSendMessages` grants the wildcard actions
 * kms:GenerateDataKey* and kms:ReEncrypt* on top.
 */
export function grantSendToEncryptedQueue(
  queue: Queue,
  grantee: IGrantable,
): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
    }),
  );
  if (queue.encryptionMasterKey !== undefined) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [queue.encryptionMasterKey.keyArn],
      }),
    );
  }
}

/**
 * On-failure destination of an event source mapping, like `SqsDlq`, but
 * granting the function's role only what `grantSendToEncryptedQueue` does.
 */
export class EncryptedQueueFailureDestination implements IEventSourceDlq {
  constructor(private readonly queue: Queue) {}

  bind(
    _target: IEventSourceMapping,
    targetHandler: IFunction,
  ): DlqDestinationConfig {
    grantSendToEncryptedQueue(this.queue, targetHandler);
    return { destination: this.queue.queueArn };
  }
}
