// Defects hostile mail exposed (found by tests/reliability/hostile-email.test.ts).
import { describe, expect, it } from 'vitest';
import { parseInboundEmail, sanitizeFilename, singleLine } from '../../src/ingest/parse.js';

const limits = { maxAttachmentBytes: 1024 * 1024, maxTotalBytes: 10 * 1024 * 1024 };
const word = (text: string) => `=?utf-8?B?${Buffer.from(text).toString('base64')}?=`;

describe('singleLine', () => {
  it.each([
    ['Hello\r\nBcc: victim@x.invalid', 'Hello Bcc: victim@x.invalid'],
    ['a\u0000b\u0007c', 'a b c'],
    ['next\u0085line\u2028and\u2029para', 'next line and para'],
    ['  \r\n  padded \t ', 'padded'],
    ['Caf\u00e9 \u65e5\u672c \u{1f600}', 'Caf\u00e9 \u65e5\u672c \u{1f600}'],
  ])('%j → %j', (input, expected) => {
    expect(singleLine(input)).toBe(expected);
  });
});

describe('hostile header values in a parsed email', () => {
  it('keeps a display name with encoded CR/LF on one line', async () => {
    const email = await parseInboundEmail(
      Buffer.from(
        [
          `From: ${word('Eve\r\nCc: victim@x.invalid')} <eve@customer.example>`,
          `Subject: ${word('Help\r\n\r\n<script>alert(1)</script>')}`,
          'Message-ID: <h1@customer.example>',
          '',
          'Body',
        ].join('\r\n'),
      ),
      limits,
    );
    expect(email.from).toEqual({ address: 'eve@customer.example', name: 'Eve Cc: victim@x.invalid' });
    expect(email.subject).toBe('Help <script>alert(1)</script>');
  });

  it('replaces C1 controls and Unicode line separators in filenames', () => {
    expect(sanitizeFilename('report\u0085Bcc.txt', 1)).toBe('report_Bcc.txt');
    expect(sanitizeFilename('a\u2028b\u2029c.pdf', 1)).toBe('a_b_c.pdf');
  });
});

describe('unreadable bodies', () => {
  const multipart = (contentType: string, body: string) =>
    Buffer.from(
      [
        'From: jane@customer.example',
        'Message-ID: <u1@customer.example>',
        `Content-Type: ${contentType}`,
        '',
        body,
      ].join('\r\n'),
    );

  it('flags malformed MIME of which nothing could be read, so the original is kept for the agent', async () => {
    const email = await parseInboundEmail(
      multipart('multipart/mixed', '--b1\r\nContent-Type: text/plain\r\n\r\nThe words\r\n--b1--\r\n'),
      limits,
    );
    expect(email.textBody.trim()).toBe('');
    expect(email.problems).toEqual(expect.arrayContaining(['malformed MIME', 'unreadable body']));
  });

  it('does not flag malformed MIME whose text was recovered, nor a well-formed empty multipart', async () => {
    const recovered = await parseInboundEmail(
      multipart('multipart/mixed; boundary="b1"', '--b1\r\nContent-Type: text/plain\r\n\r\nThe words\r\n'),
      limits,
    );
    expect(recovered.problems).toContain('malformed MIME');
    expect(recovered.problems).not.toContain('unreadable body');
    const empty = await parseInboundEmail(multipart('multipart/mixed; boundary="b1"', '--b1--\r\n'), limits);
    expect(empty.problems).not.toContain('unreadable body');
  });
});
