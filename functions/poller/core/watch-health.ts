import type { SourceFailure } from './ports.ts';

/** The Telnyx queries a run depends on; each reports its health the same way (a WARN line, a metric, an alarm). */
export const TELNYX_QUERIES = ['listing', 'lookups', 'fraud-gap', 'comments'] as const;
export type TelnyxQuery = (typeof TELNYX_QUERIES)[number];

/**
 * The parts of the watch an operator hears about: an alarm per watch names the one that is down. The status watch
 * (new requests, status changes, vanished ones) stands on the listing and the lookups of requests missing from it.
 */
export const WATCHES = ['status', 'fraud-gap', 'comments'] as const;
export type Watch = (typeof WATCHES)[number];

export const WATCH_OF_QUERY: Record<TelnyxQuery, Watch> = {
  listing: 'status',
  lookups: 'status',
  'fraud-gap': 'fraud-gap',
  comments: 'comments',
};

/** What each query is, in words an operator reads in a log line. */
export const QUERY_DESCRIPTION: Record<TelnyxQuery, string> = {
  listing: 'the listing of pending and rejected-pending port-outs',
  lookups: 'the lookups of tracked port-outs missing from the listing',
  'fraud-gap': 'the query for port-outs created already rejected (the fraud gap)',
  comments: 'the events feed that carries comments',
};

/** `asked` is false when the query is turned off, or (lookups) nothing was missing. */
export interface QueryHealth {
  asked: boolean;
  failures: SourceFailure[];
  /** Items it returned that could not be used at all (no usable id or status), when there were any. */
  invalid?: number;
}

export type QueriesHealth = Record<TelnyxQuery, QueryHealth>;

export function failedQueries(queries: QueriesHealth): TelnyxQuery[] {
  return TELNYX_QUERIES.filter((query) => queries[query].failures.length > 0);
}

/** Queries that returned items nobody can read: the watch they serve can't see those. */
export function queriesWithInvalidItems(queries: QueriesHealth): TelnyxQuery[] {
  return TELNYX_QUERIES.filter((query) => (queries[query].invalid ?? 0) > 0);
}
