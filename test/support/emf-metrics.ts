/**
 * The metrics in Powertools' EMF log lines, summed by name, and `name{dim=value,…}` for dimensions beyond `service`.
 * Lines that are not JSON (other output) are passed over.
 */
export function sumEmfMetrics(lines: readonly string[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const line of lines) {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const aws = record._aws as { CloudWatchMetrics?: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } | undefined;
    for (const group of aws?.CloudWatchMetrics ?? []) {
      const dimensions = (group.Dimensions[0] ?? []).filter((name) => name !== 'service');
      const suffix = dimensions.length > 0 ? `{${dimensions.map((name) => `${name}=${String(record[name])}`).join(',')}}` : '';
      for (const { Name } of group.Metrics) {
        const raw = record[Name];
        const value = (Array.isArray(raw) ? raw : [raw]).reduce((sum: number, item) => sum + Number(item), 0);
        sums.set(`${Name}${suffix}`, (sums.get(`${Name}${suffix}`) ?? 0) + value);
      }
    }
  }
  return sums;
}
