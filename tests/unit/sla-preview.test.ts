import { describe, expect, it } from 'vitest';
import type { BusinessHours } from '../../src/workflows/sla-calendar.js';
import { previewSla } from '../../src/workflows/sla-preview.js';
import type { SlaPolicyContext } from '../../src/workflows/ticket-state.js';

const utc = Date.parse;
const nineToFive = [{ start: '09:00', end: '17:00' }];
const berlin: BusinessHours = {
  timeZone: 'Europe/Berlin',
  weekly: { mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: nineToFive },
  holidays: ['2026-01-12'],
};
const policy = (over: Partial<SlaPolicyContext> = {}): SlaPolicyContext => ({
  firstResponseMinutes: 120,
  resolutionMinutes: 480,
  nextResponseMinutes: 90,
  businessHours: berlin,
  autoCloseAfterDays: 7,
  warningRatio: null,
  ...over,
});

describe('previewSla', () => {
  it('counts business minutes past the weekend and a holiday', () => {
    // Fri 2026-01-09 16:00 CET (15:00Z): 60 min on Friday, Mon 12 a holiday, the rest from Tue 09:00.
    const preview = previewSla(policy(), 'urgent', utc('2026-01-09T15:00:00Z'));
    expect(preview).toEqual({
      clockStarts: utc('2026-01-09T15:00:00Z'),
      firstResponse: utc('2026-01-13T09:00:00Z'), // Tue 10:00
      nextResponse: utc('2026-01-13T08:30:00Z'), // Tue 09:30
      resolution: utc('2026-01-13T15:00:00Z'), // Tue 16:00
      openings: [
        [utc('2026-01-09T15:00:00Z'), utc('2026-01-09T16:00:00Z')],
        [utc('2026-01-13T08:00:00Z'), utc('2026-01-13T15:00:00Z')],
      ],
    });
  });

  it('starts the clocks at the next opening when the ticket arrives while closed', () => {
    // Sat 2026-01-10 12:00 CET: nothing counts until Tue 09:00 CET.
    const preview = previewSla(policy(), 'low', utc('2026-01-10T11:00:00Z'));
    expect(preview.clockStarts).toBe(utc('2026-01-13T08:00:00Z'));
    expect(preview.firstResponse).toBe(utc('2026-01-13T10:00:00Z'));
  });

  it('runs 24/7 without business hours and has no next response without its SLA', () => {
    const at = utc('2026-01-10T11:00:00Z');
    const preview = previewSla(policy({ businessHours: null, nextResponseMinutes: null }), 'high', at);
    expect(preview).toEqual({
      clockStarts: at,
      firstResponse: at + 120 * 60_000,
      nextResponse: null,
      resolution: at + 480 * 60_000,
      openings: [[at, at + 480 * 60_000]],
    });
  });
});
