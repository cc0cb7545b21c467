// Crash run (issue #7): customers' emails arrive and agents reply through the API while the worker and the
// ingest process are killed with SIGKILL at random moments, PostgreSQL is restarted and the Temporal dev
// server is restarted on its SQLite file. Afterwards every email is exactly one ticket or message, every
// reply went out once, and every first-response timer fired once (the unanswered tickets' escalations).
// Own PostgreSQL cluster (data/test/pg-crash), own Temporal dev server, Dovecot and an SMTP sink; worker,
// ingest and API run as child processes, exactly as `npm run worker|ingest|api` start them.
import { mkdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { and, count, eq, inArray, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../src/api/auth/tokens.js';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import {
  inboundEmails,
  outboundEmails,
  slaBreaches,
  slaEscalations,
  slaPolicies,
  ticketMessages,
  tickets,
  webhooks,
} from '../../src/db/schema/index.js';
import { getFreePort } from '../../src/net/free-port.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/temporal/dev-server.js';
import { ticketWorkflowId } from '../../src/workflows/ticket.js';
import { type AppProcess, superviseAppProcess } from '../support/app-process.js';
import { createOrganizationFixture, type OrganizationFixture } from '../support/db.js';
import { type DovecotServer, startDovecot } from '../support/dovecot.js';
import { type HttpReceiver, startHttpReceiver } from '../support/http-receiver.js';
import { bare, customerEmail } from '../support/ingest-harness.js';
import { createDovecotMailbox } from '../support/ingest-mailbox.js';
import { createMigratedDatabase, privateCluster } from '../support/postgres.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';
import { printFigures, scaled } from './profile.js';

const EMAILS = scaled({ ci: 160, full: 1_000 });
/** How long the chaos lasts; emails arrive over its first 85 %, so the last tickets' timers outlive it. */
const CHAOS_MS = scaled({ ci: 120_000, full: 540_000 });
/** Bound on waiting for everything to settle afterwards (a delivery killed mid-flight retries after 2 min). */
const SETTLE_MS = scaled({ ci: 200_000, full: 420_000 });
const FOLLOW_UP_SHARE = 0.3;
const ANSWER_SHARE = 0.5;
/** The agent only starts answering a ticket while this much of its first-response time is left. */
const ANSWER_MARGIN_MS = 20_000;
const FIRST_RESPONSE_MINUTES = 1;
const SEED = Number(process.env.CRASH_SEED ?? 7);
const DB_NAME = 'insightdesk_crash';
const LOG_DIR = path.resolve('data/test');

/** mulberry32: small, seedable, good enough to pick moments and victims reproducibly. */
function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { next, between: (lo: number, hi: number) => lo + next() * (hi - lo) };
}

interface SentEmail {
  messageId: string;
  from: string;
  /** The conversation's first email, for follow-ups. */
  original?: string;
}

interface Reply {
  ticketId: string;
  key: string;
  firstAttemptAt: number;
  acceptedAt?: number;
  messageId?: string;
  attempts: number;
  /** Refused with a 4xx (not an outage): a finding. */
  refused?: string;
  /** A deliberate second request with the same key after a 201 (a client that lost the response). */
  repeatedSameMessage?: boolean;
}

let cluster: ReturnType<typeof privateCluster>;
let pgPort: number;
let db: DatabaseHandle;
let temporal: TemporalDevServer;
let temporalDir: string;
let temporalPort: number;
let dovecot: DovecotServer;
let sink: SmtpSink;
let dataDir: string;
let f: OrganizationFixture;
let apiUrl: string;
let token: string;
let mailbox: { address: string; password: string };
let processes: AppProcess[] = [];
/** The organisation's webhook receiver: every ticket.created event must reach it, under one event id. */
let receiver: HttpReceiver;

const startTemporal = () =>
  startTemporalDevServer({ dataDir: temporalDir, port: temporalPort, sdkFallback: false });

