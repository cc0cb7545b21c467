import { describe, expect, it } from 'vitest';
import { decideEscalation } from '../../src/domain/escalation-window.js';
import { escalationDigestMail } from '../../src/mail/templates.js';

const MINUTE = 60_000;
const at = (minutes: number) => new Date(Date.UTC(2026, 0, 5, 9, 0) + minutes * MINUTE);

describe('decideEscalation', () => {
  it('mails at once when the managers heard nothing yet', () => {
    expect(decideEscalation(undefined, at(0), MINUTE)).toEqual({ send: 'now' });
  });

  it('mails at once when the last escalation is a window or more ago', () => {
    const latest = { id: 'e1', sendsAt: at(0), writtenAt: at(0) };
    expect(decideEscalation(latest, at(1), MINUTE)).toEqual({ send: 'now' });
    expect(decideEscalation(latest, at(30), MINUTE)).toEqual({ send: 'now' });
  });

  it('opens a digest due at the end of the window of the last mail', () => {
    const latest = { id: 'e1', sendsAt: at(0), writtenAt: at(0) };
    expect(decideEscalation(latest, at(0.25), MINUTE)).toEqual({ send: 'open_digest', sendsAt: at(1) });
  });

  it('joins a digest still collecting, even one whose time has come and not yet been written', () => {
    const waiting = { id: 'd1', sendsAt: at(1), writtenAt: null };
    expect(decideEscalation(waiting, at(0.5), MINUTE)).toEqual({ send: 'join', escalationId: 'd1' });
    expect(decideEscalation(waiting, at(5), MINUTE)).toEqual({ send: 'join', escalationId: 'd1' });
  });

  it('after a digest, the next window starts at its sending', () => {
    const sentDigest = { id: 'd1', sendsAt: at(1), writtenAt: at(1) };
    expect(decideEscalation(sentDigest, at(1.5), MINUTE)).toEqual({ send: 'open_digest', sendsAt: at(2) });
  });

  it('with a window of 0 every breach is mailed on its own', () => {
    const latest = { id: 'e1', sendsAt: at(0), writtenAt: at(0) };
    expect(decideEscalation(latest, at(0), 0)).toEqual({ send: 'now' });
  });
});

describe('escalationDigestMail', () => {
  const breach = (n: number) => ({
    ticketNumber: n,
    title: `Ticket ${n}`,
    kind: 'first_response' as const,
    deadline: at(0),
    lateByMs: 2 * MINUTE,
  });

  it('lists each breach with its ticket, clock, deadline and lateness', () => {
    const mail = escalationDigestMail('Acme', [breach(7), { ...breach(9), kind: 'resolution' }], 2);
    expect(mail.subject).toBe('[SLA breach] 2 tickets overdue in Acme');
    expect(mail.text).toContain('#7 Ticket 7 — first response due 2026-01-05T09:00:00.000Z, late by 2 min');
    expect(mail.text).toContain('#9 Ticket 9 — resolution due');
    expect(mail.text).not.toContain('more');
    expect(mail.headers).toEqual({ 'Auto-Submitted': 'auto-generated' });
  });

  it('says how many more there were than it lists', () => {
    const mail = escalationDigestMail('Acme', [breach(1), breach(2)], 10_000);
    expect(mail.subject).toBe('[SLA breach] 10,000 tickets overdue in Acme');
    expect(mail.text).toContain('…and 9,998 more');
  });
});
