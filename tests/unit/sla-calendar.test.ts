/**
 * SLA calendar maths. Expected instants are worked out by hand (comments show local time), not by calling
 * the code under test. DST facts used: Europe/Berlin 2026-03-29 01:00Z (02:00 CET -> 03:00 CEST) and
 * 2026-10-25 01:00Z (03:00 CEST -> 02:00 CET); America/New_York 2026-03-08 07:00Z (02:00 EST -> 03:00 EDT)
 * and 2026-11-01 06:00Z (02:00 EDT -> 01:00 EST).
 */
import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SLA_TIMES } from '../../src/domain/sla-defaults.js';
import {
  addBusinessMinutes,
  type BusinessHours,
  BusinessHoursError,
  businessMinutesBetween,
  clockDeadline,
  clockRemaining,
  isOpen,
  nextOpening,
  type OpenInterval,
  openIntervals,
  parseBusinessHours,
  pauseClock,
  resumeClock,
  startClock,
  WEEKDAYS,
  type Weekday,
} from '../../src/workflows/sla-calendar.js';

const utc = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
};

const nineToFive: OpenInterval[] = [{ start: '09:00', end: '17:00' }];
const weekdays = (intervals: OpenInterval[]) => ({
  mon: intervals,
  tue: intervals,
  wed: intervals,
  thu: intervals,
  fri: intervals,
});
const allWeek = (intervals: OpenInterval[]) => ({ ...weekdays(intervals), sat: intervals, sun: intervals });

const berlin: BusinessHours = { timeZone: 'Europe/Berlin', weekly: weekdays(nineToFive) };
const newYork: BusinessHours = { timeZone: 'America/New_York', weekly: weekdays(nineToFive) };
const berlinAllDay: BusinessHours = {
  timeZone: 'Europe/Berlin',
  weekly: allWeek([{ start: '00:00', end: '24:00' }]),
};

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BusinessHoursError);
    return (err as BusinessHoursError).field;
  }
  throw new Error('expected a BusinessHoursError');
}

describe('DEFAULT_SLA_TIMES', () => {
  it('holds minutes per priority', () => {
    expect(DEFAULT_SLA_TIMES.urgent).toEqual({ firstResponseTime: 60, resolutionTime: 240 });
    expect(DEFAULT_SLA_TIMES.low.resolutionTime).toBe(4320);
  });
});

describe('addBusinessMinutes: ordinary days (Berlin winter, CET = UTC+1)', () => {
  it('carries over a weekend', () => {
    // Fri 2026-01-16 16:00 CET + 120 -> 60 on Friday, Mon 2026-01-19 09:00 + 60 = 10:00 CET.
    expect(addBusinessMinutes(utc('2026-01-16T15:00:00Z'), 120, berlin)).toBe(utc('2026-01-19T09:00:00Z'));
  });

  it('starts a Friday-evening ticket on Monday morning', () => {
    // Fri 20:00 CET, 4h first response -> Mon 09:00 + 4h = 13:00 CET.
    const start = new Date('2026-01-16T19:00:00Z');
    expect(addBusinessMinutes(start, DEFAULT_SLA_TIMES.high.firstResponseTime, berlin)).toBe(
      utc('2026-01-19T12:00:00Z'),
    );
  });

  it('starts the clock at opening when created before opening or after closing', () => {
    // Tue 07:30 CET + 60 -> 10:00 CET.
    expect(addBusinessMinutes(utc('2026-01-20T06:30:00Z'), 60, berlin)).toBe(utc('2026-01-20T09:00:00Z'));
    // Tue 18:00 CET + 60 -> Wed 10:00 CET.
    expect(addBusinessMinutes(utc('2026-01-20T17:00:00Z'), 60, berlin)).toBe(utc('2026-01-21T09:00:00Z'));
  });

  it('ends exactly at closing time rather than the next opening', () => {
    // Mon 16:00 CET + 60 -> 17:00 CET the same day.
    expect(addBusinessMinutes(utc('2026-01-19T15:00:00Z'), 60, berlin)).toBe(utc('2026-01-19T16:00:00Z'));
  });

  it('returns the start itself for 0 minutes and rejects negative minutes', () => {
    const sat = utc('2026-01-17T12:00:00Z');
    expect(addBusinessMinutes(sat, 0, berlin)).toBe(sat);
    expect(() => addBusinessMinutes(sat, -1, berlin)).toThrow(RangeError);
    expect(() => addBusinessMinutes(sat, Number.NaN, berlin)).toThrow(RangeError);
    expect(() => addBusinessMinutes(new Date('nope'), 1, berlin)).toThrow(TypeError);
  });

  it('counts a full week of 8h days as 40h', () => {
    // Mon 2026-01-19 09:00 CET + 40h business -> Fri 2026-01-23 17:00 CET.
    expect(addBusinessMinutes(utc('2026-01-19T08:00:00Z'), 40 * 60, berlin)).toBe(
      utc('2026-01-23T16:00:00Z'),
    );
  });
});

