import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractTicketToken, normalizeSubjectForTitle } from '../../src/domain/subject.js';
import {
  type InboundEmail,
  parseInboundEmail,
  quarantineReason,
  UnparseableEmailError,
} from '../../src/ingest/parse.js';
import { classifyInbound } from '../../src/ingest/protection.js';
import { candidateMessageIds } from '../../src/ingest/threading.js';

type Kind = 'normal' | 'auto-reply' | 'bulk' | 'bounce' | 'loop' | 'quarantine';

interface Expectation {
  file: string;
  kind: Kind;
  expectNewTicket?: boolean;
  subjectToken?: number | null;
  inReplyTo?: string;
  firstCandidate?: string;
  strippedTextIncludes?: string[];
  strippedTextExcludes?: string[];
  attachments?: number;
  inlineAttachments?: number;
  attachmentNames?: string[];
  charsetProbe?: string;
  subject?: string;
  fromName?: string;
  fromAddress?: string;
  cc?: string[];
  title?: string;
  titleMaxLength?: number;
  hasHtml?: boolean;
  htmlIncludes?: string[];
  htmlExcludes?: string[];
  problems?: string[];
  messageIdSynthetic?: boolean;
  originalMessageIds?: string[];
  duplicateOf?: string;
}

const dir = new URL('../fixtures/mail/', import.meta.url);
const expectations: Expectation[] = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8'));
const limits = { maxAttachmentBytes: 10 * 1024 * 1024, maxTotalBytes: 25 * 1024 * 1024 };
const protection = {
  ourAddresses: ['support@acme.example', 'notifications@acme.example'],
  honorListId: true,
};

async function ingest(file: string): Promise<{ kind: Kind; email: InboundEmail | null }> {
  let email: InboundEmail;
  try {
    email = await parseInboundEmail(readFileSync(new URL(file, dir)), limits);
  } catch (err) {
    if (err instanceof UnparseableEmailError) return { kind: 'quarantine', email: null };
    throw err;
  }
  if (quarantineReason(email) !== null) return { kind: 'quarantine', email };
  return { kind: classifyInbound(email, protection).kind, email };
}

describe('ingest fixture corpus', () => {
  it('has at least 30 fixtures', () => {
    expect(expectations.length).toBeGreaterThanOrEqual(30);
  });

  for (const exp of expectations) {
    it(`${exp.file} → ${exp.kind}`, async () => {
      const { kind, email } = await ingest(exp.file);
      expect(kind).toBe(exp.kind);
      if (email === null) return;

      const candidates = candidateMessageIds(email);
      const token = extractTicketToken(email.subject);
      if (exp.expectNewTicket !== undefined) {
        // Without any thread hint no lookup can match, so the email must open a new ticket.
        expect(candidates.length === 0 && token === null).toBe(exp.expectNewTicket);
      }
      if (exp.subjectToken !== undefined) expect(token).toBe(exp.subjectToken);
      if (exp.inReplyTo !== undefined) expect(email.inReplyTo[0]).toBe(exp.inReplyTo);
      if (exp.firstCandidate !== undefined) expect(candidates[0]).toBe(exp.firstCandidate);

      for (const s of exp.strippedTextIncludes ?? []) expect(email.strippedText).toContain(s);
      for (const s of exp.strippedTextExcludes ?? []) expect(email.strippedText).not.toContain(s);
      expect(email.strippedText.trim().length > 0).toBe(email.textBody.trim().length > 0);

      if (exp.attachments !== undefined) expect(email.attachments).toHaveLength(exp.attachments);
      if (exp.inlineAttachments !== undefined) {
        expect(email.attachments.filter((a) => a.inline)).toHaveLength(exp.inlineAttachments);
      }
      if (exp.attachmentNames !== undefined) {
        expect(email.attachments.map((a) => a.filename)).toEqual(exp.attachmentNames);
      }
      for (const a of email.attachments) {
        expect(a.filename).not.toMatch(/[/\\]|^\.|\.\./);
        expect(a.size).toBe(a.content.length);
      }

      if (exp.charsetProbe !== undefined) {
        expect(`${email.subject}\n${email.from?.name ?? ''}\n${email.textBody}`).toContain(exp.charsetProbe);
      }
      if (exp.subject !== undefined) expect(email.subject).toBe(exp.subject);
      if (exp.fromName !== undefined) expect(email.from?.name).toBe(exp.fromName);
      if (exp.fromAddress !== undefined) expect(email.from?.address).toBe(exp.fromAddress);
      if (exp.cc !== undefined) expect(email.cc).toEqual(exp.cc);
      if (exp.title !== undefined) expect(normalizeSubjectForTitle(email.subject)).toBe(exp.title);
      if (exp.titleMaxLength !== undefined) {
        expect(Array.from(normalizeSubjectForTitle(email.subject)).length).toBeLessThanOrEqual(
          exp.titleMaxLength,
        );
      }

      if (exp.hasHtml !== undefined) expect(email.html !== null).toBe(exp.hasHtml);
      for (const s of exp.htmlIncludes ?? []) expect(email.html).toContain(s);
      for (const s of exp.htmlExcludes ?? [])
        expect(email.html?.toLowerCase()).not.toContain(s.toLowerCase());

      for (const p of exp.problems ?? []) expect(email.problems).toContain(p);
      if (exp.problems === undefined && exp.kind === 'normal') expect(email.problems).toEqual([]);
      expect(email.messageIdSynthetic).toBe(exp.messageIdSynthetic ?? false);
      if (email.messageIdSynthetic) expect(email.messageId).toMatch(/^sha256:[0-9a-f]{64}$/);

      if (exp.originalMessageIds !== undefined) {
        const c = classifyInbound(email, protection);
        expect(c.kind === 'bounce' && c.originalMessageIds.slice(0, exp.originalMessageIds.length)).toEqual(
          exp.originalMessageIds,
        );
      }
      if (exp.duplicateOf !== undefined) {
        const original = await parseInboundEmail(readFileSync(new URL(exp.duplicateOf, dir)), limits);
        expect(email.messageId).toBe(original.messageId);
      }
    });
  }

  it('a generated 30 MB message is parsed headers-only and flagged too large', async () => {
    const head =
      'From: Big Sender <big@example.com>\r\nTo: support@acme.example\r\nSubject: Huge log dump\r\n' +
      'Date: Tue, 4 Mar 2025 10:00:00 +0000\r\nMessage-ID: <huge-1@example.com>\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n\r\n';
    const line = 'ERROR 2025-03-04T10:00:00Z worker-7 connection reset by peer, retrying\r\n';
    const raw = Buffer.concat([
      Buffer.from(head),
      Buffer.from(line.repeat(Math.ceil((30 * 1024 * 1024) / line.length))),
    ]);
    expect(raw.length).toBeGreaterThan(30 * 1024 * 1024);

    const email = await parseInboundEmail(raw, limits);
    expect(email.problems).toContain('too large');
    expect(quarantineReason(email)).toBe('too large');
    expect(email.subject).toBe('Huge log dump');
    expect(email.messageId).toBe('huge-1@example.com');
    expect(email.textBody).toBe('');
    expect(email.rawSize).toBe(raw.length);

    // Under a larger limit the same message parses fully.
    const full = await parseInboundEmail(raw, { ...limits, maxTotalBytes: 64 * 1024 * 1024 });
    expect(full.problems).toEqual([]);
    expect(full.textBody.length).toBeGreaterThan(29 * 1024 * 1024);
  }, 30_000);
});
