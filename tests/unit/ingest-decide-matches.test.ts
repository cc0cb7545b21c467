import { describe, expect, it } from 'vitest';
import { decideFromMatches } from '../../src/ingest/threading.js';

const open = { ticketId: 'open', status: 'open' };
const resolved = { ticketId: 'resolved', status: 'resolved' };
const closed = { ticketId: 'closed', status: 'closed' };
const token = { ticketId: 'token', status: 'pending' };

describe('decideFromMatches', () => {
  it('opens a new ticket without any match', () => {
    expect(decideFromMatches([], null)).toEqual({ action: 'new-ticket' });
  });

  it('prefers a Message-ID match over the subject token', () => {
    expect(decideFromMatches([open], token)).toEqual({ action: 'append', ticketId: 'open', reopen: false });
  });

  it('falls back to the subject token', () => {
    expect(decideFromMatches([], token)).toEqual({ action: 'append', ticketId: 'token', reopen: false });
  });

  it('skips a closed match for a later open one', () => {
    expect(decideFromMatches([closed, resolved], null)).toEqual({
      action: 'append',
      ticketId: 'resolved',
      reopen: true,
    });
  });

  it('opens a new ticket related to the closed one when every Message-ID match is closed', () => {
    expect(decideFromMatches([closed], token)).toEqual({ action: 'new-ticket', relatedTicketId: 'closed' });
  });
});
