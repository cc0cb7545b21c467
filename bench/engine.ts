// npm run bench:engine [-- --emails=N --replies=R --breaches=B --setups=1x1,2x2 --tuning=JSON]
// Where the time of one email and one breach goes. Runs a known number of new-ticket emails and reply
// emails (Dovecot → ingest process → ticket workflows) and of simultaneous SLA breaches through the real
// stack — PostgreSQL, the Temporal dev server as the project runs it, ticket workers and ingest workers in
// processes of their own — and prints per item: history events, workflow tasks, activity tasks, local
// activities, signals and updates (from the workflows' histories), PostgreSQL transactions (pg_stat_database),
// the dev server's writes (/proc/<pid>/io) and CPU seconds of each process group (/proc/<pid>/stat).
// Same-run references: bare workflow starts against the same dev server, bare parse-and-insert.
// A setup `WxI` runs W ticket-worker processes and I ingest processes (two mailboxes in every setup).
// `--profile=DIR` writes CPU profiles of the ticket workers. `--memory=M` instead opens M tickets that stay open and samples the worker process's memory.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import postgres from 'postgres';
import {
  inboundEmails,
  organizations,
  slaPolicies,
  userOrganizations,
  users,
} from '../src/db/schema/index.js';
import { startMailboxReader } from '../src/temporal/ingest-worker.js';
import { createTicketCommands } from '../src/temporal/tickets.js';
import type { TicketWorkerOptions } from '../src/temporal/worker.js';
import { mailboxWorkflowId } from '../src/workflows/mailbox.js';
import { ticketWorkflowId } from '../src/workflows/ticket.js';
import { startDovecot } from '../tests/support/dovecot.js';
import { createDovecotMailbox } from '../tests/support/ingest-mailbox.js';
import type { EngineIngestSettings } from './engine-ingest.js';
import type { EngineWorkerSettings } from './engine-worker.js';
import { cpuSeconds, processesMatching, processTree, residentMiB, writeIo } from './proc.js';
import { benchEmail, inBatches, percentile, startBenchServices } from './support.js';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k!, v.join('=')];
  }),
);
const newEmails = Number(args.emails ?? 200);
const replyEmails = Number(args.replies ?? Math.round(newEmails * 0.43)); // 70 % new, 30 % replies
const breachCount = Number(args.breaches ?? 200);
const setups = (args.setups ?? '1x1').split(',').map((s) => s.split('x').map(Number) as [number, number]);
const tuning = (args.tuning ? JSON.parse(args.tuning) : {}) as TicketWorkerOptions['tuning'];
const memoryTickets = Number(args.memory ?? 0);

const services = await startBenchServices(memoryTickets > 0 ? 'engine_memory' : 'engine', 10);
const { db } = services;
const dovecot = await startDovecot();
const connection = await Connection.connect({ address: services.temporal.address });
const client = new Client({ connection });
// Every probe of the benchmark's own is counted, so its transactions are taken out of the figures.
const probeSql = postgres(services.url, { max: 1, onnotice: () => {} });
let probes = 0;
const probe = <T extends readonly object[]>(run: (sql: typeof probeSql) => Promise<T>): Promise<T> => {
  probes++;
  return run(probeSql);
};
const dataDirectory = (await probeSql`show data_directory`)[0]!.data_directory as string;
const postmaster = Number(readFileSync(join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0]);
const temporalPid = services.temporal.pid!;

// ---- measuring ------------------------------------------------------------------------------------------

interface Processes {
  workers: number[];
  ingest: number[];
}
interface Snapshot {
  at: number;
  cpu: Record<string, number>;
  temporalWrites: ReturnType<typeof writeIo>;
}
const sum = (pids: number[], f: (pid: number) => number) => pids.reduce((s, pid) => s + f(pid), 0);

function snapshot(procs: Processes): Snapshot {
  return {
    at: performance.now(),
    cpu: {
      worker: sum(procs.workers, cpuSeconds),
      temporal: sum(processTree(temporalPid), cpuSeconds),
      postgres: sum(processTree(postmaster), cpuSeconds),
      ingest: sum(procs.ingest, cpuSeconds),
      dovecot: sum(processesMatching(dovecot.dir).flatMap(processTree), cpuSeconds),
      bench: cpuSeconds(process.pid),
    },
    temporalWrites: writeIo(temporalPid),
  };
}

