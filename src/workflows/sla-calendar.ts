/**
 * Business-hours calendar maths for SLA clocks.
 *
 * Pure and deterministic (no clock, no I/O, no env) so it can run inside the Temporal workflow sandbox.
 * Time-zone rules come from luxon's IANAZone, i.e. from the runtime's Intl tz data.
 *
 * Semantics:
 * - Open intervals are half-open `[start, end)` in local wall-clock time; `end` may be '24:00'.
 * - A wall time maps to the earliest instant whose local time is >= it. So a time inside a spring-forward
 *   gap maps to the transition instant, and an ambiguous fall-back time to its first occurrence. A day
 *   open 00:00-24:00 therefore lasts 23 h or 25 h on DST days, exactly like real elapsed time.
 * - Holidays are whole local days closed.
 *
 * Assumption: a zone's UTC offset does not change twice within ~52 hours (offsets are sampled that far
 * apart). Holds for every Intl zone 1990-2100 in Node 20's tz data: the closest pairs are ~7 days apart.
 */

import { IANAZone } from 'luxon';
import { type BusinessHours, type OpenInterval, WEEKDAYS, type Weekday } from '../domain/business-hours.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../domain/vocabulary.js';

export type { BusinessHours, OpenInterval, Weekday };
export { WEEKDAYS };

/** Instant as a Date or epoch milliseconds. */
export type Instant = Date | number;

/** Thrown by parseBusinessHours; `field` is a path such as 'weekly.mon[1].end'. */
export class BusinessHoursError extends Error {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`Invalid business hours: ${field} ${problem}`);
    this.name = 'BusinessHoursError';
    this.field = field;
  }
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

const TIME_RE = /^(\d{2}):(\d{2})$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TOP_LEVEL_KEYS = new Set(['timeZone', 'weekly', 'holidays']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseTime(value: unknown, field: string, isEnd: boolean): number {
  const m = typeof value === 'string' ? TIME_RE.exec(value) : null;
  if (!m) throw new BusinessHoursError(field, `must be a 'HH:mm' string (got ${JSON.stringify(value)})`);
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  const valid = Number(m[2]) < 60 && (minutes < 24 * 60 || (isEnd && minutes === 24 * 60));
  if (!valid) {
    const range = isEnd ? '00:01 and 24:00' : '00:00 and 23:59';
    throw new BusinessHoursError(field, `must be between ${range} (got ${JSON.stringify(value)})`);
  }
  return minutes;
}

/** Local date 'YYYY-MM-DD' -> days since 1970-01-01, or null if not a real date. */
function parseDate(value: string): number | null {
  const m = DATE_RE.exec(value);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return ms / DAY;
}

function canonicalZone(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new BusinessHoursError('timeZone', `must be an IANA time-zone name (got ${JSON.stringify(value)})`);
  }
  if (!IANAZone.isValidZone(value)) {
    throw new BusinessHoursError('timeZone', `is not a known IANA time zone (got ${JSON.stringify(value)})`);
  }
  // Canonical casing ('europe/berlin' -> 'Europe/Berlin') so stored settings compare equal.
  return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
}

/**
 * Validates untrusted input (e.g. organisation settings) and returns a normalised copy: canonical zone
 * name, intervals sorted by start, holidays sorted and de-duplicated. Throws BusinessHoursError naming
 * the offending field.
 */
