import type { DynamoCounts, SnsCounts } from './counters.ts';

/** Sent to the fleet child in BENCH_FLEET_JOB; the poller's own settings travel in its environment, as in Lambda. */
export interface FleetJob {
  /** Polls run back to back in the one process: the first after a fresh start, the rest warm. */
  polls: number;
  dynamoEndpoint: string;
  /** What Lambda's getRemainingTimeInMillis says at the start: the function's timeout. */
  remainingMs: number;
}

export interface FleetAccountPoll {
  name: string;
  outcome: string;
  watched: number;
  events: number;
  /** Counted by the account's source, retries included. */
  telnyxRequests: number;
}

export interface FleetPoll {
  wallMs: number;
  cpuMs: number;
  accounts: FleetAccountPoll[];
  /** Most Telnyx requests in flight at once, over every account, counted at the SDK's fetch. */
  peakInFlight: number;
  dynamo: DynamoCounts;
  sns: SnsCounts;
}

export interface FleetChildResult {
  polls: FleetPoll[];
  peakRssMb: number;
}
