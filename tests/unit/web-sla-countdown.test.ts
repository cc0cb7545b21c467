import { describe, expect, it } from 'vitest';
import { slaCountdown } from '../../web/src/sla-countdown.js';

const created = '2026-01-01T10:00:00.000Z';
const at = (iso: string) => Date.parse(iso);
const ticket = (over: Partial<Parameters<typeof slaCountdown>[0]> = {}) => ({
  status: 'open',
  createdAt: created,
  slaDeadline: '2026-01-01T11:00:00.000Z',
  slaBreachedAt: null,
  ...over,
});

describe('slaCountdown', () => {
  it('counts down to the next deadline, amber once the warning share of the budget has passed', () => {
    expect(slaCountdown(ticket(), at('2026-01-01T10:10:00Z'))).toEqual({ level: 'ok', text: '50 min left' });
    expect(slaCountdown(ticket(), at('2026-01-01T10:47:59Z'))).toEqual({ level: 'ok', text: '12 min left' });
    expect(slaCountdown(ticket(), at('2026-01-01T10:48:00Z'))).toEqual({
      level: 'warning',
      text: '12 min left',
    });
    expect(slaCountdown(ticket(), at('2026-01-01T10:59:30Z'))).toEqual({
      level: 'warning',
      text: '30 s left',
    });
    expect(slaCountdown(ticket(), at('2026-01-01T10:30:00Z'), 0.5).level).toBe('warning');
  });

  it('writes long budgets in hours and days', () => {
    const long = ticket({ slaDeadline: '2026-01-04T12:30:00.000Z' });
    expect(slaCountdown(long, at('2026-01-01T10:00:00Z')).text).toBe('3 d 2 h left');
    expect(slaCountdown(long, at('2026-01-03T10:00:00Z')).text).toBe('26 h 30 min left');
  });

  it('turns red at the deadline and says how long ago it was breached', () => {
    expect(slaCountdown(ticket(), at('2026-01-01T11:00:00Z'))).toEqual({
      level: 'breached',
      text: 'breached 0 min ago',
    });
    expect(slaCountdown(ticket(), at('2026-01-01T11:07:59Z')).text).toBe('breached 7 min ago');
    // The workflow's breach counts even when the next deadline (another clock) is still ahead.
    const recorded = ticket({
      slaBreachedAt: '2026-01-01T10:40:00.000Z',
      slaDeadline: '2026-01-02T10:00:00.000Z',
    });
    expect(slaCountdown(recorded, at('2026-01-01T10:45:00Z'))).toEqual({
      level: 'breached',
      text: 'breached 5 min ago',
    });
  });

  it('runs no clock for resolved or closed tickets, or without a deadline', () => {
    expect(slaCountdown(ticket({ status: 'resolved' }), at('2026-01-01T12:00:00Z')).level).toBe('none');
    expect(slaCountdown(ticket({ status: 'closed' }), at('2026-01-01T12:00:00Z')).level).toBe('none');
    expect(slaCountdown(ticket({ slaDeadline: null }), at('2026-01-01T12:00:00Z'))).toEqual({
      level: 'none',
      text: '',
    });
  });
});
