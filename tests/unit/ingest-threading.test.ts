import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildReplySubject,
  extractTicketToken,
  NO_SUBJECT,
  normalizeSubjectForTitle,
} from '../../src/domain/subject.js';
import { candidateMessageIds, decideThreading } from '../../src/ingest/threading.js';

describe('extractTicketToken', () => {
  it.each([
    ['Re: [#1234] Printer', 1234],
    ['[#1] a', 1],
    ['Printer on fire [#77]', 77],
    ['AW: WG: Lieferung [#2001] verspätet', 2001],
    ['two tokens [#5] and [#6]', 5],
    ['no token', null],
    ['[#0] zero', null],
    ['[#-3] negative', null],
    ['[#007] leading zero', null],
    ['[#12a] not a number', null],
    ['[# 12] space', null],
    ['#12 without brackets', null],
    ['[#1234567890123456] too many digits', null],
    ['', null],
  ])('%s → %s', (subject, expected) => {
    expect(extractTicketToken(subject)).toBe(expected);
  });

  it('handles null and undefined', () => {
    expect(extractTicketToken(null)).toBeNull();
    expect(extractTicketToken(undefined)).toBeNull();
  });

  it('round-trips every positive safe integer token through buildReplySubject', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999_999_999 }), fc.string(), (n, title) => {
        expect(extractTicketToken(buildReplySubject(n, title.replace(/\[#\d+\]/g, '')))).toBe(n);
      }),
    );
  });
});

describe('candidateMessageIds', () => {
  it('puts In-Reply-To first, then References newest to oldest, deduplicated', () => {
    expect(
      candidateMessageIds({
        messageId: 'self@x',
        inReplyTo: ['c@x'],
        references: ['a@x', 'b@x', 'c@x', 'self@x'],
      }),
    ).toEqual(['c@x', 'b@x', 'a@x']);
  });

  it('is empty without thread headers', () => {
    expect(candidateMessageIds({ inReplyTo: [], references: [] })).toEqual([]);
  });

  it('does not mutate the email', () => {
    const references = ['a@x', 'b@x'];
    candidateMessageIds({ inReplyTo: [], references });
    expect(references).toEqual(['a@x', 'b@x']);
  });
});

describe('decideThreading', () => {
  const open = (ticketId: string) => ({ ticketId, status: 'open' });

  it('opens a new ticket when nothing matches', () => {
    expect(decideThreading({})).toEqual({ action: 'new-ticket' });
    expect(decideThreading({ inReplyToMatch: null, referencesMatch: null, subjectTokenMatch: null })).toEqual(
      {
        action: 'new-ticket',
      },
    );
  });

  it('prefers In-Reply-To over References over the subject token', () => {
    expect(
      decideThreading({
        inReplyToMatch: open('t1'),
        referencesMatch: open('t2'),
        subjectTokenMatch: open('t3'),
      }),
    ).toEqual({ action: 'append', ticketId: 't1', reopen: false });
    expect(decideThreading({ referencesMatch: open('t2'), subjectTokenMatch: open('t3') })).toEqual({
      action: 'append',
      ticketId: 't2',
      reopen: false,
    });
    expect(decideThreading({ subjectTokenMatch: open('t3') })).toEqual({
      action: 'append',
      ticketId: 't3',
      reopen: false,
    });
  });

  it('reopens a resolved ticket', () => {
    expect(decideThreading({ inReplyToMatch: { ticketId: 't1', status: 'resolved' } })).toEqual({
      action: 'append',
      ticketId: 't1',
      reopen: true,
    });
  });

  it('starts a related new ticket for a reply to a closed ticket', () => {
    expect(
      decideThreading({
        inReplyToMatch: { ticketId: 't1', status: 'closed' },
        subjectTokenMatch: open('t9'),
      }),
    ).toEqual({ action: 'new-ticket', relatedTicketId: 't1' });
  });

  it('appends without reopening for pending tickets', () => {
    expect(decideThreading({ referencesMatch: { ticketId: 't5', status: 'pending' } })).toEqual({
      action: 'append',
      ticketId: 't5',
      reopen: false,
    });
  });
});

describe('normalizeSubjectForTitle', () => {
  it.each([
    ['Re: Printer', 'Printer'],
    ['RE: RE: Re: Printer', 'Printer'],
    ['Fwd: FW: Printer', 'Printer'],
    ['AW: WG: Lieferung verspätet', 'Lieferung verspätet'],
    ['SV: Faktura', 'Faktura'],
    ['Re[2]: Printer', 'Printer'],
    ['Re: [#123] Printer on fire', 'Printer on fire'],
    ['[#123] Re: [#123] Printer', 'Printer'],
    ['Printer [#5] on fire', 'Printer on fire'],
    ['回复：打印机', '打印机'],
    ['  spaced\t\tout  ', 'spaced out'],
    ['Rechnung', 'Rechnung'],
    ['Reply needed', 'Reply needed'],
    ['Re:', NO_SUBJECT],
    ['', NO_SUBJECT],
    ['[#1]', NO_SUBJECT],
  ])('%s → %s', (subject, expected) => {
    expect(normalizeSubjectForTitle(subject)).toBe(expected);
  });

  it('handles null/undefined', () => {
    expect(normalizeSubjectForTitle(null)).toBe(NO_SUBJECT);
    expect(normalizeSubjectForTitle(undefined)).toBe(NO_SUBJECT);
  });

  it('truncates very long subjects by code point', () => {
    const title = normalizeSubjectForTitle('😀'.repeat(400));
    expect(Array.from(title)).toHaveLength(255);
    expect(title.endsWith('…')).toBe(true);
    expect(normalizeSubjectForTitle('x'.repeat(20), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const once = normalizeSubjectForTitle(s);
        expect(normalizeSubjectForTitle(once)).toBe(once);
      }),
    );
  });
});

describe('buildReplySubject', () => {
  it.each([
    [42, 'Printer on fire', 'Re: [#42] Printer on fire'],
    [42, 'Re: Printer on fire', 'Re: [#42] Printer on fire'],
    [42, 'Re: [#42] Printer on fire', 'Re: [#42] Printer on fire'],
    [42, 'RE: Re: [#41] [#42] Printer', 'Re: [#42] Printer'],
    [7, '', `Re: [#7] ${NO_SUBJECT}`],
  ])('(%s, %s) → %s', (n, title, expected) => {
    expect(buildReplySubject(n, title)).toBe(expected);
  });

  it('is stable when applied to its own output', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.string(), (n, title) => {
        const once = buildReplySubject(n, title);
        expect(buildReplySubject(n, once)).toBe(once);
        expect(once.match(/\[#\d+\]/g)).toHaveLength(1);
      }),
    );
  });
});