export function parseBusinessHours(input: unknown): BusinessHours {
  if (!isRecord(input)) throw new BusinessHoursError('businessHours', 'must be an object');
  for (const key of Object.keys(input)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw new BusinessHoursError(key, 'is not a recognised field');
  }

  const timeZone = canonicalZone(input.timeZone);

  if (!isRecord(input.weekly)) throw new BusinessHoursError('weekly', 'must be an object keyed by mon..sun');
  const weekly: Partial<Record<Weekday, OpenInterval[]>> = {};
  let anyOpen = false;
  for (const [key, rawDay] of Object.entries(input.weekly)) {
    if (!(WEEKDAYS as readonly string[]).includes(key)) {
      throw new BusinessHoursError(
        `weekly.${key}`,
        `is not a weekday (expected one of ${WEEKDAYS.join(', ')})`,
      );
    }
    if (rawDay === undefined) continue;
    if (!Array.isArray(rawDay))
      throw new BusinessHoursError(`weekly.${key}`, 'must be an array of intervals');
    const parsed = rawDay.map((raw: unknown, i) => {
      const field = `weekly.${key}[${i}]`;
      if (!isRecord(raw)) throw new BusinessHoursError(field, 'must be an object { start, end }');
      const start = parseTime(raw.start, `${field}.start`, false);
      const end = parseTime(raw.end, `${field}.end`, true);
      if (end <= start) {
        throw new BusinessHoursError(`${field}.end`, `must be after start (got ${raw.start}-${raw.end})`);
      }
      return { field, start, end, interval: { start: raw.start as string, end: raw.end as string } };
    });
    parsed.sort((a, b) => a.start - b.start);
    for (let i = 1; i < parsed.length; i++) {
      const prev = parsed[i - 1]!;
      const cur = parsed[i]!;
      if (cur.start < prev.end) throw new BusinessHoursError(cur.field, `overlaps ${prev.field}`);
    }
    weekly[key as Weekday] = parsed.map((p) => p.interval);
    anyOpen ||= parsed.length > 0;
  }
  if (!anyOpen)
    throw new BusinessHoursError('weekly', 'has no open intervals; the calendar would never open');

  const result: BusinessHours = { timeZone, weekly };
  if (input.holidays !== undefined) {
    if (!Array.isArray(input.holidays)) {
      throw new BusinessHoursError('holidays', "must be an array of 'YYYY-MM-DD' dates");
    }
    const holidays = input.holidays.map((h: unknown, i) => {
      if (typeof h !== 'string' || parseDate(h) === null) {
        throw new BusinessHoursError(
          `holidays[${i}]`,
          `must be a real 'YYYY-MM-DD' date (got ${JSON.stringify(h)})`,
        );
      }
      return h;
    });
    result.holidays = [...new Set(holidays)].sort();
  }
  return result;
}

// ---------------------------------------------------------------------------
// Compiled calendar
// ---------------------------------------------------------------------------

const MINUTE = MINUTE_MS;
const DAY = DAY_MS;
const WEEK = 7 * DAY;
/** Real UTC offsets lie within [-12h, +14h]; padding a wall time by 14h lands safely outside its day. */
const PAD = 14 * HOUR_MS;

type Span = readonly [start: number, end: number];

interface Compiled {
  zone: IANAZone;
  /** Merged local spans in minutes of day, index 0 = Monday. */
  days: ReadonlyArray<readonly Span[]>;
  weekMs: number;
  holidays: ReadonlySet<number>;
  sortedHolidays: readonly number[];
  /** More consecutive closed days than this means the calendar can never open. */
  maxClosedRun: number;
}

const compiledCache = new WeakMap<BusinessHours, Compiled>();

/** Hours objects are treated as immutable: compiled once per object. */
function compile(hours: BusinessHours): Compiled {
  const cached = compiledCache.get(hours);
  if (cached) return cached;
  const parsed = parseBusinessHours(hours);
  const days = WEEKDAYS.map((wd) => {
    const merged: [number, number][] = [];
    for (const iv of parsed.weekly[wd] ?? []) {
      const s = parseTime(iv.start, wd, false);
      const e = parseTime(iv.end, wd, true);
      const last = merged[merged.length - 1];
      // Touching intervals (12:00-13:00, 13:00-14:00) behave as one.
      if (last && last[1] >= s) last[1] = Math.max(last[1], e);
      else merged.push([s, e]);
    }
    return merged as readonly Span[];
  });
  const holidayDays = (parsed.holidays ?? []).map((h) => parseDate(h)!);
  const compiled: Compiled = {
    zone: IANAZone.create(parsed.timeZone),
    days,
    weekMs: days.reduce((sum, spans) => sum + spans.reduce((s, [a, b]) => s + (b - a), 0), 0) * MINUTE,
    holidays: new Set(holidayDays),
    sortedHolidays: [...holidayDays].sort((a, b) => a - b),
    // Each holiday can remove at most one open day; one spare week covers DST-emptied intervals.
    maxClosedRun: 7 * (holidayDays.length + 2),
  };
  compiledCache.set(hours, compiled);
  return compiled;
}