describe('holidays', () => {
  const christmas: BusinessHours = { ...berlin, holidays: ['2026-12-24', '2026-12-25', '2026-12-31'] };

  it('skips holidays and the weekend after them', () => {
    // Wed 2026-12-23 16:00 CET + 480: 60 on Wed; Thu 24 + Fri 25 holidays; weekend; Mon 28 09:00 + 420 = 16:00.
    expect(addBusinessMinutes(utc('2026-12-23T15:00:00Z'), 480, christmas)).toBe(utc('2026-12-28T15:00:00Z'));
  });

  it('treats a holiday as closed all day', () => {
    const thu = utc('2026-12-24T09:00:00Z'); // 10:00 CET on a holiday
    expect(isOpen(thu, christmas)).toBe(false);
    expect(isOpen(thu, berlin)).toBe(true);
    expect(nextOpening(thu, christmas)).toBe(utc('2026-12-28T08:00:00Z'));
    // Wed 23 16:00 CET .. Mon 28 10:00 CET = 60 + 60.
    expect(businessMinutesBetween(utc('2026-12-23T15:00:00Z'), utc('2026-12-28T09:00:00Z'), christmas)).toBe(
      120,
    );
  });

  it('uses the local date, not the UTC date', () => {
    const tokyo = (holidays: string[]): BusinessHours => ({
      timeZone: 'Asia/Tokyo',
      weekly: weekdays([{ start: '08:00', end: '18:00' }]),
      holidays,
    });
    // 2026-01-05T23:30Z is Tue 2026-01-06 08:30 JST.
    const at = utc('2026-01-05T23:30:00Z');
    expect(isOpen(at, tokyo(['2026-01-06']))).toBe(false);
    expect(isOpen(at, tokyo(['2026-01-05']))).toBe(true);
  });

  it('finds the first open day after two years of holidays', () => {
    // Open Mondays only; every Monday of 2026 and 2027 is a holiday -> first opening Mon 2028-01-03.
    const mondays: string[] = [];
    for (let t = utc('2026-01-05T00:00:00Z'); t < utc('2028-01-01T00:00:00Z'); t += 7 * 86_400_000) {
      mondays.push(new Date(t).toISOString().slice(0, 10));
    }
    const hours: BusinessHours = { timeZone: 'UTC', weekly: { mon: nineToFive }, holidays: mondays };
    expect(mondays).toHaveLength(104);
    expect(addBusinessMinutes(utc('2026-01-01T00:00:00Z'), 60, hours)).toBe(utc('2028-01-03T10:00:00Z'));
  });

  // Speed is a benchmark's business; here the long walks only have to come out right.
  it('walks a 72h SLA past a year of weekday holidays, and a 100-year budget', () => {
    const holidays: string[] = [];
    for (let t = utc('2026-01-01T00:00:00Z'); t < utc('2027-01-01T00:00:00Z'); t += 86_400_000) {
      const day = new Date(t).getUTCDay();
      if (day !== 0 && day !== 6) holidays.push(new Date(t).toISOString().slice(0, 10));
    }
    const hours: BusinessHours = { ...berlin, holidays };
    // First opening Fri 2027-01-01 09:00 CET; 72h = 9 working days: Jan 1, 4-8, 11-13 -> Wed 13 17:00 CET.
    expect(addBusinessMinutes(utc('2026-01-01T00:00:00Z'), 72 * 60, hours)).toBe(utc('2027-01-13T16:00:00Z'));
    // 100 years of 40h weeks.
    const far = addBusinessMinutes(utc('2027-01-04T08:00:00Z'), 100 * 52 * 40 * 60, hours);
    expect(businessMinutesBetween(utc('2027-01-04T08:00:00Z'), far, hours)).toBe(100 * 52 * 40 * 60);
  });
});