beforeAll(async () => {
  cluster = privateCluster('pg-crash');
  pgPort = await getFreePort();
  const databaseUrl = await createMigratedDatabase(await cluster.start(pgPort), DB_NAME);
  db = await openDatabase({ url: databaseUrl, poolSize: 3 });
  temporalDir = await mkdtemp(path.join(os.tmpdir(), 'insightdesk-crash-temporal-'));
  temporalPort = await getFreePort();
  temporal = await startTemporal();
  dovecot = await startDovecot();
  sink = await startSmtpSink();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'insightdesk-crash-data-'));

  f = await createOrganizationFixture(db, 'Crash');
  // A one-minute first response for every priority (the classifier may pick any); resolution far away.
  await db.adminDb.insert(slaPolicies).values(
    (['low', 'medium', 'high', 'urgent'] as const).map((priority) => ({
      organizationId: f.org.id,
      name: `${priority} crash policy`,
      priority,
      firstResponseTime: FIRST_RESPONSE_MINUTES,
      resolutionTime: 7 * 24 * 60,
      businessHoursOnly: false,
      isDefault: true,
    })),
  );
  receiver = await startHttpReceiver();
  await db.adminDb.insert(webhooks).values({
    organizationId: f.org.id,
    url: `${receiver.url}/hook`,
    events: ['ticket.created'],
    secret: 'whsec_crash',
  });
  mailbox = { address: 'support@crash.test', password: 'crash-pw' };
  await createDovecotMailbox(db, dovecot, f.org.id, mailbox);
  token = (
    await db.withTenant({ organizationId: f.org.id, userId: f.agent.id }, (tx) =>
      issueApiToken(tx, {
        organizationId: f.org.id,
        userId: f.agent.id,
        name: 'crash agent',
        createdById: null,
        expiresAt: null,
      }),
    )
  ).token;

  const apiPort = await getFreePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '5',
    TEMPORAL_ADDRESS: temporal.address,
    SMTP_URL: `smtp://${sink.host}:${sink.port}`,
    MAIL_FROM: 'noreply@crash.test',
    IMAP_POLL_SECONDS: '2',
    // Production otherwise, but the mailboxes' Dovecot runs on this machine.
    MAILBOX_ALLOW_PRIVATE_HOSTS: 'true',
    API_HOST: '127.0.0.1',
    API_PORT: String(apiPort),
  };
  // Each process's whole output stays in data/test/crash-<name>.log for reading a failed run.
  const logFile = (name: string) => {
    const file = path.join(LOG_DIR, `crash-${name}.log`);
    rmSync(file, { force: true });
    return file;
  };
  mkdirSync(LOG_DIR, { recursive: true });
  processes = [
    superviseAppProcess('api', 'src/entry/api.ts', env, { logFile: logFile('api') }),
    superviseAppProcess('worker', 'src/entry/worker.ts', env, { logFile: logFile('worker') }),
    superviseAppProcess('ingest', 'src/entry/ingest.ts', env, { logFile: logFile('ingest') }),
  ];
  for (const p of processes) p.start();
  await waitUntil(async () => (await fetch(`${apiUrl}/ready`)).status === 200, 120_000, 'API ready');
}, 300_000);

