// The fixture corpus (tests/fixtures/mail + expected.json) through Dovecot, the reader and the real
// pipeline: every email ends as the outcome its expectation names, and a second delivery of the whole
// corpus changes nothing.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMember } from '../../src/db/queries/members.js';
import { outboundEmails, ticketMessages, ticketNumberCounters, tickets } from '../../src/db/schema/index.js';
import { parseInboundEmail } from '../../src/ingest/parse.js';
import { createOrganizationFixture, createUser, type OrganizationFixture } from '../support/db.js';
import {
  eventually,
  INGEST_LIMITS,
  type IngestHarness,
  ledgerEntry,
  ledgerOf,
  messagesOf,
  startIngestHarness,
  type TestMailbox,
  ticketsOf,
} from '../support/ingest-harness.js';

interface Expectation {
  file: string;
  kind: 'normal' | 'auto-reply' | 'bulk' | 'bounce' | 'loop' | 'quarantine';
  expectNewTicket?: boolean;
  subjectToken?: number | null;
  originalMessageIds?: string[];
  duplicateOf?: string;
  strippedTextIncludes?: string[];
  attachments?: number;
}

const dir = new URL('../fixtures/mail/', import.meta.url);
const expectations: Expectation[] = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8'));
const raw = (file: string) => readFileSync(new URL(file, dir));

/** Tickets the corpus's replies and bounces belong to: number → a Message-ID of ours in it. */
const SEEDED: [number, string][] = [
  [77, 'ticket-77.msg-2@acme.example'],
  [123, 'ticket-123.msg-1@acme.example'],
  [1042, 'ticket-1042.msg-3@acme.example'],
  [2001, 'ticket-2001.msg-1@acme.example'],
  [2210, 'ticket-2210.msg-2@acme.example'],
  [3003, 'ticket-3003.msg-1@acme.example'],
  [6001, 'ticket-6001.msg-4@acme.example'],
  [6002, 'ticket-6002.msg-1@acme.example'],
  [6003, 'ticket-6003.msg-2@acme.example'],
  [8100, 'ticket-8100.msg-1@acme.example'],
];
const REFERENCES_ONLY_TICKET = 77;
/** 18-token-only-reply.eml: its customer answers ticket #123 with nothing but the subject token. */
const TOKEN_ONLY_TICKET = 123;
const TOKEN_REPLY_SENDER = 'gary@office.example';

/** The ledger key the pipeline gives a fixture: its Message-ID, or the hash of its bytes. */
async function keyOf(file: string): Promise<string> {
  return parseInboundEmail(raw(file), INGEST_LIMITS).then(
    (email) => email.messageId,
    () => `sha256:${createHash('sha256').update(raw(file)).digest('hex')}`,
  );
}

let h: IngestHarness;
let f: OrganizationFixture;
let mailbox: TestMailbox;
const ticketByNumber = new Map<number, string>();
const messageCount = async () =>
  (
    await h.db.adminDb
      .select({ n: count() })
      .from(ticketMessages)
      .innerJoin(tickets, eq(tickets.id, ticketMessages.ticketId))
      .where(eq(tickets.organizationId, f.org.id))
  )[0]!.n;
const outcomesOfMailbox = () => h.outcomes.filter((o) => o.mailboxId === mailbox.id);

