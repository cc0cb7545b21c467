import { describe, expect, it } from 'vitest';
import { findMentions, notificationWindow, wantsNotification } from '../../src/domain/notifications.js';

const members = [
  { userId: 'ana', displayName: 'Ana Lima', email: 'ana@acme.test' },
  { userId: 'anabel', displayName: 'Anabel', email: 'a.bel@acme.test' },
  { userId: 'bob', displayName: 'Bob', email: 'robert.smith@acme.test' },
  { userId: 'c3', displayName: 'C++ (Ops)', email: 'ops@acme.test' },
];

describe('findMentions', () => {
  it('matches display names and address local parts after an @, whatever the case', () => {
    expect(findMentions('@ana Lima please look', members)).toEqual(['ana']);
    expect(findMentions('cc @ANA', members)).toEqual(['ana']);
    expect(findMentions('@robert.smith and @Anabel, see above', members)).toEqual(['anabel', 'bob']);
    expect(findMentions('@Ana\n  Lima: this one', members)).toEqual(['ana']);
    expect(findMentions('(@bob)', members)).toEqual(['bob']);
    expect(findMentions('@bob.', members)).toEqual(['bob']);
  });

  it('takes the characters of a name literally', () => {
    expect(findMentions('@C++ (Ops) help', members)).toEqual(['c3']);
    expect(findMentions('@C (Ops)', members)).toEqual([]);
  });

  it('needs a whole name: no prefixes, no addresses, no bare names', () => {
    expect(findMentions('@anab is not anyone', members)).toEqual([]);
    expect(findMentions('@ana.lima is not ana', members)).toEqual([]);
    expect(findMentions('write to bob@acme.test', members)).toEqual([]);
    expect(findMentions('Bob and Ana Lima, no at sign', members)).toEqual([]);
    expect(findMentions('', members)).toEqual([]);
  });

  it('skips members with nothing to match', () => {
    expect(findMentions('@ hello', [{ userId: 'x', displayName: ' ', email: '@acme.test' }])).toEqual([]);
  });
});

describe('wantsNotification', () => {
  it('follows the person, else the organisation, else stays quiet', () => {
    const org = { emailOnNewTicket: true, emailOnTicketUpdate: false };
    expect(wantsNotification('newTicket', {}, org)).toBe(true);
    expect(wantsNotification('customerReply', {}, org)).toBe(false);
    expect(wantsNotification('assigned', {}, org)).toBe(false);
    expect(wantsNotification('mention', { mention: true }, org)).toBe(true);
    expect(wantsNotification('newTicket', { newTicket: false }, org)).toBe(false);
    expect(wantsNotification('newTicket', {}, {})).toBe(false);
  });
});

describe('notificationWindow', () => {
  it('puts instants of the same window together', () => {
    const five = 5 * 60_000;
    expect(notificationWindow(0, five)).toBe(notificationWindow(five - 1, five));
    expect(notificationWindow(five, five)).toBe(notificationWindow(0, five) + 1);
  });
});
