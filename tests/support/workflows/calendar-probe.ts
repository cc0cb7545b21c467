/**
 * Proves luxon's IANA zone support (Intl.DateTimeFormat with timeZone) works inside the Temporal workflow
 * sandbox. Bundled by the Worker through `workflowsPath`.
 */
import {
  addBusinessMinutes,
  type BusinessHours,
  parseBusinessHours,
} from '../../../src/workflows/sla-calendar.js';

const berlin: BusinessHours = {
  timeZone: 'Europe/Berlin',
  weekly: { mon: [{ start: '09:00', end: '17:00' }], fri: [{ start: '09:00', end: '17:00' }] },
};

export interface CalendarProbeResult {
  /** Fri 2026-03-27 16:00 CET + 120 business minutes; expected Mon 2026-03-30 10:00 CEST = 08:00Z. */
  deadline: string;
  /** parseBusinessHours canonicalises the zone name through Intl. */
  canonicalZone: string;
  /** Raw Intl formatting in the sandbox. */
  intlBerlin: string;
}

export async function calendarProbe(): Promise<CalendarProbeResult> {
  const deadline = addBusinessMinutes(Date.UTC(2026, 2, 27, 15, 0), 120, berlin);
  const intlBerlin = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Berlin',
    dateStyle: 'short',
    timeStyle: 'long',
  }).format(Date.UTC(2026, 6, 1, 12, 0));
  return {
    deadline: new Date(deadline).toISOString(),
    canonicalZone: parseBusinessHours({ ...berlin, timeZone: 'europe/berlin' }).timeZone,
    intlBerlin,
  };
}