beforeAll(async () => {
  h = await startIngestHarness();
  f = await createOrganizationFixture(h.db, 'Corpus');
  // Seed the tickets the replies answer, with the numbers their subjects carry.
  const seedCustomer = await createUser(h.db, 'Seed Customer');
  // The subject token threads only from the ticket's own people: #123's customer is the token reply's sender.
  const tokenReplier = await h.db.adminDb.transaction((tx) =>
    ensureMember(tx, f.org.id, { email: TOKEN_REPLY_SENDER, name: 'Gary Olsen', role: 'customer' }),
  );
  for (const [number, messageId] of SEEDED) {
    await h.db.adminDb
      .insert(ticketNumberCounters)
      .values({ organizationId: f.org.id, lastNumber: number - 1 })
      .onConflictDoUpdate({ target: ticketNumberCounters.organizationId, set: { lastNumber: number - 1 } });
    const ticketId = randomUUID();
    const summary = await h.tickets.commands.open(
      {
        ticketId,
        organizationId: f.org.id,
        customerId: number === TOKEN_ONLY_TICKET ? tokenReplier.user.id : seedCustomer.id,
        title: `Seeded ticket ${number}`,
        description: 'seed',
        priority: 'medium',
        channel: 'email',
        acknowledge: false,
        message: { content: 'seed', emailMessageId: messageId },
      },
      { waitForTicket: true },
    );
    expect(summary?.ticketNumber).toBe(number);
    ticketByNumber.set(number, ticketId);
  }
  mailbox = await h.createMailbox(f.org.id);
  const worker = await h.startWorker();
  await h.startReader(mailbox.id, worker.taskQueue);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('fixture corpus through the real pipeline', () => {
  it('gives every fixture its expected outcome', async () => {
    for (const exp of expectations) await mailbox.append(raw(exp.file));
    await eventually(() => expect(outcomesOfMailbox().length).toBe(expectations.length), 60_000);

    const seededIds = new Set(ticketByNumber.values());
    const created = new Set<string>();
    for (const exp of expectations) {
      const key = await keyOf(exp.file);
      const entry = await ledgerEntry(h.db, f.org.id, key);
      const context = `${exp.file}: ${JSON.stringify(entry)}`;
      expect(entry, context).toBeDefined();
      switch (exp.kind) {
        case 'normal': {
          if (exp.expectNewTicket) {
            expect(entry!.outcome, context).toBe('ticket_created');
            expect(seededIds.has(entry!.ticketId!), context).toBe(false);
            if (!exp.duplicateOf) created.add(entry!.ticketId!);
          } else {
            expect(entry!.outcome, context).toBe('message_added');
            const number = exp.subjectToken ?? REFERENCES_ONLY_TICKET;
            expect(entry!.ticketId, context).toBe(ticketByNumber.get(number));
          }
          const stored = await h.db.adminDb
            .select()
            .from(ticketMessages)
            .where(eq(ticketMessages.emailMessageId, key));
          expect(stored, context).toHaveLength(1);
          for (const s of exp.strippedTextIncludes ?? []) expect(stored[0]!.content, context).toContain(s);
          if (exp.attachments !== undefined)
            expect(stored[0]!.attachments, context).toHaveLength(exp.attachments);
          break;
        }
        case 'bounce': {
          expect(entry!.outcome, context).toBe('bounce');
          const number = Number(/ticket-(\d+)\./.exec(exp.originalMessageIds![0]!)![1]);
          expect(entry!.ticketId, context).toBe(ticketByNumber.get(number));
          const notes = (await messagesOf(h.db, entry!.ticketId!)).filter((m) => m.type === 'system');
          expect(
            notes.map((m) => m.emailMessageId),
            context,
          ).toContain(key);
          break;
        }
        case 'quarantine':
          expect(entry!.outcome, context).toBe('quarantined');
          expect(entry!.rawStorageKey, context).toBeTruthy();
          break;
        default:
          expect(entry!.outcome, context).toBe('ignored');
          expect(entry!.reason, context).toMatch(new RegExp(`^${exp.kind}: `));
          expect(entry!.ticketId, context).toBeNull();
      }
    }

    // One ticket per new conversation (the duplicate of 01 included in 01's), each acknowledged once.
    const newTickets = expectations.filter((e) => e.kind === 'normal' && e.expectNewTicket && !e.duplicateOf);
    expect(created.size).toBe(newTickets.length);
    expect(await ticketsOf(h.db, f.org.id)).toHaveLength(SEEDED.length + newTickets.length);
    const ledger = await ledgerOf(h.db, f.org.id);
    expect(ledger).toHaveLength(expectations.length - expectations.filter((e) => e.duplicateOf).length);
    await eventually(async () => {
      const acks = await h.db.adminDb.$count(
        outboundEmails,
        and(
          eq(outboundEmails.organizationId, f.org.id),
          eq(outboundEmails.kind, 'acknowledgement'),
          eq(outboundEmails.status, 'sent'),
        ),
      );
      expect(acks).toBe(newTickets.length);
    });
  }, 120_000);

  it('keeps what matters of each email: charsets, sanitised HTML, attachments, inline images', async () => {
    const messageOf = async (file: string) => {
      const [m] = await h.db.adminDb
        .select()
        .from(ticketMessages)
        .where(eq(ticketMessages.emailMessageId, await keyOf(file)));
      return m!;
    };
    expect((await messageOf('07-shift-jis.eml')).content).toContain('配送状況を確認');
    expect((await messageOf('06-iso-8859-1.eml')).content).toContain('beschädigt angekommen');

    const xssMessage = await messageOf('32-html-xss.eml');
    const xss = xssMessage.contentHtml!;
    expect(xss).toContain('href="https://acme.example/help"');
    for (const bad of ['<script', 'onerror', 'javascript:', '<iframe'])
      expect(xss.toLowerCase()).not.toContain(bad);
    // The plain text an auto-linking client shows keeps the words, never a script URL.
    for (const text of [xssMessage.content, xssMessage.originalContent ?? '']) {
      expect(text.toLowerCase()).not.toContain('javascript:');
    }
    expect(xssMessage.content).toContain('click here');

    const withFiles = await messageOf('05-attachments-pdf-image.eml');
    expect(withFiles.attachments!.map((a) => a.filename)).toEqual([
      'Contract 2025 (signed).pdf',
      'IMG_2041.JPG',
    ]);
    for (const a of withFiles.attachments!) {
      expect(a.url).toBe(`/attachments/${a.id}`);
      const stored = await h.storage.open(a.storageKey!);
      expect(stored?.size).toBe(a.size);
      stored?.stream.destroy();
    }

    const inline = await messageOf('04-inline-image-cid.eml');
    expect(inline.contentHtml).toContain('cid:shot-1@design.example');
    expect(inline.attachments).toEqual([
      expect.objectContaining({
        contentId: 'shot-1@design.example',
        inline: true,
        storageKey: expect.any(String),
      }),
    ]);

    // The stripped text is what agents read; the original is kept beside it.
    const outlook = await messageOf('13-outlook-reply.eml');
    expect(outlook.content).not.toContain('Sent: Tuesday');
    expect(outlook.originalContent).toContain('Sent: Tuesday');
  });

  it('changes nothing when the whole corpus is delivered again', async () => {
    const before = {
      tickets: (await ticketsOf(h.db, f.org.id)).length,
      ledger: (await ledgerOf(h.db, f.org.id)).length,
      messages: await messageCount(),
    };
    const seen = outcomesOfMailbox().length;
    for (const exp of expectations) await mailbox.append(raw(exp.file));
    await eventually(() => expect(outcomesOfMailbox().length).toBe(seen + expectations.length), 60_000);
    expect(
      new Set(
        outcomesOfMailbox()
          .slice(seen)
          .map((o) => o.outcome.outcome),
      ),
    ).toEqual(new Set(['duplicate']));
    expect((await ticketsOf(h.db, f.org.id)).length).toBe(before.tickets);
    expect((await ledgerOf(h.db, f.org.id)).length).toBe(before.ledger);
    expect(await messageCount()).toBe(before.messages);
  }, 120_000);
});