describe('multi-interval days (lunch break)', () => {
  const lunch: BusinessHours = {
    timeZone: 'Europe/Berlin',
    weekly: weekdays([
      { start: '13:00', end: '17:00' },
      { start: '09:00', end: '12:00' },
    ]),
  };

  it('pauses over lunch', () => {
    // Mon 2026-01-19 11:00 CET + 120 -> 60 until 12:00, 13:00 + 60 = 14:00 CET.
    expect(addBusinessMinutes(utc('2026-01-19T10:00:00Z'), 120, lunch)).toBe(utc('2026-01-19T13:00:00Z'));
    expect(businessMinutesBetween(utc('2026-01-19T10:00:00Z'), utc('2026-01-19T13:00:00Z'), lunch)).toBe(120);
    // 11:00 + 60 ends at 12:00, not 13:00.
    expect(addBusinessMinutes(utc('2026-01-19T10:00:00Z'), 60, lunch)).toBe(utc('2026-01-19T11:00:00Z'));
  });

  it('is closed during lunch and reopens at 13:00', () => {
    expect(isOpen(utc('2026-01-19T11:30:00Z'), lunch)).toBe(false);
    expect(isOpen(utc('2026-01-19T11:00:00Z'), lunch)).toBe(false); // 12:00 CET, end is exclusive
    expect(isOpen(utc('2026-01-19T10:59:59Z'), lunch)).toBe(true);
    expect(nextOpening(utc('2026-01-19T11:30:00Z'), lunch)).toBe(utc('2026-01-19T12:00:00Z'));
  });

  it('treats touching intervals and midnight as continuous', () => {
    const split: BusinessHours = {
      timeZone: 'UTC',
      weekly: {
        mon: [
          { start: '20:00', end: '22:00' },
          { start: '22:00', end: '24:00' },
        ],
        tue: [{ start: '00:00', end: '02:00' }],
      },
    };
    const midnight = utc('2026-01-20T00:00:00Z');
    expect(isOpen(midnight, split)).toBe(true);
    expect(isOpen(utc('2026-01-19T22:00:00Z'), split)).toBe(true);
    expect(nextOpening(midnight, split)).toBe(midnight);
    // Mon 21:00 + 240 -> Tue 01:00.
    expect(addBusinessMinutes(utc('2026-01-19T21:00:00Z'), 240, split)).toBe(utc('2026-01-20T01:00:00Z'));
  });
});

describe('DST: Europe/Berlin', () => {
  it('spring-forward weekend shifts the UTC deadline by an hour', () => {
    // Fri 2026-03-27 16:00 CET (15:00Z) + 120 -> Mon 2026-03-30 10:00 CEST = 08:00Z.
    expect(addBusinessMinutes(utc('2026-03-27T15:00:00Z'), 120, berlin)).toBe(utc('2026-03-30T08:00:00Z'));
  });

  it('fall-back weekend shifts the UTC deadline by an hour', () => {
    // Fri 2026-10-23 16:00 CEST (14:00Z) + 120 -> Mon 2026-10-26 10:00 CET = 09:00Z.
    expect(addBusinessMinutes(utc('2026-10-23T14:00:00Z'), 120, berlin)).toBe(utc('2026-10-26T09:00:00Z'));
  });

  it('a 00:00-24:00 day lasts 23h in spring and 25h in autumn', () => {
    // 2026-03-29 00:00 CET = 03-28T23:00Z; 2026-03-30 00:00 CEST = 03-29T22:00Z.
    expect(
      businessMinutesBetween(utc('2026-03-28T23:00:00Z'), utc('2026-03-29T22:00:00Z'), berlinAllDay),
    ).toBe(23 * 60);
    // 2026-10-25 00:00 CEST = 10-24T22:00Z; 2026-10-26 00:00 CET = 10-25T23:00Z.
    expect(
      businessMinutesBetween(utc('2026-10-24T22:00:00Z'), utc('2026-10-25T23:00:00Z'), berlinAllDay),
    ).toBe(25 * 60);
    // An always-open calendar is plain elapsed time across the transition.
    expect(addBusinessMinutes(utc('2026-03-28T23:00:00Z'), 24 * 60, berlinAllDay)).toBe(
      utc('2026-03-29T23:00:00Z'),
    );
  });

  it('an interval spanning the spring gap is an hour shorter', () => {
    const sunday: BusinessHours = {
      timeZone: 'Europe/Berlin',
      weekly: { sun: [{ start: '01:00', end: '05:00' }] },
    };
    // 01:00 CET = 00:00Z .. 05:00 CEST = 03:00Z.
    expect(businessMinutesBetween(utc('2026-03-28T00:00:00Z'), utc('2026-03-30T00:00:00Z'), sunday)).toBe(
      180,
    );
    // 00:00Z + 90 real minutes = 01:30Z (03:30 CEST).
    expect(addBusinessMinutes(utc('2026-03-29T00:00:00Z'), 90, sunday)).toBe(utc('2026-03-29T01:30:00Z'));
  });

  it('an interval starting inside the spring gap opens at the transition', () => {
    const gap: BusinessHours = {
      timeZone: 'Europe/Berlin',
      weekly: { sun: [{ start: '02:30', end: '04:00' }] },
    };
    // 02:30 does not exist; first local time >= 02:30 is 03:00 CEST = 01:00Z; 04:00 CEST = 02:00Z.
    expect(nextOpening(utc('2026-03-29T00:00:00Z'), gap)).toBe(utc('2026-03-29T01:00:00Z'));
    expect(isOpen(utc('2026-03-29T00:59:59Z'), gap)).toBe(false);
    expect(isOpen(utc('2026-03-29T01:00:00Z'), gap)).toBe(true);
    expect(businessMinutesBetween(utc('2026-03-29T00:00:00Z'), utc('2026-03-29T12:00:00Z'), gap)).toBe(60);
    // A normal Sunday (2026-03-22, CET) is open 90 minutes: 01:30Z..03:00Z.
    expect(businessMinutesBetween(utc('2026-03-22T00:00:00Z'), utc('2026-03-22T12:00:00Z'), gap)).toBe(90);
  });

  it('an interval spanning the repeated autumn hour is an hour longer', () => {
    const sunday: BusinessHours = {
      timeZone: 'Europe/Berlin',
      weekly: { sun: [{ start: '01:00', end: '05:00' }] },
    };
    // 01:00 CEST = 10-24T23:00Z .. 05:00 CET = 04:00Z -> 5h.
    expect(businessMinutesBetween(utc('2026-10-24T12:00:00Z'), utc('2026-10-25T12:00:00Z'), sunday)).toBe(
      300,
    );
    // 23:00Z + 150 = 01:30Z, i.e. the second 02:30 (CET).
    expect(addBusinessMinutes(utc('2026-10-24T23:00:00Z'), 150, sunday)).toBe(utc('2026-10-25T01:30:00Z'));
  });
});

