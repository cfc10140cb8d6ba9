import type { DynamoCounts, SnsCounts, TelnyxCounts } from './counters.ts';

/**
 * - `wired`: `wireAdapters(config, { dynamoClient, snsClient })` + `runPoll`, as the handler does, with phase timings.
 * - `handler`: the real Lambda handler, building its own clients from the environment.
 * - `sdk-autopager`: alternative (a), the SDK's sequential auto-pagination in place of our source.
 * - `per-item`: alternative (b), one GetItem per port-out and one Publish per event.
 */
export const IMPLEMENTATIONS = ['wired', 'handler', 'sdk-autopager', 'per-item'] as const;
export type Implementation = (typeof IMPLEMENTATIONS)[number];

/** Sent to the child in BENCH_JOB; the poller's own settings travel in its environment, as in Lambda. */
export interface PollJob {
  implementation: Implementation;
  /** Polls run back to back in the one process: the first after a fresh start, the rest warm. */
  polls: number;
  dynamoEndpoint: string;
  /** Only the watched listing (`wired` or `sdk-autopager` source), with nothing else competing for the process. */
  listingOnly?: boolean;
}

export interface PollMeasurement {
  wallMs: number;
  /** CPU time of the whole child during the poll (user + system, all threads). */
  cpuMs: number;
  /** `wired` only: time spent in each port call (listing and the first state read overlap). */
  phases?: { listMs: number; loadOpenMs: number; publishMs: number; applyMs: number };
  outcome: string;
  watched: number;
  events: number;
  /** SNS messages the run meant to send: one per event, plus a digest for people past the digest threshold. */
  messages: number;
  published: number;
  recorded: number;
  /** Counted by the source (retries included). */
  telnyxRequests: number;
  /** By query, counted at the SDK's fetch; not available for `handler`, which builds its own source. */
  telnyx?: TelnyxCounts;
  dynamo: DynamoCounts;
  sns: SnsCounts;
}

export interface ChildResult {
  polls: PollMeasurement[];
  /** Peak resident set of the whole child process (imports included), from process.resourceUsage(). */
  peakRssMb: number;
}
