import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isForwardSubject, stripQuotedReply } from '../../src/ingest/quote-strip.js';

const lines = (...l: string[]) => l.join('\n');

describe('stripQuotedReply', () => {
  it('removes "> " quoted lines and keeps interleaved answers', () => {
    const text = lines('> Which browser?', 'Firefox 124.', '', '> Which OS?', 'Ubuntu 24.04.');
    expect(stripQuotedReply(text)).toBe(lines('Firefox 124.', '', 'Ubuntu 24.04.'));
  });

  it('cuts at a one-line Gmail attribution', () => {
    const text = lines(
      'Works now.',
      '',
      'On Tue, Mar 4, 2025 at 5:45 PM Acme <support@acme.example> wrote:',
      '> try again',
    );
    expect(stripQuotedReply(text)).toBe('Works now.');
  });

  it('cuts at an attribution wrapped over two lines', () => {
    const text = lines(
      'Works now.',
      '',
      'On Tue, Mar 4, 2025 at 5:45 PM Acme Support <',
      'support@acme.example> wrote:',
      '',
      '> try again',
    );
    expect(stripQuotedReply(text)).toBe('Works now.');
  });

  it('cuts at German and French attributions', () => {
    expect(
      stripQuotedReply(
        lines('Danke!', 'Am 04.03.2025 um 10:12 schrieb Acme Support <support@acme.example>:', '> Hallo'),
      ),
    ).toBe('Danke!');
    expect(
      stripQuotedReply(lines('Merci !', 'Le 04/03/2025 à 10:12, Acme Support a écrit :', '> Bonjour')),
    ).toBe('Merci !');
    expect(
      stripQuotedReply(
        lines('Merci !', 'Le mar. 4 mars 2025 à 10:12, Acme Support <', 's@a.example> a écrit :'),
      ),
    ).toBe('Merci !');
  });

  it('cuts at "-----Original Message-----"', () => {
    const text = lines(
      'See below.',
      '',
      '-----Original Message-----',
      'From: Acme',
      'Sent: Monday',
      'old text',
    );
    expect(stripQuotedReply(text)).toBe('See below.');
  });

  it('cuts at an Outlook header block including the underscore rule', () => {
    const text = lines(
      'Thanks!',
      '',
      '________________________________',
      'From: Acme Support <support@acme.example>',
      'Sent: Tuesday, March 4, 2025 4:00 PM',
      'To: David <d@corp.example>',
      'Subject: [#1042] Refund',
      '',
      'old text',
    );
    expect(stripQuotedReply(text)).toBe('Thanks!');
  });

  it('cuts at a German Outlook header block', () => {
    const text = lines(
      'Danke.',
      'Von: Acme Support <support@acme.example>',
      'Gesendet: Dienstag, 4. März 2025 10:12',
      'An: Hans',
      'Betreff: AW: Lieferung',
      'alt',
    );
    expect(stripQuotedReply(text)).toBe('Danke.');
  });

  it('keeps a Gmail-forwarded message, including its header block and quotes', () => {
    const text = lines(
      'Please take over.',
      '',
      '---------- Forwarded message ---------',
      'From: Karen <karen@buyer.example>',
      'Date: Tue, Mar 4, 2025 at 6:12 PM',
      'Subject: Broken items',
      'To: Sam <sam@partner.example>',
      '',
      'Two items arrived broken.',
      '> older quote',
    );
    const out = stripQuotedReply(text);
    expect(out).toContain('Please take over.');
    expect(out).toContain('From: Karen');
    expect(out).toContain('Two items arrived broken.');
    expect(out).toContain('> older quote');
  });

  it('keeps an Outlook forward when told the message is a forward', () => {
    const text = lines(
      'FYI',
      '________________________________',
      'From: Oscar <o@x.example>',
      'Sent: Thursday',
      'To: Nina',
      'Subject: Dispute',
      '',
      'Forwarded body.',
    );
    expect(stripQuotedReply(text, { forwarded: true })).toContain('Forwarded body.');
    expect(stripQuotedReply(text)).toBe('FYI');
  });

  it('keeps the forwarded part but strips the forwarder signature above it', () => {
    const text = lines(
      'Over to you.',
      '-- ',
      'Sam Reed',
      'Partner Inc',
      '',
      'Begin forwarded message:',
      '',
      'Body',
    );
    const out = stripQuotedReply(text);
    expect(out).not.toContain('Partner Inc');
    expect(out).toContain('Begin forwarded message:');
    expect(out).toContain('Body');
  });

  it('removes the "-- " signature', () => {
    expect(stripQuotedReply(lines('Hello there.', '', '-- ', 'Jane Doe', 'CTO, Example'))).toBe(
      'Hello there.',
    );
    expect(stripQuotedReply(lines('Hello there.', '--', 'Jane'))).toBe('Hello there.');
  });

  it('removes trailing mobile signatures', () => {
    expect(stripQuotedReply(lines('Fixed, thanks!', '', 'Sent from my iPhone'))).toBe('Fixed, thanks!');
    expect(stripQuotedReply(lines('Ok', '', 'Get Outlook for iOS<https://aka.ms/o0ukef>'))).toBe('Ok');
    expect(stripQuotedReply(lines('Ok', 'Von meinem iPhone gesendet'))).toBe('Ok');
    expect(
      stripQuotedReply(
        lines('Thanks', '', 'Sent from my iPhone', '', '> On 5 Mar 2025, at 15:30, A <a@b.c> wrote:', '> x'),
      ),
    ).toBe('Thanks');
  });

  it('keeps a mobile-signature phrase that is not at the end', () => {
    const text = lines('Sent from my iPhone', 'the app crashes every time I attach a photo.');
    expect(stripQuotedReply(text)).toBe(text);
  });

  it('cuts at "<name> wrote:" followed by quotes', () => {
    expect(stripQuotedReply(lines('Yes.', 'Jane Doe wrote:', '> Is it fixed?'))).toBe('Yes.');
  });

  it('does not treat "wrote:" prose without quotes as an attribution', () => {
    const text = lines('My colleague wrote:', 'the export is broken again.');
    expect(stripQuotedReply(text)).toBe(text);
  });

  it('handles CRLF input', () => {
    expect(stripQuotedReply('Hi\r\n\r\n> quoted\r\n')).toBe('Hi');
  });

  it('falls back to the trimmed original when everything would be removed', () => {
    expect(stripQuotedReply('> only a quote\n> nothing else\n')).toBe('> only a quote\n> nothing else');
    expect(stripQuotedReply('-- \nJust a signature')).toBe('-- \nJust a signature');
    expect(stripQuotedReply('  \n  ')).toBe('');
  });

  it('never returns empty for input with content', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = stripQuotedReply(s);
        expect(out.trim() === '').toBe(s.trim() === '');
      }),
    );
  });
});

describe('isForwardSubject', () => {
  it.each([
    ['Fwd: x', true],
    ['FW: x', true],
    ['WG: x', true],
    ['TR: x', true],
    ['Re: x', false],
    ['Re: Fwd: x', false],
    ['Forward planning', false],
  ])('%s → %s', (subject, expected) => {
    expect(isForwardSubject(subject)).toBe(expected);
  });
});
