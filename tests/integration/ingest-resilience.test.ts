// Nothing lost, nothing doubled: a reader killed mid-batch, an IMAP server restart, and a folder whose
// UIDVALIDITY changes.
import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mailboxes, ticketMessages } from '../../src/db/schema/index.js';
import { silentLogger } from '../../src/ingest/log.js';
import { createIngestPipeline } from '../../src/ingest/pipeline.js';
import { createOrganizationFixture } from '../support/db.js';
import {
  CORPUS_OUR_ADDRESSES,
  customerEmail,
  eventually,
  INGEST_LIMITS,
  type IngestHarness,
  type IngestWorkerProcess,
  ledgerOf,
  messagesOf,
  spawnIngestWorker,
  startIngestHarness,
  ticketsOf,
} from '../support/ingest-harness.js';

let h: IngestHarness;
const spawned: IngestWorkerProcess[] = [];
const spawn = async (settings: Parameters<typeof spawnIngestWorker>[0]) => {
  const child = await spawnIngestWorker(settings);
  spawned.push(child);
  return child;
};

beforeAll(async () => {
  h = await startIngestHarness();
});
afterAll(async () => {
  for (const child of spawned) await child.kill();
  await h?.close();
});

const short = () => randomUUID().slice(0, 8);
const mailboxRow = async (id: string) =>
  (await h.db.adminDb.select().from(mailboxes).where(eq(mailboxes.id, id)))[0]!;