describe('DST: America/New_York', () => {
  it('spring-forward weekend', () => {
    // Fri 2026-03-06 16:00 EST (21:00Z) + 120 -> Mon 2026-03-09 10:00 EDT = 14:00Z.
    expect(addBusinessMinutes(utc('2026-03-06T21:00:00Z'), 120, newYork)).toBe(utc('2026-03-09T14:00:00Z'));
  });

  it('fall-back weekend', () => {
    // Fri 2026-10-30 16:00 EDT (20:00Z) + 120 -> Mon 2026-11-02 10:00 EST = 15:00Z.
    expect(addBusinessMinutes(utc('2026-10-30T20:00:00Z'), 120, newYork)).toBe(utc('2026-11-02T15:00:00Z'));
  });

  it('a 24h Sunday lasts 23h / 25h, and the repeated 01:xx hour is counted', () => {
    const sundays: BusinessHours = {
      timeZone: 'America/New_York',
      weekly: { sun: [{ start: '00:00', end: '24:00' }] },
    };
    // 2026-03-08 00:00 EST = 05:00Z .. 03-09 00:00 EDT = 04:00Z.
    expect(businessMinutesBetween(utc('2026-03-07T12:00:00Z'), utc('2026-03-09T12:00:00Z'), sundays)).toBe(
      23 * 60,
    );
    // 2026-11-01 00:00 EDT = 04:00Z .. 11-02 00:00 EST = 05:00Z.
    expect(businessMinutesBetween(utc('2026-10-31T12:00:00Z'), utc('2026-11-02T12:00:00Z'), sundays)).toBe(
      25 * 60,
    );
    // 01:00 EDT (05:00Z) + 90 = 06:30Z = 01:30 EST.
    expect(addBusinessMinutes(utc('2026-11-01T05:00:00Z'), 90, sundays)).toBe(utc('2026-11-01T06:30:00Z'));
  });

  it('an interval starting in the spring gap', () => {
    const gap: BusinessHours = {
      timeZone: 'America/New_York',
      weekly: { sun: [{ start: '02:15', end: '03:30' }] },
    };
    // Opens at the transition 07:00Z (03:00 EDT), closes 03:30 EDT = 07:30Z.
    expect(nextOpening(utc('2026-03-08T05:00:00Z'), gap)).toBe(utc('2026-03-08T07:00:00Z'));
    expect(businessMinutesBetween(utc('2026-03-08T00:00:00Z'), utc('2026-03-09T00:00:00Z'), gap)).toBe(30);
  });
});

describe('DST: offset changes a week apart (America/Recife, 2000)', () => {
  // Recife kept DST for one week only: 2000-10-08 03:00Z (00:00 -03 -> 01:00 -02) and
  // 2000-10-15 02:00Z (00:00 -02 -> 23:00 -03). Week skipping must not see the two as cancelling out.
  const sundays: BusinessHours = {
    timeZone: 'America/Recife',
    weekly: { sun: [{ start: '00:00', end: '24:00' }] },
  };

  it('counts the 23h Sunday', () => {
    // Sunday 2000-10-08 opens at the transition 03:00Z and closes 10-09 00:00 -02 = 02:00Z.
    expect(businessMinutesBetween(utc('2000-10-07T12:00:00Z'), utc('2000-10-09T12:00:00Z'), sundays)).toBe(
      23 * 60,
    );
    // 2000-09-01 .. 2000-11-30 holds 13 Sundays, one of them 23h long.
    expect(businessMinutesBetween(utc('2000-09-01T00:00:00Z'), utc('2000-11-30T00:00:00Z'), sundays)).toBe(
      (13 * 24 - 1) * 60,
    );
    // The last of them, Sunday 2000-11-26, ends 11-27 00:00 -03 = 03:00Z.
    expect(addBusinessMinutes(utc('2000-09-01T00:00:00Z'), (13 * 24 - 1) * 60, sundays)).toBe(
      utc('2000-11-27T03:00:00Z'),
    );
  });
});

