import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDocRows, recordRow, REGENERATE_HINT, RELIABILITY_DOC, ROWS_DIR_ENV, tableCells, type ReliabilityRow } from '../support/reliability-rows.ts';

/**
 * Each scenario checks its own row (recordRow); this checks the figures built from the rows: the doc's headline
 * and the README's. Skipped while `npm run reliability` rewrites the doc.
 */
describe.skipIf(Boolean(process.env[ROWS_DIR_ENV]))('docs/reliability.md and the README agree with the rows measured', () => {
  const doc = readFileSync(RELIABILITY_DOC, 'utf8');
  const rows = [...readDocRows(doc).values()].map((line) => tableCells(line));
  const sum = (column: number) => rows.reduce((total, cells) => total + (Number(cells[column]) || 0), 0);
  const measured = { scenarios: rows.length, due: sum(4), lost: sum(5), duplicates: sum(6), falseAlerts: sum(7) };

  it('the doc headline is the sum of its rows', () => {
    const headline = /(\d+) scenarios: (\d+) alerts due in all, \*\*(\d+) lost\*\*, (\d+) duplicates, (\d+) false alerts\./.exec(doc);
    expect(headline, `no headline in docs/reliability.md. ${REGENERATE_HINT}`).not.toBeNull();
    const [, scenarios, due, lost, duplicates, falseAlerts] = headline!.map(Number);
    expect({ scenarios, due, lost, duplicates, falseAlerts }, REGENERATE_HINT).toEqual(measured);
  });

  it("the README's Guarantees quote the doc's figures", () => {
    const readme = readFileSync(join(RELIABILITY_DOC, '..', '..', 'README.md'), 'utf8');
    const quoted = /\*\*(\d+) fault scenarios, (\d+) alerts due, (\d+) lost, (\d+) false alerts\*\*/.exec(readme);
    expect(quoted, 'the README no longer quotes the fault suite\'s figures as **N fault scenarios, N alerts due, N lost, N false alerts**').not.toBeNull();
    const [, scenarios, due, lost, falseAlerts] = quoted!.map(Number);
    expect({ scenarios, due, lost, falseAlerts }, REGENERATE_HINT).toEqual({
      scenarios: measured.scenarios,
      due: measured.due,
      lost: measured.lost,
      falseAlerts: measured.falseAlerts,
    });
  });

  it("a scenario whose figures differ from its row, or that has none, fails with both lines and how to regenerate", () => {
    const [fault, happens, runs, signal, due, lost, duplicates, falseAlerts] = rows[0] ?? [];
    const row: ReliabilityRow = {
      area: [...doc.matchAll(/^### (.+)$/gm)][0]?.[1] ?? '',
      fault: fault!.replace(/\\\|/g, '|'),
      happens: happens!.replace(/\\\|/g, '|'),
      runs: runs!.replace(/\\\|/g, '|'),
      signal: signal!.replace(/\\\|/g, '|'),
      due: Number(due),
      lost: Number(lost),
      duplicates: Number(duplicates),
      falseAlerts: Number(falseAlerts),
    };
    expect(() => recordRow(row)).not.toThrow();
    expect(() => recordRow({ ...row, runs: 'ok → ok' }, { runsOverlapped: true })).not.toThrow();
    expect(() => recordRow({ ...row, due: row.due! + 1 }, { runsOverlapped: true })).toThrow(/in the doc: [\s\S]*measured now: [\s\S]*npm run reliability/);
    expect(() => recordRow({ ...row, fault: 'a scenario the doc has never seen' })).toThrow(/\(no such row\)[\s\S]*npm run reliability/);
  });

  it('no row loses an alert or sends a false one', () => {
    expect(rows.filter((cells) => Number(cells[5]) > 0 || Number(cells[7]) > 0).map((cells) => cells[0])).toEqual([]);
  });
});
