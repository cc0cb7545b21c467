// Business hours as the admin pages write them, and instants in the organisation's zone. Pure, so the
// unit tests read them without a browser.

export const WEEKDAYS = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
] as const;
export type Weekday = (typeof WEEKDAYS)[number][0];

export interface Interval {
  start: string;
  end: string;
}
export interface BusinessHours {
  timeZone: string;
  weekly: Partial<Record<Weekday, Interval[]>>;
  holidays?: string[];
}

/** A day's intervals as one line: "09:00-12:00, 13:00-17:00"; empty when closed. */
export const dayText = (intervals: Interval[] | undefined) =>
  (intervals ?? []).map((i) => `${i.start}-${i.end}`).join(', ');

const INTERVAL = /^(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$/;
const pad = (time: string) => time.padStart(5, '0');

/** One day's line back into intervals; a string saying what is wrong when it cannot be read. */
export function parseDay(text: string): Interval[] | string {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const intervals: Interval[] = [];
  for (const part of parts) {
    const m = INTERVAL.exec(part);
    if (!m) return `“${part}” is not a time range: write hours like 09:00-17:00, separated by commas`;
    intervals.push({ start: pad(m[1]!), end: pad(m[2]!) });
  }
  return intervals;
}

/** Dates separated by commas, spaces or lines; the API checks each is real. */
export const parseHolidays = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** The wall-clock parts of an instant in a zone. */
function wallParts(ms: number, timeZone: string | undefined) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(ms);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour'), mi: get('minute') };
}

// Each takes the zone of the organisation's business hours; undefined is the browser's own.

/** An instant as the value of an `<input type="datetime-local">` in the zone: "2026-01-09T16:00". */
export function wallTime(ms: number, timeZone: string | undefined) {
  const { y, mo, d, h, mi } = wallParts(ms, timeZone);
  return `${y}-${mo}-${d}T${h}:${mi}`;
}

/** The instant a wall time ("2026-01-09T16:00") names in the zone; in a DST gap, an hour either side. */
export function instantOf(wall: string, timeZone: string | undefined): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(wall);
  if (!m) return Number.NaN;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  const offset = (t: number) => {
    const p = wallParts(t, timeZone);
    return Date.UTC(+p.y, +p.mo - 1, +p.d, +p.h, +p.mi) - t;
  };
  // Twice: the offset at the first guess may differ from the one at the answer near a DST change.
  const guess = asUtc - offset(asUtc);
  return asUtc - offset(guess);
}

/** "Tue 13 Jan, 10:00" in the zone: the day and time admins think of their opening hours in. */
export const zoned = (ms: number | string, timeZone: string | undefined) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(typeof ms === 'string' ? Date.parse(ms) : ms);

/** Minutes as "1 h 30 min", "2 d" (whole business minutes). */
export function duration(minutes: number) {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d && `${d} d`, h && `${h} h`, m && `${m} min`].filter(Boolean).join(' ') || '0 min';
}
