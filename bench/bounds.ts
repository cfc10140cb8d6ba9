/**
 * The least work a poll can do, to set each measured count beside.
 *
 * - Telnyx: max(1, ceil(watched / 250)) requests for the watched listing: even an empty listing takes one request
 *   to learn it is empty. The default alert policy adds two queries per run (requests born `rejected`, and the
 *   comment feed), each at least one request.
 * - DynamoDB reads: the open set is one partition (pk = OPEN), so max(1, ceil(bytes / 1 MB)) strongly consistent
 *   Query calls, consuming ceil(bytes / 4 KB) read units (at least 1).
 * - Busy runs keep the "overlapping runs can't double-alert" guarantee, which needs a read of the alerted records
 *   after the lease is taken. The least such read fetches only those records: ceil(events / 100) BatchGetItem calls,
 *   1 read unit each (records are under 4 KB). Writes: the lease put and delete, plus ceil(events / 100)
 *   TransactWriteItems (one action per status change, up to 100 actions each); write units 2 for the lease plus
 *   2 per transactional write of an item under 1 KB (DynamoDB Local reports 1, not 2; see the README).
 * - Quiet runs: no writes at all, no SNS call.
 * - SNS: ceil(messages / 10) PublishBatch calls. Messages are one per event, plus one digest for people when a
 *   run has more events than the policy's digest threshold (10).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PAGE_SIZE } from '../functions/poller/adapters/telnyx-source.ts';
import { DEFAULT_ALERT_POLICY } from '../functions/poller/core/policy.ts';

const QUERY_PAGE_BYTES = 1024 * 1024;
const READ_UNIT_BYTES = 4 * 1024;
const BATCH_GET_KEYS = 100;
const TRANSACTION_ACTIONS = 100;
const PUBLISH_BATCH_ENTRIES = 10;

/** A number's stored size: one byte per two significant digits, plus one. */
function numberBytes(value: string): number {
  const digits = value.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** DynamoDB's documented attribute value sizes (Item sizes and formats, Developer Guide). */
function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueBytes(element), 0);
  if (value.M !== undefined) return 3 + itemBytes(value.M) + Object.keys(value.M).length;
  if (value.SS !== undefined) return value.SS.reduce((sum, element) => sum + Buffer.byteLength(element), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, element) => sum + numberBytes(element), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, element) => sum + element.byteLength, 0);
  return 0;
}

/** Attribute names plus values, as DynamoDB sizes an item. */
export function itemBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}

export type RunKind = 'quiet' | 'busy';

export interface Bounds {
  /** The watched listing alone: the ceil(N / 250). */
  telnyxListing: number;
  /** Every query the default policy makes. */
  telnyxRequests: number;
  dynamoReads: number;
  readUnits: number;
  dynamoWrites: number;
  writeUnits: number;
  snsCalls: number;
}

const EXTRA_QUERIES = Number(DEFAULT_ALERT_POLICY.watchRejected) + Number(DEFAULT_ALERT_POLICY.watchComments);

export function lowerBounds(kind: RunKind, shape: { watched: number; events: number; messages: number; openBytes: number }): Bounds {
  const listing = Math.max(1, Math.ceil(shape.watched / PAGE_SIZE));
  const telnyx = { telnyxListing: listing, telnyxRequests: listing + EXTRA_QUERIES };
  const queries = Math.max(1, Math.ceil(shape.openBytes / QUERY_PAGE_BYTES));
  const queryUnits = Math.max(1, Math.ceil(shape.openBytes / READ_UNIT_BYTES));
  if (kind === 'quiet' || shape.events === 0) {
    return { ...telnyx, dynamoReads: queries, readUnits: queryUnits, dynamoWrites: 0, writeUnits: 0, snsCalls: 0 };
  }
  return {
    ...telnyx,
    dynamoReads: queries + Math.ceil(shape.events / BATCH_GET_KEYS),
    readUnits: queryUnits + shape.events,
    dynamoWrites: 2 + Math.ceil(shape.events / TRANSACTION_ACTIONS),
    writeUnits: 2 + 2 * shape.events,
    snsCalls: Math.ceil(shape.messages / PUBLISH_BATCH_ENTRIES),
  };
}
