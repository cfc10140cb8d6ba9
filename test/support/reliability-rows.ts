import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/** One fault as docs/reliability.md shows it: what was staged, what happened, and what the oracle measured. */
export interface ReliabilityRow {
  area: string;
  fault: string;
  happens: string;
  /** Outcomes of the runs after the watch started, e.g. "partial → ok". */
  runs: string;
  /** Metrics (and errors) that told the operator, e.g. "PollFailed, TelnyxErrors{kind=server-error}". */
  signal: string;
  /** Null where the scenario has no alerts to count (a setting refused at cold start). */
  due: number | null;
  lost: number | null;
  duplicates: number | null;
  falseAlerts: number | null;
}

/** Set by `npm run reliability`: the fault suite writes each measured row there. */
export const ROWS_DIR_ENV = 'RELIABILITY_ROWS_DIR';

export function recordRow(row: ReliabilityRow): void {
  const dir = process.env[ROWS_DIR_ENV];
  if (!dir) return;
  // One file per worker process; `at` keeps each file's rows in the order its tests ran.
  appendFileSync(join(dir, `rows-${process.pid}.jsonl`), `${JSON.stringify({ ...row, at: performance.timeOrigin + performance.now() })}\n`);
}