describe('24/7 (null calendar)', () => {
  it('is plain arithmetic', () => {
    const t = utc('2026-03-29T00:30:00Z');
    expect(addBusinessMinutes(t, 90, null)).toBe(t + 90 * 60_000);
    expect(addBusinessMinutes(new Date(t), 0.5, null)).toBe(t + 30_000);
    expect(businessMinutesBetween(t, t + 3_600_000, null)).toBe(60);
    expect(businessMinutesBetween(t + 3_600_000, t, null)).toBe(-60);
    expect(isOpen(t, null)).toBe(true);
    expect(nextOpening(t, null)).toBe(t);
  });
});

describe('businessMinutesBetween', () => {
  it('is signed and zero for equal instants', () => {
    const a = utc('2026-01-19T08:00:00Z');
    const b = utc('2026-01-19T10:00:00Z');
    expect(businessMinutesBetween(a, b, berlin)).toBe(120);
    expect(businessMinutesBetween(b, a, berlin)).toBe(-120);
    expect(businessMinutesBetween(a, a, berlin)).toBe(0);
    expect(Object.is(businessMinutesBetween(utc('2026-01-18T10:00:00Z'), a, berlin), 0)).toBe(true);
    expect(Object.is(businessMinutesBetween(a, utc('2026-01-18T10:00:00Z'), berlin), 0)).toBe(true);
  });

  it('counts a year of weekdays', () => {
    // 2026 has 261 weekdays (Jan 1 is a Thursday, 365 days); in UTC each is 8h.
    const utcHours: BusinessHours = { timeZone: 'UTC', weekly: weekdays(nineToFive) };
    expect(businessMinutesBetween(utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z'), utcHours)).toBe(
      261 * 8 * 60,
    );
    // Same in Berlin: business hours never straddle a transition.
    expect(businessMinutesBetween(utc('2026-01-01T00:00:00Z'), utc('2027-01-01T00:00:00Z'), berlin)).toBe(
      261 * 8 * 60,
    );
  });
});

describe('closed calendars', () => {
  it('throws instead of looping forever', () => {
    const never = { timeZone: 'UTC', weekly: {} } as BusinessHours;
    expect(() => addBusinessMinutes(0, 60, never)).toThrow(/never open/);
    expect(() => nextOpening(0, never)).toThrow(/never open/);
    const empty = { timeZone: 'UTC', weekly: { mon: [], sun: [] } } as BusinessHours;
    expect(() => addBusinessMinutes(0, 60, empty)).toThrow(BusinessHoursError);
  });
});

describe('parseBusinessHours', () => {
  const ok = { timeZone: 'Europe/Berlin', weekly: { mon: nineToFive } };

  it('accepts and normalises valid input', () => {
    const parsed = parseBusinessHours({
      timeZone: 'europe/berlin',
      weekly: {
        mon: [
          { start: '13:00', end: '24:00' },
          { start: '00:00', end: '12:00' },
        ],
        sat: [],
      },
      holidays: ['2026-12-25', '2026-01-01', '2026-12-25'],
    });
    expect(parsed).toEqual({
      timeZone: 'Europe/Berlin',
      weekly: {
        mon: [
          { start: '00:00', end: '12:00' },
          { start: '13:00', end: '24:00' },
        ],
        sat: [],
      },
      holidays: ['2026-01-01', '2026-12-25'],
    });
  });

  it('names the bad field', () => {
    expect(fieldOf(() => parseBusinessHours(null))).toBe('businessHours');
    expect(fieldOf(() => parseBusinessHours({ ...ok, timeZone: 'Mars/Olympus_Mons' }))).toBe('timeZone');
    expect(fieldOf(() => parseBusinessHours({ ...ok, timeZone: '' }))).toBe('timeZone');
    expect(fieldOf(() => parseBusinessHours({ weekly: ok.weekly }))).toBe('timeZone');
    expect(fieldOf(() => parseBusinessHours({ ...ok, timezone: 'UTC' }))).toBe('timezone');
    expect(fieldOf(() => parseBusinessHours({ ...ok, weekly: [] }))).toBe('weekly');
    expect(fieldOf(() => parseBusinessHours({ ...ok, weekly: { monday: nineToFive } }))).toBe(
      'weekly.monday',
    );
    expect(fieldOf(() => parseBusinessHours({ ...ok, weekly: { tue: { start: '09:00' } } }))).toBe(
      'weekly.tue',
    );
    expect(fieldOf(() => parseBusinessHours({ ...ok, weekly: { mon: ['09:00-17:00'] } }))).toBe(
      'weekly.mon[0]',
    );
    expect(
      fieldOf(() => parseBusinessHours({ ...ok, weekly: { mon: [{ start: '9:00', end: '17:00' }] } })),
    ).toBe('weekly.mon[0].start');
    expect(
      fieldOf(() => parseBusinessHours({ ...ok, weekly: { mon: [{ start: '24:00', end: '24:00' }] } })),
    ).toBe('weekly.mon[0].start');
    expect(
      fieldOf(() => parseBusinessHours({ ...ok, weekly: { fri: [{ start: '09:00', end: '24:30' }] } })),
    ).toBe('weekly.fri[0].end');
    expect(
      fieldOf(() => parseBusinessHours({ ...ok, weekly: { fri: [{ start: '09:60', end: '10:00' }] } })),
    ).toBe('weekly.fri[0].start');
    expect(
      fieldOf(() => parseBusinessHours({ ...ok, weekly: { tue: [{ start: '17:00', end: '09:00' }] } })),
    ).toBe('weekly.tue[0].end');
    expect(
      fieldOf(() => parseBusinessHours({ ...ok, weekly: { tue: [{ start: '09:00', end: '09:00' }] } })),
    ).toBe('weekly.tue[0].end');
    const overlapping = [
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '17:00' },
      { start: '11:00', end: '12:30' },
    ];
    expect(fieldOf(() => parseBusinessHours({ ...ok, weekly: { wed: overlapping } }))).toBe('weekly.wed[2]');
    expect(fieldOf(() => parseBusinessHours({ ...ok, weekly: {} }))).toBe('weekly');
    expect(fieldOf(() => parseBusinessHours({ ...ok, holidays: '2026-12-25' }))).toBe('holidays');
    expect(fieldOf(() => parseBusinessHours({ ...ok, holidays: ['2026-12-25', '2026-02-30'] }))).toBe(
      'holidays[1]',
    );
    expect(fieldOf(() => parseBusinessHours({ ...ok, holidays: ['25/12/2026'] }))).toBe('holidays[0]');
  });

  it('puts the field in the message', () => {
    expect(() => parseBusinessHours({ ...ok, timeZone: 'Nowhere/City' })).toThrow(
      /Invalid business hours: timeZone .*Nowhere\/City/,
    );
  });
});

