// npm run bench:ingest [-- N ...] [--latency=K]: appends N emails (70 % new conversations, 30 % replies
// to earlier ones) to a Dovecot mailbox, starts its reader and measures end to end how fast they become
// tickets and messages in PostgreSQL; then the inbox-to-ticket latency of K single emails arriving while
// the reader idles; then the bare limit: mailparser plus one row insert per email, and the ratio.
// Default N: 1,000 and 10,000; default K: 50.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { and, count, eq } from 'drizzle-orm';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { inboundEmails, mailboxes, organizations, tickets } from '../src/db/schema/index.js';
import { createIngestActivities } from '../src/ingest/activities.js';
import { silentLogger } from '../src/ingest/log.js';
import { createIngestPipeline } from '../src/ingest/pipeline.js';
import { createFileMailer } from '../src/mail/mailer.js';
import { createFileStorage } from '../src/storage/storage.js';
import { createSurveyLinks } from '../src/surveys/signed-links.js';
import { createIngestWorker, startMailboxReader } from '../src/temporal/ingest-worker.js';
import { createTicketCommands } from '../src/temporal/tickets.js';
import { createTicketWorker } from '../src/temporal/worker.js';
import { mailboxWorkflowId } from '../src/workflows/mailbox.js';
import { startDovecot } from '../tests/support/dovecot.js';
import { createDovecotMailbox } from '../tests/support/ingest-mailbox.js';
import { benchEmail, percentile, startBenchServices } from './support.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
const args = process.argv.slice(2);
const sizes = args.map(Number).filter((n) => n > 0);
const runs = sizes.length ? sizes : [1_000, 10_000];
const latencySamples = Number(args.find((a) => a.startsWith('--latency='))?.split('=')[1] ?? 50);

const services = await startBenchServices('ingest', 20);
const { db } = services;
const dovecot = await startDovecot();
const connection = await Connection.connect({ address: services.temporal.address });
const native = await NativeConnection.connect({ address: services.temporal.address });
const client = new Client({ connection });
const ticketQueue = `bench-tickets-${randomUUID()}`;
const ingestQueue = `bench-ingest-${randomUUID()}`;
const mailer = createFileMailer(join(services.dir, 'outbox'));
const storage = createFileStorage(join(services.dir, 'files'));
const ticketWorker = await createTicketWorker({
  connection: native,
  namespace: 'default',
  taskQueue: ticketQueue,
  deps: {
    db,
    mailer,
    storage,
    defaultFrom: 'support@bench.test',
    surveyLinks: createSurveyLinks('http://bench.test', 'bench-survey-signing-key-of-32-chars!'),
  },
  tuning: { maxConcurrentWorkflowTaskExecutions: 100, maxConcurrentLocalActivityExecutions: 100 },
});
const ticketsRunning = ticketWorker.run();
const limits = { maxTotalBytes: 25 * 1024 * 1024, maxAttachmentBytes: 10 * 1024 * 1024 };
const pipeline = createIngestPipeline({
  db,
  tickets: createTicketCommands(client, ticketQueue),
  storage,
  limits,
  ourAddresses: ['support@bench.test'],
  log: silentLogger,
});
let accepted = 0;
const ingestWorker = await createIngestWorker({
  connection: native,
  namespace: 'default',
  taskQueue: ingestQueue,
  activities: createIngestActivities({
    db,
    pipeline,
    maxEmailBytes: limits.maxTotalBytes,
    // Dovecot on this machine.
    hostPolicy: { allowPrivate: true },
    log: silentLogger,
    reader: { pollIntervalMs: 5_000, batchSize: 100 },
    onOutcome: () => {
      accepted++;
    },
  }),
});
const ingestRunning = ingestWorker.run();

const email = (i: number, from: string, to: string, replyTo?: string) => benchEmail(i, from, to, replyTo).raw;

/** N emails: about 70 % open conversations, 30 % answer an earlier one of the same set. */
function corpus(n: number, to: string): string[] {
  const out: string[] = [];
  const opened: { id: string; from: string }[] = [];
  for (let i = 0; i < n; i++) {
    const reply = opened.length > 0 && i % 10 >= 7;
    const from = reply
      ? opened[(i * 7919) % opened.length]!.from
      : `c${i}-${randomUUID().slice(0, 6)}@customer.bench`;
    const target = reply ? opened[(i * 7919) % opened.length]!.id : undefined;
    const raw = email(i, from, to, target);
    out.push(raw);
    if (!reply) opened.push({ id: /Message-ID: <([^>]+)>/.exec(raw)![1]!, from });
  }
  return out;
}

async function newMailbox(label: string) {
  const slug = `bench-${label}-${randomUUID().slice(0, 8)}`;
  const [org] = await db.adminDb.insert(organizations).values({ name: slug, slug }).returning();
  const address = `support-${randomUUID().slice(0, 8)}@bench.test`;
  const password = randomUUID();
  const row = await createDovecotMailbox(db, dovecot, org!.id, { address, password, name: label });
  return { org: org!, mailbox: row, password };
}

async function stopReader(mailboxId: string) {
  const handle = client.workflow.getHandle(mailboxWorkflowId(mailboxId));
  await handle.cancel().catch((e) => {
    if (!(e instanceof WorkflowNotFoundError)) throw e;
  });
  await handle.result().catch(() => undefined);
}

