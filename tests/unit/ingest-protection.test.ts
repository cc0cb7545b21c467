import { describe, expect, it } from 'vitest';
import { parseInboundEmail } from '../../src/ingest/parse.js';
import { type ClassifiableEmail, classifyInbound } from '../../src/ingest/protection.js';

const opts = { ourAddresses: ['support@acme.example', 'Notify@Acme.Example'], honorListId: true };

function email(
  headers: Record<string, string>,
  overrides: Partial<ClassifiableEmail> = {},
): ClassifiableEmail {
  return {
    messageId: 'm1@customer.example',
    from: { address: 'jane@customer.example', name: 'Jane' },
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]])),
    inReplyTo: [],
    references: [],
    embeddedMessageIds: [],
    textBody: '',
    ...overrides,
  };
}

describe('classifyInbound', () => {
  it('passes ordinary customer mail', () => {
    expect(classifyInbound(email({ subject: 'Help' }), opts)).toEqual({ kind: 'normal' });
  });

  describe('auto-replies', () => {
    it.each([
      'auto-replied',
      'auto-generated',
      'auto-notified',
      'Auto-Replied; owner-email="x@y"',
      'whatever',
    ])('Auto-Submitted: %s', (value) => {
      expect(classifyInbound(email({ 'Auto-Submitted': value }), opts).kind).toBe('auto-reply');
    });

    it('Auto-Submitted: no is a normal message', () => {
      expect(classifyInbound(email({ 'Auto-Submitted': 'no' }), opts).kind).toBe('normal');
      expect(classifyInbound(email({ 'Auto-Submitted': ' No ' }), opts).kind).toBe('normal');
    });

    it.each([
      ['X-Autoreply', 'yes'],
      ['X-Autorespond', 'Out of office'],
      ['X-Autoresponder', 'true'],
      ['Precedence', 'auto_reply'],
    ])('%s: %s', (name, value) => {
      expect(classifyInbound(email({ [name]: value }), opts).kind).toBe('auto-reply');
    });

    it('read receipts (MDN reports) are auto-replies', () => {
      const e = email({
        'Content-Type': 'multipart/report; report-type=disposition-notification; boundary="b"',
      });
      expect(classifyInbound(e, opts).kind).toBe('auto-reply');
    });

    it('gives a reason', () => {
      expect(classifyInbound(email({ 'Auto-Submitted': 'auto-replied' }), opts)).toEqual({
        kind: 'auto-reply',
        reason: 'Auto-Submitted: auto-replied',
      });
    });
  });

  describe('bulk', () => {
    it.each(['bulk', 'junk', 'list', 'BULK'])('Precedence: %s', (value) => {
      expect(classifyInbound(email({ Precedence: value }), opts).kind).toBe('bulk');
    });

    it('List-Id only when honorListId is set', () => {
      const e = email({ 'List-Id': 'Dev <dev.lists.example.org>' });
      expect(classifyInbound(e, opts).kind).toBe('bulk');
      expect(classifyInbound(e, { ...opts, honorListId: false }).kind).toBe('normal');
    });
  });

  describe('bounces', () => {
    it('multipart/report delivery-status is a bounce, originals from embedded headers first', () => {
      const e = email(
        {
          'Content-Type': 'multipart/report; report-type="delivery-status"; boundary="b"',
          'Auto-Submitted': 'auto-replied',
        },
        {
          from: { address: 'bounces@relay.example', name: '' },
          embeddedMessageIds: ['orig@acme.example'],
          inReplyTo: ['irt@acme.example'],
          references: ['r1@acme.example', 'r2@acme.example'],
        },
      );
      expect(classifyInbound(e, opts)).toEqual({
        kind: 'bounce',
        originalMessageIds: ['orig@acme.example', 'irt@acme.example', 'r2@acme.example', 'r1@acme.example'],
      });
    });

    it.each(['MAILER-DAEMON@mx.example', 'postmaster@mx.example', 'Mailer-Daemon@x.example'])(
      'sender %s is a bounce',
      (address) => {
        const e = email({}, { from: { address: address.toLowerCase(), name: '' } });
        expect(classifyInbound(e, opts).kind).toBe('bounce');
      },
    );

    it('X-Failed-Recipients marks a bounce', () => {
      expect(classifyInbound(email({ 'X-Failed-Recipients': 'a@b.example' }), opts).kind).toBe('bounce');
    });

    it('falls back to Message-ID lines quoted in the text', () => {
      const e = email(
        {},
        {
          from: { address: 'postmaster@mx.example', name: '' },
          textBody: 'Delivery failed.\n\n--- copy\nMessage-ID: <Orig-1@ACME.example>\nSubject: x\n',
        },
      );
      expect(classifyInbound(e, opts)).toEqual({
        kind: 'bounce',
        originalMessageIds: ['Orig-1@acme.example'],
      });
    });

    it('never lists the bounce itself as the original', () => {
      const e = email(
        {},
        { from: { address: 'postmaster@mx.example', name: '' }, embeddedMessageIds: ['m1@customer.example'] },
      );
      expect(classifyInbound(e, opts)).toEqual({ kind: 'bounce', originalMessageIds: [] });
    });

    it('a postmaster address that is not the local part does not count', () => {
      const e = email({}, { from: { address: 'jane.postmaster@customer.example', name: '' } });
      expect(classifyInbound(e, opts).kind).toBe('normal');
    });
  });

  describe('loops', () => {
    it('mail from one of our addresses is a loop, case-insensitively and with sub-addressing', () => {
      for (const address of ['support@acme.example', 'notify@acme.example', 'support+t42@acme.example']) {
        expect(classifyInbound(email({}, { from: { address, name: 'Acme' } }), opts).kind).toBe('loop');
      }
    });

    it('loop wins over auto-reply (our own auto-acknowledgement)', () => {
      const e = email(
        { 'Auto-Submitted': 'auto-replied' },
        { from: { address: 'support@acme.example', name: '' } },
      );
      expect(classifyInbound(e, opts).kind).toBe('loop');
    });

    it('X-Loop naming our address is a loop', () => {
      expect(classifyInbound(email({ 'X-Loop': 'support@acme.example' }), opts).kind).toBe('loop');
    });

    it('a lookalike domain is not ours', () => {
      const e = email({}, { from: { address: 'support@acme.example.evil', name: '' } });
      expect(classifyInbound(e, opts).kind).toBe('normal');
    });
  });

  it('bounce is checked before auto-reply, since DSNs carry Auto-Submitted', () => {
    const e = email(
      { 'Auto-Submitted': 'auto-replied' },
      { from: { address: 'mailer-daemon@mx.example', name: '' } },
    );
    expect(classifyInbound(e, opts).kind).toBe('bounce');
  });

  it('works on a parsed message with folded headers', async () => {
    const raw = Buffer.from(
      [
        'From: Robot <robot@vendor.example>',
        'To: support@acme.example',
        'Subject: ack',
        'Message-ID: <ack@vendor.example>',
        'Date: Tue, 4 Mar 2025 10:00:00 +0000',
        'Auto-Submitted:',
        ' auto-generated',
        '',
        'We got your mail.',
        '',
      ].join('\r\n'),
    );
    const parsed = await parseInboundEmail(raw, { maxAttachmentBytes: 1e6, maxTotalBytes: 1e7 });
    expect(classifyInbound(parsed, opts)).toEqual({
      kind: 'auto-reply',
      reason: 'Auto-Submitted: auto-generated',
    });
  });
});
