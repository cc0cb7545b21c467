import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isKnownCharset,
  isTooLarge,
  normalizeMessageId,
  parseInboundEmail,
  parseMessageIdList,
  sanitizeFilename,
  UnparseableEmailError,
} from '../../src/ingest/parse.js';

const limits = { maxAttachmentBytes: 1024 * 1024, maxTotalBytes: 10 * 1024 * 1024 };
const mail = (...lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');

const BASE = [
  'From: Jane <jane@customer.example>',
  'To: support@acme.example',
  'Subject: Hello',
  'Date: Tue, 4 Mar 2025 10:00:00 +0000',
  'Message-ID: <a1@customer.example>',
];

describe('normalizeMessageId / parseMessageIdList', () => {
  it.each([
    ['<abc@Example.COM>', 'abc@example.com'],
    ['  <ABC@example.com>  ', 'ABC@example.com'],
    ['abc@example.com', 'abc@example.com'],
    ['<a b@example.com>', 'ab@example.com'],
    ['<no-at-sign>', 'no-at-sign'],
    ['<>', null],
    ['', null],
  ])('%s → %s', (input, expected) => {
    expect(normalizeMessageId(input)).toBe(expected);
  });

  it('extracts bracketed ids, ignores comments, dedupes and keeps order', () => {
    expect(parseMessageIdList('<a@X.example> (comment) <b@x.example>\r\n <a@x.example>')).toEqual([
      'a@x.example',
      'b@x.example',
    ]);
    expect(parseMessageIdList('Your message of Tue <c@x.example>')).toEqual(['c@x.example']);
    expect(parseMessageIdList('a@x.example b@x.example')).toEqual(['a@x.example', 'b@x.example']);
    expect(parseMessageIdList('garbage without ids')).toEqual([]);
  });
});

describe('sanitizeFilename', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\windows\\win.ini', 'win.ini'],
    ['report.pdf', 'report.pdf'],
    ['  .hidden  ', 'hidden'],
    ['...', 'attachment-3'],
    ['', 'attachment-3'],
    [undefined, 'attachment-3'],
    ['a\u0000b\u0007c.txt', 'a_b_c.txt'],
    ['invoice\u202Efdp.exe', 'invoice_fdp.exe'],
    ['what?<>|*.txt', 'what_____.txt'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['Grüße.pdf', 'Grüße.pdf'],
  ])('%s → %s', (input, expected) => {
    expect(sanitizeFilename(input, 3)).toBe(expected);
  });

  it('caps the length but keeps the extension', () => {
    const out = sanitizeFilename(`${'a'.repeat(500)}.pdf`, 1);
    expect(out).toHaveLength(200);
    expect(out.endsWith('.pdf')).toBe(true);
  });

  it('never yields a path', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(), (name, i) => {
        const out = sanitizeFilename(name, i);
        expect(out).not.toMatch(/[/\\]/);
        expect(out).not.toMatch(/^\./);
        expect(out.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('parseInboundEmail', () => {
  it('reads the basics', async () => {
    const e = await parseInboundEmail(
      mail(
        ...BASE,
        'Cc: "Ops" <OPS@Customer.Example>, bob@customer.example',
        'Reply-To: Jane <jane+reply@customer.example>',
        'In-Reply-To: <t1@acme.example>',
        'References: <t0@acme.example> <t1@acme.example>',
        'X-Original-To: help@acme.example',
        '',
        'Hi there',
      ),
      limits,
    );
    expect(e).toMatchObject({
      messageId: 'a1@customer.example',
      messageIdSynthetic: false,
      inReplyTo: ['t1@acme.example'],
      references: ['t0@acme.example', 't1@acme.example'],
      from: { address: 'jane@customer.example', name: 'Jane' },
      to: ['support@acme.example'],
      cc: ['ops@customer.example', 'bob@customer.example'],
      recipients: [
        { address: 'support@acme.example', name: '' },
        { address: 'ops@customer.example', name: 'Ops' },
        { address: 'bob@customer.example', name: '' },
      ],
      replyTo: ['jane+reply@customer.example'],
      deliveredTo: ['help@acme.example'],
      subject: 'Hello',
      textBody: 'Hi there',
      strippedText: 'Hi there',
      html: null,
      problems: [],
    });
    expect(e.date?.toISOString()).toBe('2025-03-04T10:00:00.000Z');
    expect(e.headers['x-original-to']).toEqual(['help@acme.example']);
  });

  it('synthesises a stable Message-ID from the raw bytes when absent', async () => {
    const raw = mail(...BASE.filter((l) => !l.startsWith('Message-ID')), '', 'body');
    const a = await parseInboundEmail(raw, limits);
    const b = await parseInboundEmail(Buffer.from(raw), limits);
    expect(a.messageIdSynthetic).toBe(true);
    expect(a.messageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.messageId).toBe(a.messageId);
    expect(a.problems).toContain('missing Message-ID');
  });

  it('reports an unparseable Date instead of inventing one', async () => {
    const e = await parseInboundEmail(
      mail(...BASE.filter((l) => !l.startsWith('Date')), 'Date: someday soon', '', 'x'),
      limits,
    );
    expect(e.date).toBeNull();
    expect(e.problems).toContain('invalid Date');
  });

  it('distinguishes missing and invalid From', async () => {
    const noFrom = await parseInboundEmail(mail(...BASE.slice(1), '', 'x'), limits);
    expect(noFrom.from).toBeNull();
    expect(noFrom.problems).toContain('missing From');
    const groupFrom = await parseInboundEmail(
      mail('From: undisclosed-recipients:;', ...BASE.slice(1), '', 'x'),
      limits,
    );
    expect(groupFrom.from).toBeNull();
    expect(groupFrom.problems).toContain('invalid From');
  });

  it('drops oversize attachments and lists them', async () => {
    const big = Buffer.alloc(2000, 1).toString('base64');
    const small = Buffer.from('small').toString('base64');
    const raw = mail(
      ...BASE,
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'see files',
      '--b',
      'Content-Type: application/octet-stream; name="big.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      big,
      '--b',
      'Content-Type: text/plain; name="small.txt"',
      'Content-Disposition: attachment; filename="small.txt"',
      'Content-Transfer-Encoding: base64',
      '',
      small,
      '--b--',
      '',
    );
    const e = await parseInboundEmail(raw, { maxAttachmentBytes: 1000, maxTotalBytes: 1e6 });
    expect(e.attachments.map((a) => a.filename)).toEqual(['small.txt']);
    expect(e.rejectedAttachments).toEqual([
      {
        filename: 'big.bin',
        contentType: 'application/octet-stream',
        size: 2000,
        reason: 'exceeds maxAttachmentBytes',
      },
    ]);
  });

  it('isTooLarge compares against maxTotalBytes', () => {
    expect(isTooLarge(10, { maxAttachmentBytes: 1, maxTotalBytes: 10 })).toBe(false);
    expect(isTooLarge(11, { maxAttachmentBytes: 1, maxTotalBytes: 10 })).toBe(true);
  });

  it('parses headers only for a message over maxTotalBytes', async () => {
    const raw = mail(...BASE, '', 'x'.repeat(5000));
    const e = await parseInboundEmail(raw, { maxAttachmentBytes: 100, maxTotalBytes: 1000 });
    expect(e.problems).toEqual(['too large']);
    expect(e.subject).toBe('Hello');
    expect(e.textBody).toBe('');
  });

  it('survives a header block mailparser refuses (over 1 MB)', async () => {
    const raw = mail(...BASE, `X-Junk: ${'a'.repeat(1_200_000)}`, '', 'still here');
    const e = await parseInboundEmail(raw, limits);
    expect(e.problems).toContain('malformed MIME');
    expect(e.subject).toBe('Hello');
    expect(e.from?.address).toBe('jane@customer.example');
    expect(e.textBody).toContain('still here');
  });

  it('converts HTML-only mail to text and sanitises the HTML', async () => {
    const e = await parseInboundEmail(
      mail(
        ...BASE,
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>Hi <b>there</b></p><script>x()</script>',
      ),
      limits,
    );
    expect(e.textBody).toContain('Hi there');
    expect(e.html).toBe('<p>Hi <b>there</b></p>');
  });

  it.each([
    [
      'Gmail',
      '<div dir="ltr">Works now.</div><div class="gmail_quote"><div class="gmail_attr">On Tue, Mar 4, 2025 at 5:45 PM ' +
        'Acme &lt;<a href="mailto:support@acme.example">support@acme.example</a>&gt; wrote:<br></div>' +
        '<blockquote class="gmail_quote">Could you try again?</blockquote></div>',
      'Works now.',
    ],
    [
      'Outlook',
      '<p>Thanks a lot.</p><div><p><b>From:</b> Acme &lt;support@acme.example&gt;<br><b>Sent:</b> Tuesday<br>' +
        '<b>To:</b> David<br><b>Subject:</b> [#1042] Refund</p></div><p>old text</p>',
      'Thanks a lot.',
    ],
    [
      'Thunderbird',
      '<p>Merci</p><div class="moz-cite-prefix">Le 06/03/2025 à 17:45, Acme a écrit&nbsp;:<br></div>' +
        '<blockquote type="cite">Bonjour</blockquote>',
      'Merci',
    ],
  ])('strips quoted history from an HTML-only %s reply', async (_client, body, expected) => {
    const e = await parseInboundEmail(
      mail(...BASE, 'Content-Type: text/html; charset=utf-8', '', body),
      limits,
    );
    expect(e.strippedText).toBe(expected);
  });

  it('treats a part with an empty Content-Type as an octet-stream attachment', async () => {
    const e = await parseInboundEmail(
      mail(
        ...BASE,
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: ;',
        '',
        'hello',
        '--b--',
        '',
      ),
      limits,
    );
    expect(e.attachments).toMatchObject([
      { contentType: 'application/octet-stream', size: 5, filename: 'attachment-1' },
    ]);
  });

  it('keeps the Content-ID of inline images without brackets', async () => {
    const e = await parseInboundEmail(
      mail(
        ...BASE,
        'Content-Type: multipart/related; boundary="r"',
        '',
        '--r',
        'Content-Type: text/html',
        '',
        '<img src="cid:img1@x">',
        '--r',
        'Content-Type: image/gif',
        'Content-ID: <img1@x>',
        'Content-Transfer-Encoding: base64',
        '',
        'R0lGODlhAQABAAAAACw=',
        '--r--',
        '',
      ),
      limits,
    );
    expect(e.attachments).toMatchObject([{ contentId: 'img1@x', inline: true, filename: 'attachment-1' }]);
    expect(e.html).toContain('src="cid:img1@x"');
  });

  it.each([
    [Buffer.alloc(0)],
    [Buffer.from('\r\n\r\n')],
    [Buffer.from('hello world\r\nno headers here\r\n')],
  ])('throws UnparseableEmailError when nothing is usable (%#)', async (raw) => {
    await expect(parseInboundEmail(raw, limits)).rejects.toBeInstanceOf(UnparseableEmailError);
  });

  it('knows common charset labels', () => {
    for (const l of [
      'utf-8',
      'UTF8',
      'iso-8859-1',
      'windows-1252',
      'cp1252',
      'Shift_JIS',
      'ISO-2022-JP',
      'cp850',
      'gb2312',
    ]) {
      expect(isKnownCharset(l)).toBe(true);
    }
    for (const l of ['x-klingon', 'utf-7', 'bogus']) expect(isKnownCharset(l)).toBe(false);
  });
});

describe('parseInboundEmail robustness (property)', () => {
  const dir = new URL('../fixtures/mail/', import.meta.url);
  const fixtures = readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .map((f) => readFileSync(new URL(f, dir)));

  async function parsesOrRefuses(raw: Buffer): Promise<void> {
    try {
      const e = await parseInboundEmail(raw, limits);
      expect(typeof e.messageId).toBe('string');
      expect(e.messageId.length).toBeGreaterThan(0);
      expect(Array.isArray(e.problems)).toBe(true);
    } catch (err) {
      expect(err).toBeInstanceOf(UnparseableEmailError);
    }
  }

  it('never throws anything but UnparseableEmailError on random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        await parsesOrRefuses(Buffer.from(bytes));
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('never throws anything but UnparseableEmailError on mutated fixtures', async () => {
    const mutation = fc.oneof(
      // flip bytes
      fc.record({
        kind: fc.constant('flip' as const),
        positions: fc.array(fc.nat(), { maxLength: 20 }),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      // truncate
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      // splice random bytes in
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        bytes: fc.uint8Array({ maxLength: 200 }),
      }),
      // delete a range
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.nat({ max: 500 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: fixtures.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        async (i, ms) => {
          let raw = Buffer.from(fixtures[i]!);
          for (const m of ms) {
            if (m.kind === 'flip') {
              for (const p of m.positions) if (raw.length > 0) raw[p % raw.length] = m.byte;
              continue;
            }
            const at = raw.length === 0 ? 0 : m.at % raw.length;
            if (m.kind === 'truncate') {
              raw = raw.subarray(0, at);
            } else if (m.kind === 'insert') {
              raw = Buffer.concat([raw.subarray(0, at), Buffer.from(m.bytes), raw.subarray(at)]);
            } else {
              raw = Buffer.concat([raw.subarray(0, at), raw.subarray(at + m.len)]);
            }
          }
          await parsesOrRefuses(raw);
        },
      ),
      { numRuns: 400 },
    );
  }, 120_000);
});
