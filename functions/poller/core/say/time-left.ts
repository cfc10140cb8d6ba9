const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

export interface DurationStyle {
  /** "3d4h" instead of "3d 4h", for SMS. */
  compact?: boolean;
}

/**
 * A duration in its two largest units, rounded down so a deadline never looks further away than it is:
 * "3d 4h", "5h 10m", "42m", "<1m".
 */
export function formatDuration(ms: number, style: DurationStyle = {}): string {
  const abs = Math.abs(ms);
  const days = Math.floor(abs / DAY_MS);
  const hours = Math.floor((abs % DAY_MS) / HOUR_MS);
  const minutes = Math.floor((abs % HOUR_MS) / MINUTE_MS);
  let units: string[];
  if (days > 0) units = hours > 0 ? [`${days}d`, `${hours}h`] : [`${days}d`];
  else if (hours > 0) units = minutes > 0 ? [`${hours}h`, `${minutes}m`] : [`${hours}h`];
  else units = [minutes > 0 ? `${minutes}m` : '<1m'];
  return units.join(style.compact ? '' : ' ');
}

/** "3d 4h left" before `deadline`, "overdue by 2h" after it. */
export function timeLeft(deadline: Date, now: Date, style: DurationStyle = {}): string {
  const ms = deadline.getTime() - now.getTime();
  return ms >= 0 ? `${formatDuration(ms, style)} left` : `overdue by ${formatDuration(ms, style)}`;
}

/** "3d 4h left" for a moment still to come, "2h ago" for one passed: for dates that are not deadlines. */
export function leftOrAgo(moment: Date, now: Date, style: DurationStyle = {}): string {
  const ms = moment.getTime() - now.getTime();
  return ms >= 0 ? `${formatDuration(ms, style)} left` : `${formatDuration(ms, style)} ago`;
}

export function addHours(moment: Date, hours: number): Date {
  return new Date(moment.getTime() + hours * HOUR_MS);
}

/** Telnyx timestamps are strings; null when absent or not a date. */
export function parseTimestamp(value: string | null): Date | null {
  if (value === null) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

const pad2 = (value: number) => String(value).padStart(2, '0');

/** "27 Nov 10:00Z": short enough for an SMS, and unambiguous about the zone. */
export function formatUtcShort(moment: Date): string {
  const month = MONTHS[moment.getUTCMonth()] ?? '';
  return `${pad2(moment.getUTCDate())} ${month} ${pad2(moment.getUTCHours())}:${pad2(moment.getUTCMinutes())}Z`;
}

/** "2026-11-27 10:00 UTC". */
export function formatUtcLong(moment: Date): string {
  const date = `${moment.getUTCFullYear()}-${pad2(moment.getUTCMonth() + 1)}-${pad2(moment.getUTCDate())}`;
  return `${date} ${pad2(moment.getUTCHours())}:${pad2(moment.getUTCMinutes())} UTC`;
}