/**
 * Transactions of the benchmark database so far, less the benchmark's own probes. An idle backend flushes
 * its statistics within 10 s (PostgreSQL 15's PGSTAT_IDLE_INTERVAL), hence the wait.
 */
async function transactions(): Promise<number> {
  await sleep(11_000);
  const [row] = await probe(
    (sql) =>
      sql`select (xact_commit + xact_rollback)::bigint as n from pg_stat_database where datname = current_database()`,
  );
  return Number(row!.n) - probes;
}

const eventName = (type: unknown) =>
  String(typeof type === 'number' ? proto.temporal.api.enums.v1.EventType[type] : type).replace(
    /^EVENT_TYPE_/,
    '',
  );

/** History events of each workflow since the last call (per workflow id), by type. */
const seenEvents = new Map<string, number>();
async function newEvents(workflowIds: string[]): Promise<Map<string, number>> {
  const byType = new Map<string, number>();
  await inBatches(workflowIds, 10, async (id) => {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const after = seenEvents.get(id) ?? 0;
    for (const event of history.events ?? []) {
      const eventId = Number(event.eventId);
      if (eventId <= after) continue;
      const name = eventName(event.eventType);
      byType.set(name, (byType.get(name) ?? 0) + 1);
      seenEvents.set(id, eventId);
    }
  });
  return byType;
}