afterAll(async () => {
  for (const p of processes) await p.stop().catch(() => undefined);
  await temporal?.stop().catch(() => undefined);
  await db?.close().catch(() => undefined);
  await sink?.stop().catch(() => undefined);
  await receiver?.close().catch(() => undefined);
  await dovecot?.stop().catch(() => undefined);
  await cluster?.stop().catch(() => undefined);
  for (const dir of [temporalDir, dataDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(500);
  }
}

const byProcess = (name: string) => processes.find((p) => p.name === name)!;

describe('crash run', () => {
  it('every email is one ticket or message, every reply is emailed once, every timer fires once', async () => {
    const startedAt = Date.now();
    const chaosEnd = startedAt + CHAOS_MS;
    // One stream each, so the chaos's moments do not depend on how many emails or replies came before.
    const mailRng = seeded(SEED);
    const chaosRng = seeded(SEED + 1);
    const agentRng = seeded(SEED + 2);
    const counts = { workerKills: 0, ingestKills: 0, postgresRestarts: 0, temporalRestarts: 0 };
    const timeline: string[] = [];
    const note = (what: string) => timeline.push(`${new Date().toISOString().slice(11, 23)} ${what}`);
    const api = { serverErrors: new Map<number, number>(), networkErrors: 0, requests: 0 };
    const sent: SentEmail[] = [];
    const replies = new Map<string, Reply>();
    const replyTasks: Promise<void>[] = [];
    let agentStopped = false;

    // Customers: EMAILS emails over 85 % of the chaos, 30 % of them follow-ups to an earlier conversation.
    const customers = async () => {
      const interval = (CHAOS_MS * 0.85) / EMAILS;
      for (let i = 0; i < EMAILS; i++) {
        const originals = sent.filter((e) => !e.original);
        const followUp = originals.length > 0 && mailRng.next() < FOLLOW_UP_SHARE;
        const of = followUp ? originals[Math.floor(mailRng.next() * originals.length)]! : undefined;
        const email: SentEmail = {
          messageId: `crash-${SEED}-${i}@customer.test`,
          from: of?.from ?? `customer-${i}@customer.test`,
          ...(of ? { original: of.messageId } : {}),
        };
        await dovecot.append(
          mailbox.address,
          mailbox.password,
          customerEmail({
            from: email.from,
            to: mailbox.address,
            messageId: email.messageId,
            subject: of ? `Re: Case ${of.messageId}` : `Case ${email.messageId}`,
            body: `Email ${i} of the crash run.`,
            ...(of ? { inReplyTo: of.messageId } : {}),
          }),
        );
        sent.push(email);
        await sleep(interval);
      }
    };

    const call = async (method: 'GET' | 'POST', url: string, body?: object, key?: string) => {
      api.requests++;
      try {
        const response = await fetch(`${apiUrl}${url}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body ? { 'content-type': 'application/json' } : {}),
            ...(key ? { 'idempotency-key': key } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
          // A client gives up on a hanging request and retries it, as real ones do.
          signal: AbortSignal.timeout(10_000),
        });
        if (response.status >= 500)
          api.serverErrors.set(response.status, (api.serverErrors.get(response.status) ?? 0) + 1);
        return { status: response.status, body: await response.json().catch(() => null) };
      } catch {
        api.networkErrors++;
        return { status: 0, body: null };
      }
    };

    /** POSTs the reply until it is accepted, retrying outages with the same Idempotency-Key. */
    const postReply = async (reply: Reply, content: string) => {
      for (let attempt = 1; ; attempt++) {
        reply.attempts++;
        const response = await call('POST', `/tickets/${reply.ticketId}/messages`, { content }, reply.key);
        if (response.status === 201) return (response.body as { id: string }).id;
        if (response.status > 0 && response.status < 500) {
          reply.refused = `${response.status} ${JSON.stringify(response.body)}`;
          return undefined;
        }
        if (Date.now() > chaosEnd + SETTLE_MS) return undefined;
        await sleep(Math.min(250 * 2 ** attempt, 4_000));
      }
    };

    const answer = async (reply: Reply, ticketNumber: number) => {
      const content = `Answer to ticket #${ticketNumber}`;
      const id = await postReply(reply, content);
      if (!id) return;
      reply.acceptedAt = Date.now();
      reply.messageId = id;
      // Now and then the client "lost" the 201 and sends the request again: same message, nothing new.
      if (agentRng.next() < 0.25) reply.repeatedSameMessage = (await postReply(reply, content)) === id;
    };

    // The agent: looks at the newest tickets every second and answers about half of them in time.
    const agent = async () => {
      const seen = new Set<string>();
      while (!agentStopped) {
        const list = await call('GET', '/tickets?sort=created&order=desc&limit=100');
        if (list.status === 200) {
          for (const t of (list.body as { data: { id: string; ticketNumber: number; createdAt: string }[] })
            .data) {
            if (seen.has(t.id)) continue;
            seen.add(t.id);
            const deadline = Date.parse(t.createdAt) + FIRST_RESPONSE_MINUTES * 60_000;
            const chosen = seeded(SEED * 100_003 + t.ticketNumber).next() < ANSWER_SHARE;
            if (!chosen || Date.now() > deadline - ANSWER_MARGIN_MS) continue;
            const reply: Reply = {
              ticketId: t.id,
              key: `crash-reply-${t.id}`,
              firstAttemptAt: Date.now(),
              attempts: 0,
            };
            replies.set(t.id, reply);
            replyTasks.push(answer(reply, t.ticketNumber));
          }
        }
        await sleep(1_000);
      }
    };

    // Chaos: every 3-9 s one of: SIGKILL the worker or the ingest process (restarted after 0.2-3 s),
    // restart PostgreSQL (down 0.5-5 s), restart the Temporal dev server on its SQLite file (down 0.5-4 s).
    const chaos = async () => {
      while (Date.now() < chaosEnd) {
        await sleep(chaosRng.between(3_000, 9_000));
        const roll = chaosRng.next();
        if (roll < 0.3) {
          await byProcess('worker').kill9();
          counts.workerKills++;
          note('worker killed');
          await sleep(chaosRng.between(200, 3_000));
          byProcess('worker').start();
          note('worker started');
        } else if (roll < 0.6) {
          await byProcess('ingest').kill9();
          counts.ingestKills++;
          note('ingest killed');
          await sleep(chaosRng.between(200, 3_000));
          byProcess('ingest').start();
          note('ingest started');
        } else if (roll < 0.8) {
          await cluster.stop();
          counts.postgresRestarts++;
          note('PostgreSQL stopped');
          await sleep(chaosRng.between(500, 5_000));
          await cluster.start(pgPort);
          note('PostgreSQL started');
        } else {
          await temporal.stop();
          counts.temporalRestarts++;
          note('Temporal stopped');
          await sleep(chaosRng.between(500, 4_000));
          temporal = await startTemporal();
          note('Temporal started');
        }
      }
    };

    // The webhook receiver has an outage from a third into the chaos: its next 20 requests get 503.
    const receiverOutage = async () => {
      await sleep(CHAOS_MS / 3);
      receiver.refuseNext(20);
      note('webhook receiver down for 20 requests');
    };

    const agentRun = agent();
    await Promise.all([customers(), chaos(), receiverOutage()]);
    const chaosEndedAt = Date.now();

    // Settling: every email in the ledger, every reply request answered, every outbox row sent and seen by
    // the sink, every deadline passed and every unanswered ticket's breach recorded.
    const ourIds = sent.map((e) => e.messageId);
    const originals = sent.filter((e) => !e.original);
    let waitingFor = '';
    const settleDeadline = Date.now() + SETTLE_MS;
    for (;;) {
      waitingFor = await unsettled(ourIds.length, replies, replyTasks).catch((e) => `query failed: ${e}`);
      if (!waitingFor || Date.now() > settleDeadline) break;
      if (waitingFor !== 'emails') agentStopped = true;
      await sleep(2_000);
    }
    agentStopped = true;
    await agentRun;
    await Promise.all(replyTasks);
    // Room for a late duplicate to show up before counting.
    await sleep(3_000);
    const settledAt = Date.now();

    // Every email: exactly one ticket_messages row (and one ledger row); follow-ups on their original's ticket.
    const messageRows = await db.adminDb
      .select({ emailMessageId: ticketMessages.emailMessageId, ticketId: ticketMessages.ticketId })
      .from(ticketMessages)
      .where(inArray(ticketMessages.emailMessageId, ourIds));
    const rowsById = new Map<string, string[]>();
    for (const r of messageRows)
      rowsById.set(r.emailMessageId!, [...(rowsById.get(r.emailMessageId!) ?? []), r.ticketId]);
    const lost = ourIds.filter((id) => !rowsById.has(id));
    const duplicateMessages = [...rowsById.values()].reduce((n, rows) => n + rows.length - 1, 0);
    const ticketRows = await db.adminDb
      .select({ id: tickets.id, createdAt: tickets.createdAt })
      .from(tickets)
      .where(eq(tickets.organizationId, f.org.id));
    const misthreaded = sent.filter(
      (e) => e.original && rowsById.get(e.messageId)?.[0] !== rowsById.get(e.original)?.[0],
    );
    const ledger = await db.adminDb
      .select({ outcome: inboundEmails.outcome })
      .from(inboundEmails)
      .where(eq(inboundEmails.organizationId, f.org.id));

    // Mail: outbox rows per cause, deliveries per Message-ID.
    const outbox = await db.adminDb
      .select()
      .from(outboundEmails)
      .where(eq(outboundEmails.organizationId, f.org.id));
    const deliveries = new Map<string, number>();
    for (const m of sink.messages)
      deliveries.set(bare(m.messageId), (deliveries.get(bare(m.messageId)) ?? 0) + 1);
    const mailFigures = (kind: string) => {
      const rows = outbox.filter((o) => o.kind === kind);
      return {
        rows,
        queued: rows.length,
        delivered: rows.filter((o) => deliveries.has(o.messageId)).length,
        // The same Message-ID accepted twice: a crash between the SMTP server's 250 and the outbox update.
        resent: rows.reduce((n, o) => n + Math.max(0, (deliveries.get(o.messageId) ?? 0) - 1), 0),
      };
    };
    const acks = mailFigures('acknowledgement');
    const replyMail = mailFigures('reply');
    const escalations = mailFigures('escalation');

    // Replies: each accepted one is one reply message with one outbox row.
    const accepted = [...replies.values()].filter((r) => r.messageId);
    const replyMessages = accepted.length
      ? await db.adminDb
          .select({
            id: ticketMessages.id,
            ticketId: ticketMessages.ticketId,
            emailMessageId: ticketMessages.emailMessageId,
          })
          .from(ticketMessages)
          .where(
            and(
              eq(ticketMessages.senderId, f.agent.id),
              inArray(
                ticketMessages.ticketId,
                accepted.map((r) => r.ticketId),
              ),
            ),
          )
      : [];

    // Webhooks: each ticket's ticket.created accepted by the receiver, under one event id however often sent.
    const hookEvents = receiver.requests.map((q) => ({
      accepted: q.status === 200,
      ...(JSON.parse(q.body) as { id: string; data: { ticket: { id: string } } }),
    }));
    const eventIdsOf = (ticketId: string) =>
      new Set(hookEvents.filter((e) => e.data.ticket.id === ticketId).map((e) => e.id));
    const acceptedHooks = hookEvents.filter((e) => e.accepted);
    const ticketsWithoutEvent = ticketRows.filter(
      (t) => !acceptedHooks.some((e) => e.data.ticket.id === t.id),
    );

    // SLA: unanswered tickets breach once; tickets answered before their deadline never do.
    const breaches = await db.adminDb
      .select({
        ticketId: slaBreaches.ticketId,
        kind: slaBreaches.kind,
        escalationMail: slaEscalations.outboundEmailId,
      })
      .from(slaBreaches)
      .leftJoin(slaEscalations, eq(slaEscalations.id, slaBreaches.escalationId))
      .where(eq(slaBreaches.organizationId, f.org.id));
    const breachesOf = (ticketId: string) => breaches.filter((b) => b.ticketId === ticketId).length;
    // A breach is told of by the mail about it alone or by its window's digest (one mail for many).
    const escalationsOf = (ticketId: string) =>
      escalations.rows.filter((o) =>
        breaches.some((b) => b.ticketId === ticketId && b.escalationMail === o.id),
      );
    const deadlineOf = (t: { createdAt: Date }) => t.createdAt.getTime() + FIRST_RESPONSE_MINUTES * 60_000;
    const unanswered = ticketRows.filter((t) => !replies.has(t.id));
    const inTime = ticketRows.filter((t) => {
      const r = replies.get(t.id);
      return r?.acceptedAt !== undefined && r.acceptedAt < deadlineOf(t) - 1_000;
    });
    const pendingAtChaosEnd = unanswered.filter((t) => deadlineOf(t) > chaosEndedAt).length;

    const unplanned = processes.map((p) => `${p.name} ${p.unplannedExits.length}`).join(', ');
    printFigures('crash run', {
      seed: SEED,
      'emails sent (new / follow-ups)': `${sent.length} (${originals.length} / ${sent.length - originals.length})`,
      'tickets found (expected)': `${ticketRows.length} (${originals.length})`,
      'messages found for the emails': messageRows.length,
      duplicates: duplicateMessages + Math.max(0, ticketRows.length - originals.length),
      lost: lost.length,
      'threaded onto the wrong ticket': misthreaded.length,
      'ledger outcomes': JSON.stringify(countBy(ledger.map((l) => l.outcome))),
      'acknowledgements queued / delivered / resent same Message-ID': `${acks.queued} / ${acks.delivered} / ${acks.resent}`,
      'replies accepted by the API / repeated requests answered with the same message': `${accepted.length} / ${accepted.filter((r) => r.repeatedSameMessage).length} of ${accepted.filter((r) => r.repeatedSameMessage !== undefined).length}`,
      'reply requests made (incl. retries)': [...replies.values()].reduce((n, r) => n + r.attempts, 0),
      'replies delivered / duplicated (another Message-ID) / resent same Message-ID': `${replyMail.delivered} / ${Math.max(0, replyMail.queued - accepted.length)} / ${replyMail.resent}`,
      'breaches expected (unanswered) / found on them': `${unanswered.length} / ${unanswered.filter((t) => breachesOf(t.id) > 0).length}`,
      'answered in time / breached anyway': `${inTime.length} / ${inTime.filter((t) => breachesOf(t.id) > 0).length}`,
      'first-response timers still pending when the chaos ended': pendingAtChaosEnd,
      'escalations queued / delivered / resent same Message-ID': `${escalations.queued} / ${escalations.delivered} / ${escalations.resent}`,
      'webhook events accepted / sent again with the same id / refused during the outage': `${new Set(acceptedHooks.map((e) => e.id)).size} / ${acceptedHooks.length - new Set(acceptedHooks.map((e) => e.id)).size} / ${hookEvents.length - acceptedHooks.length}`,
      'worker kills / ingest kills': `${counts.workerKills} / ${counts.ingestKills}`,
      'PostgreSQL restarts / Temporal restarts': `${counts.postgresRestarts} / ${counts.temporalRestarts}`,
      'unplanned process exits (restarted)': unplanned,
      'API requests / 5xx answers / network errors or timeouts': `${api.requests} / ${JSON.stringify(Object.fromEntries(api.serverErrors))} / ${api.networkErrors}`,
      'settled after the chaos (s)': Math.round((settledAt - chaosEndedAt) / 1000),
      'wall time (s)': Math.round((settledAt - startedAt) / 1000),
    });
    for (const p of processes)
      for (const exit of p.unplannedExits)
        console.warn(
          `${p.name} exited (${exit.code ?? exit.signal}) at ${exit.at.toISOString()}:\n${exit.output}`,
        );

    if (waitingFor) {
      console.warn(`not settled (${waitingFor}); chaos timeline:\n${timeline.join('\n')}`);
      await explainPendingMail(outbox.filter((o) => o.status !== 'sent' || !deliveries.has(o.messageId)));
    }
    expect(waitingFor, 'settled within the bound').toBe('');
    expect(lost).toEqual([]);
    expect(duplicateMessages).toBe(0);
    expect(ticketRows).toHaveLength(originals.length);
    expect(misthreaded.map((e) => e.messageId)).toEqual([]);
    expect(ledger).toHaveLength(sent.length);
    // Each ticket one acknowledgement, each cause's mail delivered (a resend keeps its Message-ID).
    expect(acks.queued).toBe(originals.length);
    for (const figures of [acks, replyMail, escalations]) expect(figures.delivered).toBe(figures.queued);
    // Every accepted reply: one reply message, one outbox row, delivered under that one Message-ID.
    expect([...replies.values()].filter((r) => r.refused).map((r) => r.refused)).toEqual([]);
    expect(accepted).toHaveLength(replies.size);
    expect(replyMessages.map((m) => m.id).sort()).toEqual(accepted.map((r) => r.messageId).sort());
    expect(replyMail.queued).toBe(accepted.length);
    expect(accepted.every((r) => r.repeatedSameMessage !== false)).toBe(true);
    // Every unanswered ticket: one first-response breach, told of in one escalation; answered in time: none.
    for (const t of unanswered) {
      expect(breaches.filter((b) => b.ticketId === t.id).map((b) => b.kind)).toEqual(['first_response']);
      expect(escalationsOf(t.id)).toHaveLength(1);
    }
    for (const t of inTime) {
      expect(breachesOf(t.id)).toBe(0);
      expect(escalationsOf(t.id)).toHaveLength(0);
    }
    // Every ticket's creation reached the webhook through the outage, and only ever under one event id.
    expect(hookEvents.length - acceptedHooks.length).toBe(20);
    expect(ticketsWithoutEvent.map((t) => t.id)).toEqual([]);
    for (const t of ticketRows) expect(eventIdsOf(t.id).size).toBe(1);
    // Late answers may or may not have beaten the timer, but never breach twice.
    for (const t of ticketRows) expect(breachesOf(t.id)).toBeLessThanOrEqual(1);
  });
});

/** For mail still undelivered: what its ticket workflow's pending activities say (attempts, last failure). */
async function explainPendingMail(rows: { kind: string; ticketId: string | null; createdAt: Date }[]) {
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  for (const row of rows) {
    const description = await client.workflow
      .getHandle(ticketWorkflowId(row.ticketId!))
      .describe()
      .catch((error: unknown) => ({ raw: { pendingActivities: [] }, status: String(error) }));
    const pending = (description.raw.pendingActivities ?? []).map((a) => ({
      type: a.activityType?.name,
      state: a.state,
      attempt: a.attempt,
      lastStarted: a.lastStartedTime?.seconds ? new Date(Number(a.lastStartedTime.seconds) * 1000) : null,
      lastFailure: a.lastFailure?.message,
    }));
    console.warn(
      `${row.kind} of ${row.createdAt.toISOString()} on ticket ${row.ticketId}: ${JSON.stringify(pending)}`,
    );
  }
  await connection.close();
}

function countBy(values: string[]) {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** What the run is still waiting for ('' when settled). */
async function unsettled(emails: number, replies: Map<string, Reply>, replyTasks: Promise<void>[]) {
  const [ledger] = await db.adminDb
    .select({ n: count() })
    .from(inboundEmails)
    .where(eq(inboundEmails.organizationId, f.org.id));
  if (ledger!.n < emails) return 'emails';
  const done = await Promise.race([Promise.all(replyTasks).then(() => true), sleep(0, false)]);
  if (!done) return 'reply requests';
  const ticketRows = await db.adminDb
    .select({ id: tickets.id, createdAt: tickets.createdAt })
    .from(tickets)
    .where(eq(tickets.organizationId, f.org.id));
  const lastDeadline = Math.max(
    ...ticketRows.map((t) => t.createdAt.getTime() + FIRST_RESPONSE_MINUTES * 60_000),
  );
  if (Date.now() < lastDeadline) return 'deadlines';
  const breached = new Set(
    (
      await db.adminDb
        .select({ ticketId: slaBreaches.ticketId })
        .from(slaBreaches)
        .where(eq(slaBreaches.organizationId, f.org.id))
    ).map((b) => b.ticketId),
  );
  if (ticketRows.some((t) => !replies.has(t.id) && !breached.has(t.id))) return 'breaches';
  const [waitingDigests] = await db.adminDb
    .select({ n: count() })
    .from(slaEscalations)
    .where(and(eq(slaEscalations.organizationId, f.org.id), isNull(slaEscalations.writtenAt)));
  if (waitingDigests!.n > 0) return 'escalation digests';
  const outbox = await db.adminDb
    .select({ status: outboundEmails.status, messageId: outboundEmails.messageId })
    .from(outboundEmails)
    .where(eq(outboundEmails.organizationId, f.org.id));
  if (outbox.some((o) => o.status === 'pending')) return 'outbox';
  const delivered = new Set(sink.messages.map((m) => bare(m.messageId)));
  if (outbox.some((o) => !delivered.has(o.messageId))) return 'deliveries';
  const hooked = new Set(
    receiver.requests
      .filter((q) => q.status === 200)
      .map((q) => (JSON.parse(q.body) as { data: { ticket: { id: string } } }).data.ticket.id),
  );
  if (ticketRows.some((t) => !hooked.has(t.id))) return 'webhooks';
  return '';
}