function closedForever(): Error {
  return new Error('Business hours calendar has no open time: cannot compute an SLA deadline');
}

function toMs(value: Instant, name: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms))
    throw new TypeError(`${name} must be a valid Date or epoch ms`);
  return ms;
}

function checkMinutes(minutes: number, name: string): void {
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new RangeError(`${name} must be a finite, non-negative number of minutes (got ${minutes})`);
  }
}

function offsetMs(c: Compiled, t: number): number {
  return c.zone.offset(t) * MINUTE;
}

/** Local calendar day (days since 1970-01-01) containing instant t. */
function localDay(c: Compiled, t: number): number {
  return Math.floor((t + offsetMs(c, t)) / DAY);
}

/** Day 0 (1970-01-01) was a Thursday; returns 0 = Monday. */
function weekdayIndex(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/**
 * Earliest instant whose wall time is >= `wall` (wall time expressed as fake-UTC ms). `before`/`after` are
 * offsets sampled safely before and after; equal means no transition nearby.
 */
function wallToInstant(c: Compiled, wall: number, before: number, after: number): number {
  if (before === after) return wall - before;
  let best = Number.POSITIVE_INFINITY;
  for (const o of [before, after]) {
    const t = wall - o;
    if (offsetMs(c, t) === o && t < best) best = t;
  }
  if (best !== Number.POSITIVE_INFINITY) return best; // exists; first occurrence if ambiguous
  // Spring-forward gap: binary-search the transition instant (wall(lo) < target <= wall(hi)).
  let lo = Math.min(wall - before, wall - after);
  let hi = Math.max(wall - before, wall - after);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid + offsetMs(c, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

const NO_SPANS: readonly Span[] = [];

/** Non-empty open intervals of a local day as instants, in order. */
function dayIntervals(c: Compiled, day: number): readonly Span[] {
  const spans = c.days[weekdayIndex(day)]!;
  if (spans.length === 0 || c.holidays.has(day)) return NO_SPANS;
  const w0 = day * DAY;
  const before = offsetMs(c, w0 - PAD);
  const after = offsetMs(c, w0 + DAY + PAD);
  const out: Span[] = [];
  for (const [a, b] of spans) {
    const s = wallToInstant(c, w0 + a * MINUTE, before, after);
    const e = wallToInstant(c, w0 + b * MINUTE, before, after);
    if (e > s) out.push([s, e]);
  }
  return out;
}

/**
 * Can the 7 local days starting at `day` be treated as one block of `weekMs` open time? Returns the
 * window's start instant, or a day before which not to retry (past a holiday, or next day on an offset
 * change).
 */
function tryWeek(c: Compiled, day: number): { start: number } | { retryFrom: number } {
  const h = firstHolidayFrom(c, day);
  if (h !== undefined && h < day + 7) return { retryFrom: h + 1 };
  const w0 = day * DAY;
  const before = offsetMs(c, w0 - PAD);
  // Sample every ~49h, no coarser than dayIntervals, so two changes that cancel out cannot slip through.
  const step = (WEEK + 2 * PAD) / 4;
  for (let i = 1; i <= 4; i++) {
    if (offsetMs(c, w0 - PAD + i * step) !== before) return { retryFrom: day + 1 };
  }
  return { start: w0 - before };
}

function firstHolidayFrom(c: Compiled, day: number): number | undefined {
  const list = c.sortedHolidays;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < day) lo = mid + 1;
    else hi = mid;
  }
  return list[lo];
}

// ---------------------------------------------------------------------------
// Public calendar API
// ---------------------------------------------------------------------------

/**
 * The earliest instant at which `minutes` business minutes have elapsed since `start` (epoch ms, 1 ms
 * resolution). If `start` is outside hours the clock starts at the next opening; 0 minutes returns
 * `start`. `hours === null` means 24/7. Throws if the calendar never opens.
 */
export function addBusinessMinutes(start: Instant, minutes: number, hours: BusinessHours | null): number {
  const t0 = toMs(start, 'start');
  checkMinutes(minutes, 'minutes');
  let rem = Math.round(minutes * MINUTE);
  if (hours === null || rem === 0) return t0 + rem;
  const c = compile(hours);
  let closedRun = 0;
  let retryWeekFrom = Number.NEGATIVE_INFINITY;
  for (let day = localDay(c, t0) - 1; ; day++) {
    // Whole weeks after t0 are skipped in O(1) when they hold no holiday and no offset change.
    if (rem > c.weekMs && day >= retryWeekFrom && day * DAY - PAD >= t0) {
      const week = tryWeek(c, day);
      if ('start' in week) {
        rem -= c.weekMs;
        day += 6;
        closedRun = 0;
        continue;
      }
      retryWeekFrom = week.retryFrom;
    }
    const spans = dayIntervals(c, day);
    if (spans.length === 0) {
      if (++closedRun > c.maxClosedRun) throw closedForever();
      continue;
    }
    closedRun = 0;
    for (const [s, e] of spans) {
      if (e <= t0) continue;
      const from = Math.max(s, t0);
      if (rem <= e - from) return from + rem;
      rem -= e - from;
    }
  }
}

/**
 * Business minutes elapsed between two instants. Signed: negative when `to` is before `from` (e.g. how
 * far past a deadline). `hours === null` means 24/7.
 */
export function businessMinutesBetween(from: Instant, to: Instant, hours: BusinessHours | null): number {
  const a = toMs(from, 'from');
  const b = toMs(to, 'to');
  if (b < a) {
    const forward = businessMinutesBetween(b, a, hours);
    return forward === 0 ? 0 : -forward;
  }
  if (hours === null) return (b - a) / MINUTE;
  if (a === b) return 0;
  const c = compile(hours);
  let acc = 0;
  let retryWeekFrom = Number.NEGATIVE_INFINITY;
  for (let day = localDay(c, a) - 1; day * DAY - PAD < b; day++) {
    if (day >= retryWeekFrom && day * DAY - PAD >= a && (day + 7) * DAY + PAD <= b) {
      const week = tryWeek(c, day);
      if ('start' in week) {
        acc += c.weekMs;
        day += 6;
        continue;
      }
      retryWeekFrom = week.retryFrom;
    }
    for (const [s, e] of dayIntervals(c, day)) {
      const lo = Math.max(s, a);
      const hi = Math.min(e, b);
      if (hi > lo) acc += hi - lo;
    }
  }
  return acc / MINUTE;
}

/** Whether business hours are open at the instant (`null` = always). */
export function isOpen(at: Instant, hours: BusinessHours | null): boolean {
  const t = toMs(at, 'at');
  if (hours === null) return true;
  const c = compile(hours);
  const day = localDay(c, t);
  // Neighbouring days too: around a fall-back near midnight, wall days and instants interleave.
  for (let d = day - 1; d <= day + 1; d++) {
    for (const [s, e] of dayIntervals(c, d)) if (s <= t && t < e) return true;
  }
  return false;
}

/** `at` itself if open, otherwise the start of the next open interval. Throws if the calendar never opens. */
export function nextOpening(at: Instant, hours: BusinessHours | null): number {
  const t = toMs(at, 'at');
  if (hours === null) return t;
  const c = compile(hours);
  let closedRun = 0;
  for (let day = localDay(c, t) - 1; ; day++) {
    const spans = dayIntervals(c, day);
    for (const [s, e] of spans) if (e > t) return Math.max(s, t);
    if (spans.length === 0 && ++closedRun > c.maxClosedRun) throw closedForever();
    if (spans.length > 0) closedRun = 0;
  }
}

// ---------------------------------------------------------------------------
// SLA clock: a business-minute budget that can be paused (e.g. ticket 'pending') and resumed.
// Plain JSON data so it can live in workflow state.
// ---------------------------------------------------------------------------

export interface SlaClock {
  readonly budgetMinutes: number;
  /** Business minutes consumed up to the last pause (excludes the current running stretch). */
  readonly consumedMinutes: number;
  /** Epoch ms the current running stretch began; null while paused. */
  readonly runningSince: number | null;
}

export function startClock(budgetMinutes: number, at: Instant): SlaClock {
  checkMinutes(budgetMinutes, 'budgetMinutes');
  return { budgetMinutes, consumedMinutes: 0, runningSince: toMs(at, 'at') };
}

/** Banks business time used so far. No-op if already paused. */
export function pauseClock(clock: SlaClock, at: Instant, hours: BusinessHours | null): SlaClock {
  if (clock.runningSince === null) return clock;
  const used = Math.max(0, businessMinutesBetween(clock.runningSince, at, hours));
  return { ...clock, consumedMinutes: clock.consumedMinutes + used, runningSince: null };
}

/** No-op if already running. */
export function resumeClock(clock: SlaClock, at: Instant): SlaClock {
  if (clock.runningSince !== null) return clock;
  return { ...clock, runningSince: toMs(at, 'at') };
}

/**
 * The clock as if it had started `minutes` business minutes later: the earliest time used goes first
 * (banked time, then the start of the running stretch, which never moves past `now`).
 */
export function skipClockStart(
  clock: SlaClock,
  minutes: number,
  now: Instant,
  hours: BusinessHours | null,
): SlaClock {
  const fromBank = Math.min(clock.consumedMinutes, Math.max(0, minutes));
  const rest = Math.max(0, minutes) - fromBank;
  const runningSince =
    clock.runningSince === null || rest === 0
      ? clock.runningSince
      : Math.min(toMs(now, 'now'), addBusinessMinutes(clock.runningSince, rest, hours));
  return { ...clock, consumedMinutes: clock.consumedMinutes - fromBank, runningSince };
}

/** When the budget runs out (epoch ms), or null while paused. Already-exhausted clocks return the resume time. */
export function clockDeadline(clock: SlaClock, hours: BusinessHours | null): number | null {
  if (clock.runningSince === null) return null;
  const remaining = Math.max(0, clock.budgetMinutes - clock.consumedMinutes);
  return addBusinessMinutes(clock.runningSince, remaining, hours);
}

/** Business minutes left at `at`; negative once overdue. */
export function clockRemaining(clock: SlaClock, at: Instant, hours: BusinessHours | null): number {
  const running =
    clock.runningSince === null ? 0 : Math.max(0, businessMinutesBetween(clock.runningSince, at, hours));
  return clock.budgetMinutes - clock.consumedMinutes - running;
}

/**
 * The open stretches overlapping `[from, to)`, clipped to it, in order, at most `limit` of them (a
 * preview's calendar). `hours === null` is one stretch: always open.
 */
export function openIntervals(
  from: Instant,
  to: Instant,
  hours: BusinessHours | null,
  limit = 100,
): [start: number, end: number][] {
  const a = toMs(from, 'from');
  const b = toMs(to, 'to');
  if (b <= a) return [];
  if (hours === null) return [[a, b]];
  const c = compile(hours);
  const out: [number, number][] = [];
  for (let day = localDay(c, a) - 1; day * DAY - PAD < b && out.length < limit; day++) {
    for (const [s, e] of dayIntervals(c, day)) {
      const lo = Math.max(s, a);
      const hi = Math.min(e, b);
      if (hi > lo && out.length < limit) out.push([lo, hi]);
    }
  }
  return out;
}