/** Waits until none of the workflows has a workflow task or activity pending. */
async function quiescent(workflowIds: string[]) {
  let waiting = workflowIds;
  while (waiting.length) {
    const busy: string[] = [];
    await inBatches(waiting, 10, async (id) => {
      const { raw } = await client.workflow.getHandle(id).describe();
      if (raw.pendingWorkflowTask || (raw.pendingActivities?.length ?? 0) > 0) busy.push(id);
    });
    waiting = busy;
    if (waiting.length) await sleep(200);
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20 * 60_000) {
  const giveUp = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`);
    await sleep(250);
  }
}

interface PhaseResult {
  phase: string;
  items: number;
  seconds: number;
  events: Map<string, number>;
  xacts: number;
  before: Snapshot;
  after: Snapshot;
}

/** `clockFrom`: when the phase's work can start, if later than its first snapshot (a deadline). */
async function measure(
  phase: string,
  items: number,
  procs: Processes,
  run: () => Promise<string[]>,
  clockFrom?: number,
): Promise<PhaseResult> {
  const xactsBefore = await transactions();
  const before = snapshot(procs);
  const workflowIds = await run();
  await quiescent(workflowIds);
  const after = snapshot(procs);
  const xacts = (await transactions()) - xactsBefore;
  const events = workflowIds.length ? await newEvents(workflowIds) : new Map<string, number>();
  const seconds = (after.at - Math.max(before.at, clockFrom ?? 0)) / 1000;
  const result = { phase, items, seconds, events, xacts, before, after };
  // Each phase's row as it ends, so a failure later (the dev server can give up on a loaded machine) keeps it.
  console.log(`${phase}: ${items} in ${result.seconds.toFixed(1)} s`, JSON.stringify(breakdownRow(result)));
  return result;
}

const perItem = (n: number, items: number) => (items ? n / items : 0);
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function breakdownRow(r: PhaseResult): Record<string, string> {
  const ev = (...names: string[]) => names.reduce((s, n) => s + (r.events.get(n) ?? 0), 0);
  const total = [...r.events.values()].reduce((a, b) => a + b, 0);
  const cpu = (name: string) => `${fmt(((r.after.cpu[name]! - r.before.cpu[name]!) * 1000) / r.items)}`;
  const writes = r.after.temporalWrites;
  return {
    phase: r.phase,
    'items/s': fmt(r.items / r.seconds),
    events: fmt(perItem(total, r.items)),
    'wf tasks': fmt(perItem(ev('WORKFLOW_TASK_SCHEDULED'), r.items)),
    'wft failed/timed out': fmt(perItem(ev('WORKFLOW_TASK_FAILED', 'WORKFLOW_TASK_TIMED_OUT'), r.items)),
    activities: fmt(perItem(ev('ACTIVITY_TASK_SCHEDULED'), r.items)),
    'local act.': fmt(perItem(ev('MARKER_RECORDED'), r.items)),
    'signals+updates': fmt(
      perItem(ev('WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED'), r.items),
    ),
    'pg xacts': fmt(perItem(r.xacts, r.items)),
    'sqlite KiB': fmt((writes.writeBytes - r.before.temporalWrites.writeBytes) / 1024 / r.items),
    'write calls': fmt(perItem(writes.writeCalls - r.before.temporalWrites.writeCalls, r.items)),
    'cpu ms worker': cpu('worker'),
    temporal: cpu('temporal'),
    postgres: cpu('postgres'),
    ingest: cpu('ingest'),
    dovecot: cpu('dovecot'),
    bench: cpu('bench'),
  };
}

// ---- processes ------------------------------------------------------------------------------------------

const here = fileURLToPath(new URL('.', import.meta.url));
const children: ChildProcess[] = [];
async function spawnChild(script: string, settings: object): Promise<ChildProcess> {
  // `--profile=DIR` writes a V8 CPU profile of every worker process there (node --cpu-prof).
  const profile =
    args.profile && script === 'engine-worker.ts' ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', join(here, script), JSON.stringify(settings)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
  });
  return child;
}
async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

// ---- the workload ---------------------------------------------------------------------------------------

const email = benchEmail;

async function appendAll(address: string, password: string, raws: string[]) {
  const imap = new ImapFlow({ ...dovecot.clientOptions(address, password), disableAutoIdle: true });
  await imap.connect();
  for (const raw of raws) await imap.append('INBOX', raw);
  await imap.logout();
}

async function stopReader(mailboxId: string) {
  const handle = client.workflow.getHandle(mailboxWorkflowId(mailboxId));
  await handle.cancel().catch((e) => {
    if (!(e instanceof WorkflowNotFoundError)) throw e;
  });
  await handle.result().catch(() => undefined);
}

const countOf = async (query: (sql: typeof probeSql) => Promise<readonly { n: number }[]>) =>
  Number((await probe(query))[0]!.n);

async function newOrganization(label: string) {
  const slug = `engine-${label}-${randomUUID().slice(0, 8)}`;
  const [org] = await db.adminDb.insert(organizations).values({ name: slug, slug }).returning();
  const [owner, customer] = await db.adminDb
    .insert(users)
    .values([
      { name: 'Owner', email: `owner-${randomUUID()}@bench.test` },
      { name: 'Customer', email: `customer-${randomUUID()}@bench.test` },
    ])
    .returning();
  await db.adminDb.insert(userOrganizations).values([
    { userId: owner!.id, organizationId: org!.id, role: 'owner', displayName: owner!.name },
    { userId: customer!.id, organizationId: org!.id, role: 'customer', displayName: customer!.name },
  ]);
  return { org: org!, customerId: customer!.id };
}

interface SetupResult {
  setup: string;
  phases: PhaseResult[];
  checks: Record<string, string | number>;
  lateness: number[];
  peakWorkerMiB: number;
}

async function runSetup(workerCount: number, ingestCount: number): Promise<SetupResult> {
  const label = `${workerCount}x${ingestCount}`;
  const ticketQueue = `engine-tickets-${randomUUID()}`;
  const workerDirs = Array.from({ length: workerCount }, (_, i) =>
    join(services.dir, `${label}-worker-${i}`),
  );
  const workers = await Promise.all(
    workerDirs.map((dir) => {
      mkdirSync(dir, { recursive: true });
      return spawnChild('engine-worker.ts', {
        databaseUrl: services.url,
        temporalAddress: services.temporal.address,
        taskQueue: ticketQueue,
        dir,
        tuning,
      } satisfies EngineWorkerSettings);
    }),
  );
  // One ingest task queue per process, so each reads its own mailbox (Temporal would otherwise be free
  // to give both readers to one process).
  const ingestQueues = Array.from({ length: ingestCount }, () => `engine-ingest-${randomUUID()}`);
  const ingest = await Promise.all(
    ingestQueues.map((queue) =>
      spawnChild('engine-ingest.ts', {
        databaseUrl: services.url,
        temporalAddress: services.temporal.address,
        ticketTaskQueue: ticketQueue,
        ingestTaskQueue: queue,
        dir: services.dir,
      } satisfies EngineIngestSettings),
    ),
  );
  const procs: Processes = { workers: workers.map((w) => w.pid!), ingest: ingest.map((p) => p.pid!) };
  const phases: PhaseResult[] = [];

  // Email: one organisation, two mailboxes, the mail split between them.
  const { org } = await newOrganization(`mail-${label}`);
  const mailboxes = await Promise.all(
    [0, 1].map(async (i) => {
      const address = `support-${i}-${randomUUID().slice(0, 8)}@bench.test`;
      const password = randomUUID();
      const row = await createDovecotMailbox(db, dovecot, org.id, { address, password, name: `m${i}` });
      return { row, address, password, queue: ingestQueues[i % ingestCount]! };
    }),
  );
  // Readers run from here on, idle in IMAP IDLE: a phase appends its mail and waits for the ledger.
  await Promise.all(mailboxes.map((m) => startMailboxReader(client, m.queue, m.row.id)));
  await until(
    'the readers',
    async () =>
      (await countOf(
        (sql) =>
          sql`select count(*)::int as n from mailboxes where organization_id = ${org.id} and uid_validity is not null`,
      )) === mailboxes.length,
  );
  const deliverAll = async (
    mails: { raw: string; mailbox: (typeof mailboxes)[number] }[],
    ledger: number,
  ) => {
    await Promise.all(
      mailboxes.map((m) =>
        appendAll(
          m.address,
          m.password,
          mails.filter((x) => x.mailbox === m).map((x) => x.raw),
        ),
      ),
    );
    await until(
      'the ledger',
      async () =>
        (await countOf(
          (sql) => sql`select count(*)::int as n from inbound_emails where organization_id = ${org.id}`,
        )) >= ledger,
    );
  };

  const opened = Array.from({ length: newEmails }, (_, i) => {
    const mailbox = mailboxes[i % 2]!;
    const from = `c${i}-${randomUUID().slice(0, 6)}@customer.bench`;
    return { ...email(i, from, mailbox.address), from, mailbox };
  });
  const ticketOf = new Map<string, string>();
  phases.push(
    await measure('new-ticket email', newEmails, procs, async () => {
      await deliverAll(opened, newEmails);
      await until(
        'acknowledgements',
        async () =>
          (await countOf(
            (sql) =>
              sql`select count(*)::int as n from outbound_emails where organization_id = ${org.id} and kind = 'acknowledgement' and status = 'sent'`,
          )) >= newEmails,
      );
      const rows = await probe(
        (sql) =>
          sql`select message_key, ticket_id from inbound_emails where organization_id = ${org.id} and outcome = 'ticket_created'`,
      );
      for (const row of rows) ticketOf.set(row.message_key as string, row.ticket_id as string);
      return [...ticketOf.values()].map(ticketWorkflowId);
    }),
  );
  const ticketIdOf = (messageId: string) => {
    const id = ticketOf.get(messageId) ?? ticketOf.get(`<${messageId}>`);
    if (!id) throw new Error(`no ticket for ${messageId}`);
    return id;
  };

  const replies = Array.from({ length: replyEmails }, (_, i) => {
    const target = opened[(i * 7919) % opened.length]!;
    return {
      ...email(newEmails + i, target.from, target.mailbox.address, target.id),
      target,
      mailbox: target.mailbox,
    };
  });
  const repliedIds = [...new Set(replies.map((r) => ticketIdOf(r.target.id)))];
  phases.push(
    await measure('reply email', replyEmails, procs, async () => {
      await deliverAll(replies, newEmails + replyEmails);
      return repliedIds.map(ticketWorkflowId);
    }),
  );

  // Breaches: tickets opened through the API (no acknowledgement) whose first response is due at one instant.
  const breachOrg = await newOrganization(`sla-${label}`);
  await db.adminDb.insert(slaPolicies).values({
    organizationId: breachOrg.org.id,
    name: 'bench',
    priority: 'urgent',
    firstResponseTime: 1,
    resolutionTime: 100 * 24 * 60,
    businessHoursOnly: false,
    isDefault: true,
  });
  const commands = createTicketCommands(client, ticketQueue);
  // Created in the past, so the one-minute deadline falls shortly after they are all open.
  const openSeconds = 60 + breachCount / 3;
  const deadline = Date.now() + openSeconds * 1000;
  const createdAt = new Date(deadline - 60_000).toISOString();
  const breachTicketIds = Array.from({ length: breachCount }, () => randomUUID());
  phases.push(
    await measure('API ticket (no ack)', breachCount, procs, async () => {
      await inBatches(breachTicketIds, 20, (ticketId) =>
        commands.open(
          {
            ticketId,
            createdAt,
            organizationId: breachOrg.org.id,
            customerId: breachOrg.customerId,
            title: 'Breach bench',
            description: 'Benchmark',
            priority: 'urgent',
            channel: 'api',
            acknowledge: false,
          },
          { waitForTicket: false },
        ),
      );
      return breachTicketIds.map(ticketWorkflowId);
    }),
  );
  const lateStart = Date.now() > deadline - 14_000;
  if (lateStart) console.log('warning: the tickets were not all open 14 s before their deadline');
  // measure() reads the transaction count (11 s) before its first snapshot, which must precede the deadline.
  await sleep(Math.max(0, deadline - 14_000 - Date.now()));
  const deadlineClock = performance.now() + (deadline - Date.now());
  phases.push(
    await measure(
      'breach',
      breachCount,
      procs,
      async () => {
        await until(
          'escalations',
          async () =>
            (await countOf(
              (sql) =>
                sql`select count(*)::int as n from outbound_emails where organization_id = ${breachOrg.org.id} and kind = 'escalation' and status = 'sent'`,
            )) >= breachCount,
        );
        return breachTicketIds.map(ticketWorkflowId);
      },
      deadlineClock,
    ),
  );
  const lateness = (
    await probe(
      (sql) =>
        sql`select extract(epoch from (detected_at - deadline)) * 1000 as ms from sla_breaches where organization_id = ${breachOrg.org.id}`,
    )
  )
    .map((r) => Number(r.ms))
    .sort((a, b) => a - b);

  await Promise.all(mailboxes.map((m) => stopReader(m.row.id)));
  const peakWorkerMiB = Math.max(...procs.workers.map((pid) => residentMiB(pid).peak));
  await Promise.all([...workers, ...ingest].map(stopChild));

  const mailFiles = workerDirs.reduce((n, dir) => {
    try {
      return n + readdirSync(join(dir, 'outbox')).length;
    } catch {
      return n;
    }
  }, 0);
  const q = (query: (sql: typeof probeSql) => Promise<readonly { n: number }[]>) => countOf(query);
  const checks = {
    setup: label,
    'tickets from email': await q(
      (sql) => sql`select count(*)::int as n from tickets where organization_id = ${org.id}`,
    ),
    'customer messages': await q(
      (sql) =>
        sql`select count(*)::int as n from ticket_messages m join tickets t on t.id = m.ticket_id where t.organization_id = ${org.id} and m.type = 'reply'`,
    ),
    'acknowledgements queued': await q(
      (sql) =>
        sql`select count(*)::int as n from outbound_emails where organization_id = ${org.id} and kind = 'acknowledgement'`,
    ),
    breaches: await q(
      (sql) => sql`select count(*)::int as n from sla_breaches where organization_id = ${breachOrg.org.id}`,
    ),
    'escalations queued': await q(
      (sql) =>
        sql`select count(*)::int as n from outbound_emails where organization_id = ${breachOrg.org.id} and kind = 'escalation'`,
    ),
    'distinct mails delivered': mailFiles,
    expected: `${newEmails} tickets, ${newEmails + replyEmails} messages, ${newEmails} acks, ${breachCount} breaches, ${newEmails + breachCount} mails`,
  };
  return { setup: label, phases, checks, lateness, peakWorkerMiB };
}

// ---- references -----------------------------------------------------------------------------------------

async function bareStarts(n: number): Promise<PhaseResult> {
  const queue = `engine-nobody-${randomUUID()}`;
  return measure('bare workflow start (reference)', n, { workers: [], ingest: [] }, async () => {
    await inBatches(
      Array.from({ length: n }, (_, i) => i),
      20,
      (i) => client.workflow.start('benchNothing', { taskQueue: queue, workflowId: `bare-${queue}-${i}` }),
    );
    return [];
  });
}

async function bareParseInsert(n: number): Promise<PhaseResult> {
  const [scratch] = await db.adminDb
    .insert(organizations)
    .values({ name: 'bare', slug: `engine-bare-${randomUUID().slice(0, 8)}` })
    .returning();
  const raws = Array.from({ length: n }, (_, i) => email(i, `bare-${i}@customer.bench`, 'x@bench.test').raw);
  return measure('bare parse+insert (reference)', n, { workers: [], ingest: [] }, async () => {
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
    return [];
  });
}

// ---- memory ---------------------------------------------------------------------------------------------

async function memoryRun(n: number) {
  const ticketQueue = `engine-memory-${randomUUID()}`;
  const dir = join(services.dir, 'memory-worker');
  mkdirSync(dir, { recursive: true });
  const worker = await spawnChild('engine-worker.ts', {
    databaseUrl: services.url,
    temporalAddress: services.temporal.address,
    taskQueue: ticketQueue,
    dir,
    tuning,
  } satisfies EngineWorkerSettings);
  const { org, customerId } = await newOrganization('memory');
  const commands = createTicketCommands(client, ticketQueue);
  const samples: Record<string, number>[] = [];
  const step = Math.max(1, Math.round(n / 10));
  const began = performance.now();
  for (let done = 0; done < n; done += step) {
    const ids = Array.from({ length: Math.min(step, n - done) }, () => randomUUID());
    await inBatches(ids, 20, (ticketId) =>
      commands.open(
        {
          ticketId,
          organizationId: org.id,
          customerId,
          title: 'Memory bench',
          description: 'Stays open',
          priority: 'low',
          channel: 'api',
          acknowledge: false,
        },
        { waitForTicket: false },
      ),
    );
    await quiescent(ids.map(ticketWorkflowId));
    const mem = residentMiB(worker.pid!);
    samples.push({
      'open workflows': done + ids.length,
      'worker RSS (MiB)': mem.rss,
      'peak RSS (MiB)': mem.peak,
      's since start': Math.round((performance.now() - began) / 1000),
    });
    console.log(JSON.stringify(samples.at(-1)));
  }
  await stopChild(worker);
  console.log(`\nWorker memory with open ticket workflows (tuning ${JSON.stringify(tuning ?? {})}):`);
  console.table(samples);
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const slope =
    ((last['worker RSS (MiB)']! - first['worker RSS (MiB)']!) * 1024) /
    Math.max(1, last['open workflows']! - first['open workflows']!);
  console.log(`slope: ${slope.toFixed(1)} KiB per open workflow between the first and last sample`);
}

// ---- main -----------------------------------------------------------------------------------------------

try {
  if (memoryTickets > 0) {
    await memoryRun(memoryTickets);
  } else {
    const references = [await bareStarts(breachCount), await bareParseInsert(newEmails)];
    const results: SetupResult[] = [];
    for (const [w, i] of setups) results.push(await runSetup(w, i));
    references.push(await bareStarts(breachCount), await bareParseInsert(newEmails));

    console.log(
      `\nEngine breakdown per item (tuning ${JSON.stringify(tuning ?? {})}; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})`,
    );
    for (const r of results) {
      console.log(`\nsetup ${r.setup} (ticket workers x ingest processes):`);
      console.table(r.phases.map(breakdownRow));
      console.log(
        `breaches recorded late by p50 ${Math.round(percentile(r.lateness, 50))} ms, p99 ${Math.round(percentile(r.lateness, 99))} ms; peak worker RSS ${r.peakWorkerMiB} MiB`,
      );
    }
    console.log('\nreferences (before and after the setups, same dev server and database):');
    console.table(references.map(breakdownRow));
    console.log('\nnothing lost or doubled:');
    console.table(results.map((r) => r.checks));
  }
} finally {
  await Promise.all(children.map(stopChild));
  await probeSql.end();
  await connection.close();
  await dovecot.stop();
  await services.close();
}
