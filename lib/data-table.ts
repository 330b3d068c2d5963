import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

import type { StageSettings } from './stages';
import { TABLE_SCHEMA } from './table-schema';

/**
 * Attribute types of the open-payments index keys, which TABLE_SCHEMA does
 * not state. The payment store writes both as strings: `openShard` as
 * `OPEN#{n}` and `reconcileAt` as an ISO-8601 timestamp, which sorts by
 * time. DynamoDB rejects every write whose index key has another type.
 */
export const OPEN_PAYMENTS_KEY_TYPES = {
  partitionKey: AttributeType.STRING,
  sortKey: AttributeType.STRING,
} as const;

/**
 * Item actions the functions that own payment state may use on the table.
 * Transactions are authorized as the item actions they contain, and Scan
 * is left out on purpose: open payments are read through the index.
 */
export const TABLE_ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

/**
 * Creates the stage's single table from TABLE_SCHEMA: on demand, with
 * point-in-time recovery, a stream of new and old images for the notify
 * function, TTL, and the sparse open-payments index. On a stage that
 * retains data, the table also has deletion protection.
 */
export function createDataTable(
  scope: Construct,
  id: string,
  stage: StageSettings,
): Table {
  const table = new Table(scope, id, {
    partitionKey: {
      name: TABLE_SCHEMA.partitionKey,
      type: AttributeType.STRING,
    },
    sortKey: { name: TABLE_SCHEMA.sortKey, type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    encryption: TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    stream: StreamViewType.NEW_AND_OLD_IMAGES,
    timeToLiveAttribute: TABLE_SCHEMA.timeToLiveAttribute,
    deletionProtection: stage.retainData,
    removalPolicy: stage.retainData
      ? RemovalPolicy.RETAIN
      : RemovalPolicy.DESTROY,
  });
  const index = TABLE_SCHEMA.openPaymentsIndex;
  table.addGlobalSecondaryIndex({
    indexName: index.indexName,
    partitionKey: {
      name: index.partitionKey,
      type: OPEN_PAYMENTS_KEY_TYPES.partitionKey,
    },
    sortKey: { name: index.sortKey, type: OPEN_PAYMENTS_KEY_TYPES.sortKey },
    projectionType: ProjectionType.ALL,
  });
  return table;
}

/**
 * Grants item reads and writes on the table, and queries of the
 * open-payments index when asked. Scans are never granted.
 */
export function grantTableItems(
  table: Table,
  grantee: IGrantable,
  options: { openPaymentsIndex?: boolean } = {},
): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'TableItems',
      actions: TABLE_ITEM_ACTIONS,
      resources: [table.tableArn],
    }),
  );
  if (options.openPaymentsIndex) {
    const indexName = TABLE_SCHEMA.openPaymentsIndex.indexName;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'OpenPaymentsIndex',
        actions: ['dynamodb:Query'],
        resources: [`${table.tableArn}/index/${indexName}`],
      }),
    );
  }
}
