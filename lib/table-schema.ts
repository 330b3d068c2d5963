/**
 * The single DynamoDB table of a stage: payments, installations, processed
 * events and idempotency records. The CDK stack and the local stage both
 * build the table from this description, so they cannot drift apart.
 *
 * Item keys (pk / sk):
 * - `PAYMENT#{paymentId}` / `PAYMENT`: a payment and its history.
 * - `MERCHANT#{merchantId}` / `INSTALLATION`: a merchant's Stripe install.
 * - `MERCHANT#{merchantId}` / `REJECTED#{yyyy-mm-dd}`: rejected deliveries
 *   of one day, counted by reason.
 * - `MERCHANT#{merchantId}` / `EVENT#{eventId}`: a Stripe event applied to
 *   one of the merchant's payments.
 * - `MERCHANT#{merchantId}` / `IDEMPOTENCY#{key}`: a `POST /payments`
 *   idempotency record.
 * - `PAYMENT_INTENT#{paymentIntentId}` / `PAYMENT`: the payment a
 *   PaymentIntent belongs to.
 *
 * Open payments (not yet in a final state) carry `openShard` and
 * `reconcileAt`, which make up the sparse index the reconcile function
 * reads, so it never scans the table.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAtEpoch',
  openPaymentsIndex: {
    indexName: 'open-payments',
    partitionKey: 'openShard',
    sortKey: 'reconcileAt',
  },
} as const;

/** Number of partitions of the open-payments index, to spread its writes. */
export const OPEN_PAYMENT_SHARDS = 4;