describe('SLA clock', () => {
  it('pause and resume re-applies the remaining minutes from the resume instant', () => {
    // Mon 2026-01-19 09:00 CET, 8h budget; paused at 11:00 CET (120 used).
    let clock = startClock(480, utc('2026-01-19T08:00:00Z'));
    expect(clockDeadline(clock, berlin)).toBe(utc('2026-01-19T16:00:00Z'));
    clock = pauseClock(clock, utc('2026-01-19T10:00:00Z'), berlin);
    expect(clock.consumedMinutes).toBe(120);
    expect(clockDeadline(clock, berlin)).toBeNull();
    expect(clockRemaining(clock, utc('2026-01-20T10:00:00Z'), berlin)).toBe(360);
    expect(pauseClock(clock, utc('2026-01-20T10:00:00Z'), berlin)).toBe(clock);
    // Resumed Wed 14:00 CET: 180 to 17:00, Thu 09:00 + 180 = 12:00 CET.
    clock = resumeClock(clock, new Date('2026-01-21T13:00:00Z'));
    expect(resumeClock(clock, utc('2026-01-21T15:00:00Z'))).toBe(clock);
    expect(clockDeadline(clock, berlin)).toBe(utc('2026-01-22T11:00:00Z'));
    expect(clockRemaining(clock, utc('2026-01-21T15:00:00Z'), berlin)).toBe(240);
    // Overdue by Thu 13:00 CET: 60 minutes past.
    expect(clockRemaining(clock, utc('2026-01-22T12:00:00Z'), berlin)).toBe(-60);
  });

  it('pausing outside hours banks nothing extra', () => {
    // Started Fri 16:00 CET, paused Sat: 60 used.
    const clock = pauseClock(
      startClock(120, utc('2026-01-16T15:00:00Z')),
      utc('2026-01-17T12:00:00Z'),
      berlin,
    );
    expect(clock.consumedMinutes).toBe(60);
    // Resumed Sun -> counts from Mon 09:00: deadline Mon 10:00 CET.
    expect(clockDeadline(resumeClock(clock, utc('2026-01-18T12:00:00Z')), berlin)).toBe(
      utc('2026-01-19T09:00:00Z'),
    );
  });

  it('an exhausted clock resumed later is due at the resume instant', () => {
    let clock = startClock(60, utc('2026-01-19T08:00:00Z'));
    clock = pauseClock(clock, utc('2026-01-19T10:00:00Z'), berlin);
    expect(clock.consumedMinutes).toBe(120);
    clock = resumeClock(clock, utc('2026-01-20T10:00:00Z'));
    expect(clockDeadline(clock, berlin)).toBe(utc('2026-01-20T10:00:00Z'));
    expect(clockRemaining(clock, utc('2026-01-20T10:00:00Z'), berlin)).toBe(-60);
  });
});

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Australia/Lord_Howe', // 30-minute DST shift
  'Asia/Kathmandu', // +05:45
  'America/St_Johns', // -03:30 with DST
  'Pacific/Auckland',
  'America/Santiago',
  'Asia/Tokyo',
];
const MIN_T = utc('2024-01-01T00:00:00Z');
const MAX_T = utc('2029-01-01T00:00:00Z');