const ledgerCount = async (organizationId: string) =>
  (
    await db.adminDb
      .select({ n: count() })
      .from(inboundEmails)
      .where(eq(inboundEmails.organizationId, organizationId))
  )[0]!.n;

const rows: Record<string, string | number>[] = [];
try {
  for (const n of runs) {
    const { org, mailbox, password } = await newMailbox(`throughput-${n}`);
    const raws = corpus(n, mailbox.address);
    const imap = new ImapFlow({ ...dovecot.clientOptions(mailbox.address, password), disableAutoIdle: true });
    await imap.connect();
    const appendStart = performance.now();
    for (const raw of raws) await imap.append('INBOX', raw);
    const appendMs = performance.now() - appendStart;
    await imap.logout();

    accepted = 0;
    const start = performance.now();
    await startMailboxReader(client, ingestQueue, mailbox.id);
    let acceptedMs = 0;
    for (;;) {
      if (!acceptedMs && accepted >= n) acceptedMs = performance.now() - start;
      if ((await ledgerCount(org.id)) >= n) break;
      await sleep(20);
    }
    const totalMs = performance.now() - start;
    await stopReader(mailbox.id);
    const ticketCount = (
      await db.adminDb.select({ n: count() }).from(tickets).where(eq(tickets.organizationId, org.id))
    )[0]!.n;

    // The bare limit: the same emails through mailparser and one row each, nothing else.
    const [scratch] = await db.adminDb
      .insert(organizations)
      .values({ name: 'bare', slug: `bench-bare-${randomUUID().slice(0, 8)}` })
      .returning();
    const bareStart = performance.now();
    for (const raw of raws) {
      const parsed = await simpleParser(Buffer.from(raw));
      await db.adminDb.insert(inboundEmails).values({
        organizationId: scratch!.id,
        messageKey: parsed.messageId ?? randomUUID(),
        fromAddress: parsed.from?.value[0]?.address ?? null,
        subject: parsed.subject ?? null,
        outcome: 'ignored',
      });
    }
    const bareMs = performance.now() - bareStart;

    const rate = n / (totalMs / 1000);
    const bareRate = n / (bareMs / 1000);
    rows.push({
      emails: n,
      'new tickets': ticketCount,
      'append/s': Math.round(n / (appendMs / 1000)),
      'accepted by Temporal (s)': (acceptedMs / 1000).toFixed(1),
      'all in PostgreSQL (s)': (totalMs / 1000).toFixed(1),
      'emails/s end to end': Math.round(rate),
      'bare parse+insert/s': Math.round(bareRate),
      'end to end / bare': `${((rate / bareRate) * 100).toFixed(1)} %`,
    });
    console.log(JSON.stringify(rows.at(-1)));
  }

  // Latency: single emails arriving while the reader idles in IDLE.
  const { org, mailbox, password } = await newMailbox('latency');
  await startMailboxReader(client, ingestQueue, mailbox.id);
  while (!(await db.adminDb.select().from(mailboxes).where(eq(mailboxes.id, mailbox.id)))[0]?.uidValidity) {
    await sleep(50);
  }
  const imap = new ImapFlow({ ...dovecot.clientOptions(mailbox.address, password), disableAutoIdle: true });
  await imap.connect();
  const latencies: number[] = [];
  for (let i = 0; i < latencySamples; i++) {
    await sleep(300); // let the reader go back to IDLE
    const raw = email(1_000_000 + i, `lat-${i}-${randomUUID().slice(0, 6)}@customer.bench`, mailbox.address);
    const key = /Message-ID: <([^>]+)>/.exec(raw)![1]!;
    const start = performance.now();
    await imap.append('INBOX', raw);
    for (;;) {
      const [hit] = await db.adminDb
        .select({ id: inboundEmails.id })
        .from(inboundEmails)
        .where(and(eq(inboundEmails.organizationId, org.id), eq(inboundEmails.messageKey, key)));
      if (hit) break;
      await sleep(5);
    }
    latencies.push(performance.now() - start);
  }
  await imap.logout();
  await stopReader(mailbox.id);
  latencies.sort((a, b) => a - b);

  // The ceiling the dev server sets: bare workflow starts (no worker, nothing runs), 8 in flight.
  const ceilingStarts = 500;
  let next = 0;
  const ceilingStart = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < ceilingStarts) {
        next++;
        await client.workflow.start('benchNothing', {
          taskQueue: `bench-nobody-${randomUUID()}`,
          workflowId: randomUUID(),
        });
      }
    }),
  );
  const ceiling = Math.round(ceilingStarts / ((performance.now() - ceilingStart) / 1000));

  console.log('\nIngest throughput (Dovecot → reader → Temporal → ticket workflow → PostgreSQL):');
  console.table(rows);
  console.log(
    `Inbox-to-ticket latency while idle (APPEND → ticket row), ${latencies.length} emails: ` +
      `p50 ${Math.round(percentile(latencies, 50))} ms, p99 ${Math.round(percentile(latencies, 99))} ms, ` +
      `max ${Math.round(latencies.at(-1) ?? Number.NaN)} ms`,
  );
  console.log(
    `For scale: this Temporal dev server (SQLite) accepts ${ceiling} bare workflow starts/s; every email costs ` +
      'one start or signal, and each new ticket several more workflow and activity tasks.',
  );
} finally {
  ingestWorker.shutdown();
  await ingestRunning;
  ticketWorker.shutdown();
  await ticketsRunning;
  mailer.close();
  await native.close();
  await connection.close();
  await dovecot.stop();
  await services.close();
}
