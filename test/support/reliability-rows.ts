import { appendFileSync, readFileSync } from 'node:fs';
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

export const RELIABILITY_DOC = join(import.meta.dirname, '..', '..', 'docs', 'reliability.md');
export const REGENERATE_HINT =
  'Run `npm run reliability` to regenerate docs/reliability.md from the fault suite, then update the figures in the README\'s Guarantees and commit both.';

export function formatCell(text: string | number | null): string {
  return text === null ? '–' : String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The row as a line of the doc's table: the generator writes it, and the check looks for it. */
export function formatRow(row: ReliabilityRow): string {
  return `| ${[row.fault, row.happens, row.runs, row.signal, row.due, row.lost, row.duplicates, row.falseAlerts].map(formatCell).join(' | ')} |`;
}

/** Splits a table line into its cells, keeping escaped pipes inside them. */
export function tableCells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/** The scenario rows of docs/reliability.md, keyed by area and fault, as they are written there. */
export function readDocRows(markdown: string): Map<string, string> {
  const rows = new Map<string, string>();
  let area: string | undefined;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('### ')) area = line.slice(4).trim();
    else if (!line.startsWith('## ') && area !== undefined && line.startsWith('| ') && !line.startsWith('| fault |')) {
      rows.set(rowKey(area, tableCells(line)[0] ?? ''), line.trim());
    } else if (line.startsWith('## ')) area = undefined;
  }
  return rows;
}

const rowKey = (area: string, faultCell: string) => `${area} › ${faultCell}`;

let committed: Map<string, string> | undefined;

/** The runs and ops-signal cells: in a scenario whose runs overlap, which run finishes first is up to timing. */
const TIMING_CELLS = new Set([2, 3]);

/**
 * Under `npm run reliability`, writes the row for the doc. Otherwise (`npm test`) checks that the committed
 * docs/reliability.md shows exactly this row, so its figures can't drift from what the suite measures. Where
 * `runsOverlapped`, the order of the runs' outcomes (and whether the loser saw the lease) is up to timing, so those
 * two cells are not compared; the figures always are.
 */
export function recordRow(row: ReliabilityRow, options: { runsOverlapped?: boolean } = {}): void {
  const dir = process.env[ROWS_DIR_ENV];
  if (dir) {
    // One file per worker process; `at` keeps each file's rows in the order its tests ran.
    appendFileSync(join(dir, `rows-${process.pid}.jsonl`), `${JSON.stringify({ ...row, at: performance.timeOrigin + performance.now() })}\n`);
    return;
  }
  committed ??= readDocRows(readFileSync(RELIABILITY_DOC, 'utf8'));
  const measured = formatRow(row);
  const written = committed.get(rowKey(row.area, formatCell(row.fault)));
  const comparable = (line: string) =>
    tableCells(line).map((cell, index) => (options.runsOverlapped && TIMING_CELLS.has(index) ? '(timing)' : cell));
  if (written === undefined || JSON.stringify(comparable(written)) !== JSON.stringify(comparable(measured))) {
    throw new Error(
      `docs/reliability.md does not show what the fault suite measures now for "${row.fault}" (${row.area}).\n` +
        `  in the doc:     ${written ?? '(no such row)'}\n  measured now:   ${measured}\n${REGENERATE_HINT}`,
    );
  }
}