describe('ingestion survives failures', () => {
  it('a reader killed mid-batch and restarted turns every email into exactly one ticket or message', async () => {
    const f = await createOrganizationFixture(h.db, 'Crash');
    const mailbox = await h.createMailbox(f.org.id);
    // 20 new conversations, then 10 follow-ups to the first 10 (threaded by In-Reply-To).
    const originals = Array.from({ length: 20 }, (_, i) => ({
      id: `crash-${i}-${randomUUID()}@customer.test`,
      from: `customer-${i}-${short()}@customer.test`,
    }));
    const followUps = originals.slice(0, 10).map((o, i) => ({
      id: `crash-follow-${i}-${randomUUID()}@customer.test`,
      from: o.from,
      inReplyTo: o.id,
    }));
    for (const o of originals) {
      await mailbox.append(
        customerEmail({ from: o.from, to: mailbox.address, messageId: o.id, subject: `Case ${o.id}` }),
      );
    }
    for (const r of followUps) {
      await mailbox.append(
        customerEmail({
          from: r.from,
          to: mailbox.address,
          messageId: r.id,
          inReplyTo: r.inReplyTo,
          subject: 'More',
        }),
      );
    }
    const total = originals.length + followUps.length;

    const taskQueue = `ingest-crash-${short()}`;
    const settings = {
      databaseUrl: inject('databaseUrl'),
      temporalAddress: h.temporal.address,
      ticketTaskQueue: h.tickets.taskQueue,
      ingestTaskQueue: taskQueue,
      storageDir: h.storageDir,
      ourAddresses: CORPUS_OUR_ADDRESSES,
      limits: INGEST_LIMITS,
      delayMs: 300,
      batchSize: 5,
    };
    const first = await spawn(settings);
    await h.startReader(mailbox.id, taskQueue, { heartbeatTimeoutMs: 3_000 });
    // Kill it in the third batch (UIDs 11-15): two of its emails accepted, their progress not yet saved.
    await first.waitFor(() => first.outcomes().length >= 12);
    await first.kill();
    const acceptedBeforeCrash = first.outcomes().length;
    const savedBeforeCrash = (await mailboxRow(mailbox.id)).lastUid;
    expect(savedBeforeCrash).toBeLessThan(acceptedBeforeCrash);
    console.info(
      `killed after ${acceptedBeforeCrash} accepted emails, progress saved up to UID ${savedBeforeCrash}`,
    );

    // A new process: Temporal hands the reader over once the dead one's heartbeat times out.
    const restartedAt = Date.now();
    const second = await spawn(settings);
    try {
      await eventually(async () => expect(await ledgerOf(h.db, f.org.id)).toHaveLength(total), 60_000);
      console.info(`restarted reader caught up ${Date.now() - restartedAt} ms after the restart`);
      // The emails accepted after the last saved progress came again, and were recognised.
      const again = second.outcomes().filter((l) => l.split(' ')[2] === 'duplicate');
      expect(again.length).toBeGreaterThanOrEqual(acceptedBeforeCrash - savedBeforeCrash);

      const list = await ticketsOf(h.db, f.org.id);
      expect(list).toHaveLength(originals.length);
      const rows = await h.db.adminDb
        .select({ emailMessageId: ticketMessages.emailMessageId, ticketId: ticketMessages.ticketId })
        .from(ticketMessages)
        .where(
          inArray(
            ticketMessages.emailMessageId,
            [...originals, ...followUps].map((e) => e.id),
          ),
        );
      expect(rows).toHaveLength(total);
      const ticketOf = new Map(rows.map((r) => [r.emailMessageId, r.ticketId]));
      for (const r of followUps) expect(ticketOf.get(r.id)).toBe(ticketOf.get(r.inReplyTo));
      const ledger = await ledgerOf(h.db, f.org.id);
      expect(new Set(ledger.map((l) => l.messageKey)).size).toBe(total);
      // Exactly one acknowledgement per new ticket.
      await eventually(() => {
        for (const o of originals) {
          expect(h.tickets.sink.messages.filter((m) => m.envelope.to.includes(o.from))).toHaveLength(1);
        }
      });
      await eventually(async () => expect((await mailboxRow(mailbox.id)).lastUid).toBe(total));
      await h.stopReader(mailbox.id);
    } finally {
      await second.kill();
    }
  }, 120_000);

  it('reconnects after the IMAP server restarts and keeps ingesting', async () => {
    const worker = await h.startWorker();
    const f = await createOrganizationFixture(h.db, 'Restart');
    const mailbox = await h.createMailbox(f.org.id);
    await h.startReader(mailbox.id, worker.taskQueue);
    await mailbox.append(customerEmail({ from: `before-${short()}@customer.test`, to: mailbox.address }));
    await eventually(async () => expect(await ticketsOf(h.db, f.org.id)).toHaveLength(1));

    await h.dovecot.restart();
    const restarted = Date.now();
    await mailbox.append(customerEmail({ from: `after-${short()}@customer.test`, to: mailbox.address }));
    await eventually(async () => expect(await ticketsOf(h.db, f.org.id)).toHaveLength(2), 30_000);
    console.info(`ticket from mail sent after the restart: ${Date.now() - restarted} ms`);
    await eventually(async () => expect((await mailboxRow(mailbox.id)).lastError).toBeNull());
    expect(await ledgerOf(h.db, f.org.id)).toHaveLength(2);
    await h.stopReader(mailbox.id);
    await worker.stop();
  }, 60_000);

  it('a new UIDVALIDITY (folder recreated) re-reads the folder: nothing skipped, nothing doubled', async () => {
    const worker = await h.startWorker();
    const f = await createOrganizationFixture(h.db, 'Uidvalidity');
    const mailbox = await h.createMailbox(f.org.id, { folder: 'Support' });
    const mail = (name: string) => ({
      name,
      raw: customerEmail({
        from: `${name}-${short()}@customer.test`,
        to: mailbox.address,
        subject: `Case ${name}`,
        messageId: `${name}-${randomUUID()}@customer.test`,
      }),
    });
    const [a, b, c, d] = [mail('a'), mail('b'), mail('c'), mail('d')];
    await mailbox.append(a!.raw);
    await mailbox.append(b!.raw);
    await h.startReader(mailbox.id, worker.taskQueue);
    await eventually(async () => expect(await ticketsOf(h.db, f.org.id)).toHaveLength(2));
    const before = await mailboxRow(mailbox.id);
    expect(before.lastUid).toBe(2);

    // Recreate the folder: the new one starts again at UID 1, with C and D below the old last UID.
    const imap = new ImapFlow({
      ...h.dovecot.clientOptions(mailbox.user, mailbox.password),
      disableAutoIdle: true,
    });
    imap.on('error', () => undefined);
    await imap.connect();
    try {
      await imap.mailboxDelete('Support');
      await imap.mailboxCreate('Support');
      for (const m of [c!, d!, a!]) await imap.append('Support', m.raw);
      const status = await imap.status('Support', { uidValidity: true, uidNext: true });
      expect(status && Number(status.uidValidity)).not.toBe(before.uidValidity);
    } finally {
      await imap.logout().catch(() => imap.close());
    }

    await eventually(async () => expect(await ticketsOf(h.db, f.org.id)).toHaveLength(4), 30_000);
    await eventually(async () => expect((await mailboxRow(mailbox.id)).lastUid).toBe(3));
    const after = await mailboxRow(mailbox.id);
    expect(after.uidValidity).not.toBe(before.uidValidity);
    const ledger = await ledgerOf(h.db, f.org.id);
    expect(ledger.map((l) => l.outcome).sort()).toEqual(Array(4).fill('ticket_created'));
    // A came twice: the second time it was recognised, so one ticket and one acknowledgement.
    const outcomes = h.outcomes.filter((o) => o.mailboxId === mailbox.id).map((o) => o.outcome.outcome);
    expect(outcomes.sort()).toEqual(['duplicate', ...Array(4).fill('ticket_created')]);
    const fromA = /^From: (.*)$/m.exec(a!.raw)![1]!.trim();
    await eventually(() =>
      expect(h.tickets.sink.messages.filter((m) => m.envelope.to.includes(fromA))).toHaveLength(1),
    );
    await h.stopReader(mailbox.id);
    await worker.stop();
  }, 60_000);

  it('a reply threads onto its ticket after an ingest restart, before the ticket worker wrote the ticket', async () => {
    const f = await createOrganizationFixture(h.db, 'Restart');
    const source = { organizationId: f.org.id };
    // A fresh pipeline is what a restarted ingest process has: no memory of what it opened moments ago.
    const freshPipeline = () =>
      createIngestPipeline({
        db: h.db,
        tickets: h.tickets.commands,
        storage: h.storage,
        limits: INGEST_LIMITS,
        ourAddresses: CORPUS_OUR_ADDRESSES,
        log: silentLogger,
      });
    const from = `restart-${short()}@customer.test`;
    const to = 'support@restart.test';
    const original = `restart-original-${randomUUID()}@customer.test`;
    const reply = `restart-reply-${randomUUID()}@customer.test`;
    const second = `restart-second-${randomUUID()}@customer.test`;
    const stranger = `restart-stranger-${randomUUID()}@customer.test`;
    // The ticket worker is behind (down here): the original's workflow is started, its rows not written.
    await h.tickets.stopWorker();
    try {
      const opened = await freshPipeline().ingest(
        Buffer.from(customerEmail({ from, to, messageId: original, subject: 'Printer on fire' })),
        source,
      );
      expect(opened.outcome).toBe('ticket_created');
      const ticketId = (opened as { ticketId: string }).ticketId;
      expect(await ticketsOf(h.db, f.org.id)).toHaveLength(0);

      const byInReplyTo = await freshPipeline().ingest(
        Buffer.from(
          customerEmail({ from, to, messageId: reply, subject: 'Re: Printer on fire', inReplyTo: original }),
        ),
        source,
      );
      expect(byInReplyTo).toMatchObject({ outcome: 'message_added', ticketId });
      // References only, newest first after reversal: the reply (no ticket of its own), then the original.
      const byReferences = await freshPipeline().ingest(
        Buffer.from(
          customerEmail({
            from,
            to,
            messageId: second,
            subject: 'Re: Printer',
            references: [original, reply],
          }),
        ),
        source,
      );
      expect(byReferences).toMatchObject({ outcome: 'message_added', ticketId });
      // A reference to mail that opened no ticket is a new conversation.
      const unrelated = await freshPipeline().ingest(
        Buffer.from(
          customerEmail({
            from,
            to,
            messageId: stranger,
            subject: 'Other',
            inReplyTo: `${randomUUID()}@x.test`,
          }),
        ),
        source,
      );
      expect(unrelated.outcome).toBe('ticket_created');
    } finally {
      await h.tickets.startWorker();
    }
    await eventually(async () => expect(await ticketsOf(h.db, f.org.id)).toHaveLength(2), 30_000);
    const [conversation] = (await ticketsOf(h.db, f.org.id)).filter((t) => t.title === 'Printer on fire');
    // The customer's three emails on the one ticket (beside our acknowledgement).
    const customers = async () =>
      (await messagesOf(h.db, conversation!.id))
        .map((m) => m.emailMessageId)
        .filter((id) => id?.endsWith('@customer.test'))
        .sort();
    await eventually(async () => expect(await customers()).toEqual([original, reply, second].sort()));
  }, 60_000);
});
