/** The state table's key schema, shared by the DynamoDB adapter and the stack that creates the table. */
export const STATE_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; set on closed records and the lease so DynamoDB expires them. */
  ttlAttribute: 'expiresAt',
} as const;