const hhmm = (m: number): string =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** 0-3 non-overlapping intervals on a 15-minute grid. */
const dayArb = fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 6 }).map((points) => {
  const sorted = [...points].sort((a, b) => a - b);
  const out: OpenInterval[] = [];
  for (let i = 0; i + 1 < sorted.length; i += 2) {
    out.push({ start: hhmm(sorted[i]! * 15), end: hhmm(sorted[i + 1]! * 15) });
  }
  return out;
});

const dateArb = fc
  .integer({ min: MIN_T / 86_400_000, max: MAX_T / 86_400_000 })
  .map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10));

const hoursArb: fc.Arbitrary<BusinessHours> = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    days: fc.tuple(dayArb, dayArb, dayArb, dayArb, dayArb, dayArb, dayArb),
    holidays: fc.array(dateArb, { maxLength: 30 }),
  })
  .filter(({ days }) => days.some((d) => d.length > 0))
  .map(({ timeZone, days, holidays }) => {
    const weekly: Partial<Record<Weekday, OpenInterval[]>> = {};
    WEEKDAYS.forEach((wd, i) => {
      if (days[i]!.length > 0) weekly[wd] = days[i]!;
    });
    return { timeZone, weekly, holidays };
  });

const instantArb = fc.integer({ min: MIN_T, max: MAX_T });
const minutesArb = fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 200_000 }));

/** Reference: is the instant's local wall time inside an interval (ignores ambiguous/gap subtleties). */
function referenceOpen(t: number, hours: BusinessHours): boolean {
  const zone = IANAZone.create(hours.timeZone);
  const wall = new Date(t + zone.offset(t) * 60_000);
  const date = wall.toISOString().slice(0, 10);
  if (hours.holidays?.includes(date)) return false;
  const wd = WEEKDAYS[(wall.getUTCDay() + 6) % 7]!;
  const minute = wall.getUTCHours() * 60 + wall.getUTCMinutes() + wall.getUTCSeconds() / 60;
  const toMin = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
  return (hours.weekly[wd] ?? []).some((iv) => toMin(iv.start) <= minute && minute < toMin(iv.end));
}

