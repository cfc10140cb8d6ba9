import { describe, expect, it } from 'vitest';
import {
  addHours,
  formatDuration,
  formatUtcLong,
  formatUtcShort,
  leftOrAgo,
  parseTimestamp,
  timeLeft,
} from '../../../../../functions/poller/core/say/time-left.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = new Date('2026-11-27T16:00:00.000Z');

describe('formatDuration', () => {
  it.each([
    [3 * DAY + 4 * HOUR + 59 * MINUTE, '3d 4h'],
    [2 * DAY, '2d'],
    [5 * HOUR + 10 * MINUTE + 59_999, '5h 10m'],
    [5 * HOUR, '5h'],
    [42 * MINUTE, '42m'],
    [59_999, '<1m'],
    [0, '<1m'],
    [-2 * HOUR, '2h'],
  ])('%d ms reads %s, rounded down', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it('drops the space in compact style', () => {
    expect(formatDuration(3 * DAY + 4 * HOUR, { compact: true })).toBe('3d4h');
  });
});

describe('timeLeft', () => {
  it('counts down to a deadline still ahead', () => {
    expect(timeLeft(new Date('2026-11-28T10:00:00.000Z'), NOW)).toBe('18h left');
  });

  it('says by how much a passed deadline is overdue', () => {
    expect(timeLeft(new Date('2026-11-27T14:00:00.000Z'), NOW, { compact: true })).toBe('overdue by 2h');
  });
});

describe('leftOrAgo', () => {
  it('says "left" for a moment ahead and "ago" for one passed', () => {
    expect(leftOrAgo(new Date('2026-12-01T15:00:00.000Z'), NOW, { compact: true })).toBe('3d23h left');
    expect(leftOrAgo(new Date('2026-11-27T10:00:00.000Z'), NOW)).toBe('6h ago');
  });
});

describe('dates', () => {
  it('formats short UTC times for SMS with a Z', () => {
    expect(formatUtcShort(new Date('2026-12-01T05:07:00.000Z'))).toBe('01 Dec 05:07Z');
  });

  it('formats long UTC times for email with UTC spelled out', () => {
    expect(formatUtcLong(new Date('2026-12-01T05:07:59.000Z'))).toBe('2026-12-01 05:07 UTC');
  });

  it('parses Telnyx timestamps and rejects what is not a date', () => {
    expect(parseTimestamp('2026-12-01T15:00:00Z')?.toISOString()).toBe('2026-12-01T15:00:00.000Z');
    expect(parseTimestamp('soon')).toBeNull();
    expect(parseTimestamp(null)).toBeNull();
  });

  it('adds hours', () => {
    expect(addHours(NOW, 48).toISOString()).toBe('2026-11-29T16:00:00.000Z');
  });
});
