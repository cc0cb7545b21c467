import { describe, expect, it } from 'vitest';
import {
  dayText,
  duration,
  instantOf,
  parseDay,
  parseHolidays,
  wallTime,
  zoned,
} from '../../web/src/admin/hours.js';

describe('business hours as the admin pages write them', () => {
  it('reads a day’s line back into intervals and says what is wrong otherwise', () => {
    expect(parseDay('9:00-12:00, 13:00 – 17:30')).toEqual([
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '17:30' },
    ]);
    expect(parseDay('  ')).toEqual([]);
    expect(parseDay('9 to 5')).toBe(
      '“9 to 5” is not a time range: write hours like 09:00-17:00, separated by commas',
    );
    expect(dayText([{ start: '09:00', end: '17:00' }])).toBe('09:00-17:00');
    expect(dayText(undefined)).toBe('');
    expect(parseHolidays('2026-12-24, 2026-12-25\n2026-12-31')).toEqual([
      '2026-12-24',
      '2026-12-25',
      '2026-12-31',
    ]);
  });
});

describe('instants in the organisation’s zone', () => {
  it('turns wall times into instants and back, also across a DST change', () => {
    expect(instantOf('2026-01-09T16:00', 'Europe/Berlin')).toBe(Date.parse('2026-01-09T15:00:00Z'));
    expect(instantOf('2026-07-09T16:00', 'Europe/Berlin')).toBe(Date.parse('2026-07-09T14:00:00Z'));
    // Sunday 2026-03-29 03:30 CEST, an hour after the change.
    expect(instantOf('2026-03-29T03:30', 'Europe/Berlin')).toBe(Date.parse('2026-03-29T01:30:00Z'));
    expect(instantOf('2026-03-08T12:00', 'America/New_York')).toBe(Date.parse('2026-03-08T16:00:00Z'));
    expect(wallTime(Date.parse('2026-01-09T15:00:00Z'), 'Europe/Berlin')).toBe('2026-01-09T16:00');
    expect(Number.isNaN(instantOf('soon', 'UTC'))).toBe(true);
  });

  it('shows due times as weekday, date and time in the zone', () => {
    expect(zoned('2026-01-13T09:00:00Z', 'Europe/Berlin')).toBe('Tue 13 Jan, 10:00');
    expect(duration(90)).toBe('1 h 30 min');
    expect(duration(2880)).toBe('2 d');
  });
});