describe('properties', () => {
  it('businessMinutesBetween(s, addBusinessMinutes(s, m)) === m', () => {
    fc.assert(
      fc.property(hoursArb, instantArb, minutesArb, (hours, s, m) => {
        const end = addBusinessMinutes(s, m, hours);
        expect(end).toBeGreaterThanOrEqual(s);
        expect(businessMinutesBetween(s, end, hours)).toBe(m);
        if (m > 0) {
          // Earliest such instant: one millisecond earlier is not enough, and it is open just before.
          expect(businessMinutesBetween(s, end - 1, hours)).toBeLessThan(m);
          expect(isOpen(end - 1, hours)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('addBusinessMinutes composes: add(s, a + b) === add(add(s, a), b)', () => {
    fc.assert(
      fc.property(
        hoursArb,
        instantArb,
        fc.integer({ min: 1, max: 30_000 }),
        fc.integer({ min: 1, max: 30_000 }),
        (hours, s, a, b) => {
          expect(addBusinessMinutes(s, a + b, hours)).toBe(
            addBusinessMinutes(addBusinessMinutes(s, a, hours), b, hours),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('businessMinutesBetween is additive over long ranges (week skipping agrees with day stepping)', () => {
    fc.assert(
      fc.property(hoursArb, fc.array(instantArb, { minLength: 3, maxLength: 3 }), (hours, points) => {
        const [a, b, c] = [...points].sort((x, y) => x - y) as [number, number, number];
        const whole = businessMinutesBetween(a, c, hours);
        const parts = businessMinutesBetween(a, b, hours) + businessMinutesBetween(b, c, hours);
        expect(Math.round(whole * 60_000)).toBe(Math.round(parts * 60_000));
        // Day-by-day sum (windows too short to skip weeks).
        let stepped = 0;
        for (let t = b; t < c && t < b + 60 * 86_400_000; t += 86_400_000) {
          stepped += businessMinutesBetween(t, Math.min(t + 86_400_000, c), hours);
        }
        const end = Math.min(c, b + 60 * 86_400_000);
        expect(Math.round(stepped * 60_000)).toBe(Math.round(businessMinutesBetween(b, end, hours) * 60_000));
      }),
      // Each run steps up to 60 days one by one: 60 runs keep this near 2 s on a loaded 2-core machine.
      { numRuns: 60 },
    );
  });

  it('isOpen and nextOpening agree with a wall-clock reference away from DST transitions', () => {
    fc.assert(
      fc.property(hoursArb, instantArb, (hours, t) => {
        const zone = IANAZone.create(hours.timeZone);
        fc.pre(zone.offset(t - 6 * 3_600_000) === zone.offset(t + 6 * 3_600_000));
        expect(isOpen(t, hours)).toBe(referenceOpen(t, hours));
        const next = nextOpening(t, hours);
        expect(next).toBeGreaterThanOrEqual(t);
        expect(isOpen(next, hours)).toBe(true);
        if (next > t) expect(businessMinutesBetween(t, next, hours)).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('pausing and resuming at the same instant never moves the deadline', () => {
    fc.assert(
      fc.property(
        hoursArb,
        instantArb,
        fc.integer({ min: 1, max: 20_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (hours, s, budget, frac) => {
          const clock = startClock(budget, s);
          const deadline = clockDeadline(clock, hours)!;
          const at = Math.floor(s + (deadline - s) * frac);
          const resumed = resumeClock(pauseClock(clock, at, hours), at);
          expect(clockDeadline(resumed, hours)).toBe(deadline);
          expect(clockRemaining(resumed, at, hours)).toBeCloseTo(clockRemaining(clock, at, hours), 9);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a paused stretch shifts the deadline by exactly the business time it covered', () => {
    fc.assert(
      fc.property(
        hoursArb,
        instantArb,
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 0, max: 30 * 86_400_000 }),
        fc.integer({ min: 0, max: 30 * 86_400_000 }),
        (hours, s, budget, runFor, pauseFor) => {
          const pausedAt = s + runFor;
          const resumedAt = pausedAt + pauseFor;
          let clock = startClock(budget, s);
          clock = pauseClock(clock, pausedAt, hours);
          clock = resumeClock(clock, resumedAt);
          const used = businessMinutesBetween(s, pausedAt, hours);
          expect(clock.consumedMinutes).toBe(used);
          const deadline = clockDeadline(clock, hours)!;
          expect(deadline).toBeGreaterThanOrEqual(resumedAt);
          if (used <= budget) {
            // Business time before the pause plus after the resume adds up to the budget.
            expect(used + businessMinutesBetween(resumedAt, deadline, hours)).toBeCloseTo(budget, 6);
          } else {
            expect(deadline).toBe(resumedAt);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('openIntervals (the preview calendar)', () => {
  it('lists the open stretches of a window, clipped, skipping the weekend and holidays', () => {
    const hours: BusinessHours = { ...berlin, holidays: ['2026-01-12'] };
    // Fri 2026-01-09 16:00 CET .. Tue 13 12:00 CET: Fri 16-17, (weekend, Mon holiday), Tue 09-12.
    expect(openIntervals(utc('2026-01-09T15:00:00Z'), utc('2026-01-13T11:00:00Z'), hours)).toEqual([
      [utc('2026-01-09T15:00:00Z'), utc('2026-01-09T16:00:00Z')],
      [utc('2026-01-13T08:00:00Z'), utc('2026-01-13T11:00:00Z')],
    ]);
  });

  it('follows the offset across a DST change and stops at the limit', () => {
    // Fri 2026-03-27 and Mon 30 (CEST from Sunday): 09:00 local is 08:00Z, then 07:00Z.
    const spans = openIntervals(utc('2026-03-27T00:00:00Z'), utc('2026-04-30T00:00:00Z'), berlin, 2);
    expect(spans).toEqual([
      [utc('2026-03-27T08:00:00Z'), utc('2026-03-27T16:00:00Z')],
      [utc('2026-03-30T07:00:00Z'), utc('2026-03-30T15:00:00Z')],
    ]);
  });

  it('is one stretch without business hours, and nothing for an empty window', () => {
    expect(openIntervals(1_000, 5_000, null)).toEqual([[1_000, 5_000]]);
    expect(openIntervals(5_000, 5_000, berlin)).toEqual([]);
  });

  it('adds up to businessMinutesBetween, in order and never overlapping', () => {
    fc.assert(
      fc.property(hoursArb, instantArb, fc.integer({ min: 0, max: 20 * 86_400_000 }), (hours, s, span) => {
        const spans = openIntervals(s, s + span, hours, 1_000);
        const total = spans.reduce((sum, [a, b]) => sum + (b - a), 0) / 60_000;
        expect(total).toBeCloseTo(businessMinutesBetween(s, s + span, hours), 6);
        for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
      }),
      { numRuns: 200 },
    );
  });
});
