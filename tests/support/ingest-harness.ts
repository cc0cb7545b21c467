import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { and, eq } from 'drizzle-orm';
import { vi } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.js';
import { inboundEmails, ticketMessages, tickets } from '../../src/db/schema/index.js';
import { createIngestActivities, type IngestActivityDeps } from '../../src/ingest/activities.js';
import { silentLogger } from '../../src/ingest/log.js';
import { createIngestPipeline, type IngestOutcome, type IngestPipeline } from '../../src/ingest/pipeline.js';
import { createLogger, ingestLogger } from '../../src/logger.js';
import { createFileStorage, type Storage } from '../../src/storage/storage.js';
import {
  createIngestWorker,
  type ReaderWorkflowOptions,
  startMailboxReader,
} from '../../src/temporal/ingest-worker.js';
import { mailboxWorkflowId } from '../../src/workflows/mailbox.js';
import { openTestDatabase } from './db.js';
import { type DovecotServer, startDovecot } from './dovecot.js';
import { createDovecotMailbox } from './ingest-mailbox.js';
import type { IngestWorkerProcessSettings } from './ingest-worker-process.js';

export { addUserAndWait } from './ingest-mailbox.js';

import { quietTemporalRuntime, startDevServerForTests, type TestDevServer } from './temporal.js';
import { startTicketHarness, type TicketHarness } from './ticket-harness.js';

/** Readers log nothing unless INGEST_TEST_LOG=1 (or a level) is set, for debugging a failing test. */
const testLog = process.env.INGEST_TEST_LOG
  ? ingestLogger(
      createLogger({
        level: process.env.INGEST_TEST_LOG === '1' ? 'debug' : process.env.INGEST_TEST_LOG,
        name: 'ingest-test',
      }),
    )
  : silentLogger;

/** Addresses the fixture corpus treats as ours (34-loop-own-address.eml comes from one). */
export const CORPUS_OUR_ADDRESSES = ['support@acme.example', 'notifications@acme.example'];
export const INGEST_LIMITS = { maxAttachmentBytes: 10 * 1024 * 1024, maxTotalBytes: 25 * 1024 * 1024 };

/** Fast reader settings for tests: IDLE, a short safety poll, quick reconnects. */
export const TEST_READER: NonNullable<IngestActivityDeps['reader']> = {
  pollIntervalMs: 2_000,
  reconnect: { initialMs: 200, maxMs: 2_000 },
  batchSize: 10,
};
export const TEST_READER_WORKFLOW: ReaderWorkflowOptions = { heartbeatTimeoutMs: 5_000 };

export interface TestMailbox {
  id: string;
  organizationId: string;
  address: string;
  user: string;
  password: string;
  folder: string;
  /** APPENDs a raw message to the mailbox's folder. */
  append(raw: string | Buffer): Promise<void>;
}

export interface IngestHarness {
  db: DatabaseHandle;
  dovecot: DovecotServer;
  temporal: TestDevServer;
  client: Client;
  connection: NativeConnection;
  tickets: TicketSide;
  storage: Storage;
  storageDir: string;
  pipeline: IngestPipeline;
  /** Every outcome the in-process readers reported, in order. */
  outcomes: { mailboxId: string; uid: number; outcome: IngestOutcome }[];
  /** An ingest worker in this process on `taskQueue` (default: a fresh one). Stop it with `stop()`. */
  startWorker(options?: {
    taskQueue?: string;
    reader?: IngestActivityDeps['reader'];
    pipeline?: Pick<IngestPipeline, 'ingest' | 'quarantine'>;
    /** A connection of its own, as another process would have (the SDK allows one worker per queue and connection). */
    separateConnection?: boolean;
  }): Promise<{ taskQueue: string; worker: Worker; stop(): Promise<void> }>;
  /** A Dovecot user plus its `mailboxes` row in the organisation. */
  createMailbox(
    organizationId: string,
    options?: { folder?: string; verified?: boolean; address?: string; host?: string },
  ): Promise<TestMailbox>;
  /** Starts the mailbox's reader workflow on `taskQueue`. */
  startReader(mailboxId: string, taskQueue: string, options?: ReaderWorkflowOptions): Promise<void>;
  /** Cancels the reader workflow (and so its activity). */
  stopReader(mailboxId: string): Promise<void>;
  close(): Promise<void>;
}

/** The ticket side: a ticket worker as in production (sticky cache on) and the SMTP sink it sends to. */
export type TicketSide = Pick<
  TicketHarness,
  'sink' | 'mailer' | 'commands' | 'taskQueue' | 'startWorker' | 'stopWorker' | 'close'
>;

export async function startIngestHarness(): Promise<IngestHarness> {
  quietTemporalRuntime();
  const db = await openTestDatabase();
  const dovecot = await startDovecot();
  const temporal = await startDevServerForTests();
  const clientConnection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection: clientConnection, namespace: 'default' });
  const connection = await NativeConnection.connect({ address: temporal.address });
  const storageDir = await mkdtemp(path.join(os.tmpdir(), 'insightdesk-ingest-storage-'));
  const storage = createFileStorage(storageDir);
  const ticketHarness = await startTicketHarness({ db, client, connection, namespace: 'default', storage });
  const pipeline = createIngestPipeline({
    db,
    tickets: ticketHarness.commands,
    storage,
    limits: INGEST_LIMITS,
    ourAddresses: CORPUS_OUR_ADDRESSES,
    log: silentLogger,
  });
  const outcomes: IngestHarness['outcomes'] = [];
  const workers = new Set<{ stop(): Promise<void> }>();
  const readers = new Set<string>();

  const harness: IngestHarness = {
    db,
    dovecot,
    temporal,
    client,
    connection,
    tickets: ticketHarness,
    storage,
    storageDir,
    pipeline,
    outcomes,
    async startWorker(options = {}) {
      const taskQueue = options.taskQueue ?? `ingest-${randomUUID()}`;
      const activities = createIngestActivities({
        db,
        pipeline: options.pipeline ?? pipeline,
        maxEmailBytes: INGEST_LIMITS.maxTotalBytes,
        // Dovecot on this machine (MAILBOX_ALLOW_PRIVATE_HOSTS is on in tests).
        hostPolicy: { allowPrivate: true },
        log: testLog,
        reader: { ...TEST_READER, ...options.reader },
        onOutcome: (event) => outcomes.push(event),
      });
      const own = options.separateConnection
        ? await NativeConnection.connect({ address: temporal.address })
        : undefined;
      const worker = await createIngestWorker({
        connection: own ?? connection,
        namespace: 'default',
        taskQueue,
        activities,
        // No sticky cache: a stopped worker leaves nothing behind that the server would wait on.
        tuning: { maxCachedWorkflows: 0 },
      });
      const running = worker.run();
      const handle = {
        taskQueue,
        worker,
        async stop() {
          workers.delete(handle);
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
          await own?.close();
        },
      };
      workers.add(handle);
      return handle;
    },
    async createMailbox(organizationId, options = {}) {
      const address = options.address ?? `support-${randomUUID().slice(0, 8)}@acme.test`;
      const password = `pw-${randomUUID()}`;
      const folder = options.folder ?? 'INBOX';
      const row = await createDovecotMailbox(db, dovecot, organizationId, {
        address,
        password,
        folder,
        verified: options.verified,
        host: options.host,
      });
      return {
        id: row!.id,
        organizationId,
        address,
        user: address,
        password,
        folder,
        append: (raw) =>
          dovecot.append(address, password, raw, folder).catch((error: unknown) => {
            const { responseText, serverResponseCode } = error as {
              responseText?: string;
              serverResponseCode?: string;
            };
            throw new Error(
              `APPEND to ${address}/${folder} failed: ${responseText ?? String(error)} ${serverResponseCode ?? ''}`,
              {
                cause: error,
              },
            );
          }),
      };
    },
    async startReader(mailboxId, taskQueue, options = TEST_READER_WORKFLOW) {
      readers.add(mailboxId);
      await startMailboxReader(client, taskQueue, mailboxId, options);
    },
    async stopReader(mailboxId) {
      readers.delete(mailboxId);
      const handle = client.workflow.getHandle(mailboxWorkflowId(mailboxId));
      await handle.cancel().catch(() => undefined);
      // Cancelling needs a worker of the reader's queue; without one (a killed process), terminate.
      const ended = await Promise.race([
        handle.result().then(
          () => true,
          () => true,
        ),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 10_000)),
      ]);
      if (!ended) await handle.terminate('test cleanup').catch(() => undefined);
    },
    async close() {
      for (const id of [...readers]) await harness.stopReader(id).catch(() => undefined);
      for (const w of [...workers]) await w.stop().catch(() => undefined);
      await ticketHarness.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await clientConnection.close().catch(() => undefined);
      await temporal.stop().catch(() => undefined);
      await dovecot.stop().catch(() => undefined);
      await db.close().catch(() => undefined);
      await rm(storageDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** A plain customer email; every header can be overridden or added. */
export function customerEmail(opts: {
  from?: string;
  to: string;
  subject?: string;
  body?: string;
  messageId?: string | null;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
}): string {
  const messageId = opts.messageId === undefined ? `${randomUUID()}@customer.test` : opts.messageId;
  const lines = [
    `From: ${opts.from ?? 'Carla Customer <carla@customer.test>'}`,
    `To: ${opts.to}`,
    `Subject: ${opts.subject ?? 'Cannot log in'}`,
    'Date: Tue, 01 Apr 2025 10:00:00 +0000',
    ...(messageId ? [`Message-ID: <${messageId}>`] : []),
    ...(opts.inReplyTo ? [`In-Reply-To: <${opts.inReplyTo}>`] : []),
    ...(opts.references?.length ? [`References: ${opts.references.map((r) => `<${r}>`).join(' ')}`] : []),
    ...Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    opts.body ?? 'The login page says my password is wrong.',
    '',
  ];
  return lines.join('\r\n');
}

/** Strips angle brackets from a header Message-ID. */
export const bare = (id: string | undefined) => (id ?? '').trim().replace(/^<|>$/g, '');

/** Polls `fn` (real time) until it stops throwing. */
export const eventually = <T>(fn: () => Promise<T> | T, timeout = 20_000) =>
  vi.waitFor(fn, { timeout, interval: 50 });

export async function ledgerOf(db: DatabaseHandle, organizationId: string) {
  return db.adminDb.select().from(inboundEmails).where(eq(inboundEmails.organizationId, organizationId));
}

export async function ledgerEntry(db: DatabaseHandle, organizationId: string, messageKey: string) {
  const [row] = await db.adminDb
    .select()
    .from(inboundEmails)
    .where(and(eq(inboundEmails.organizationId, organizationId), eq(inboundEmails.messageKey, messageKey)));
  return row;
}

export async function ticketsOf(db: DatabaseHandle, organizationId: string) {
  return db.adminDb.select().from(tickets).where(eq(tickets.organizationId, organizationId));
}

export async function messagesOf(db: DatabaseHandle, ticketId: string) {
  return db.adminDb
    .select()
    .from(ticketMessages)
    .where(eq(ticketMessages.ticketId, ticketId))
    .orderBy(ticketMessages.createdAt);
}

export interface IngestWorkerProcess {
  /** Lines the process printed so far. */
  lines: string[];
  /** `outcome` lines so far. */
  outcomes(): string[];
  waitFor(predicate: (lines: string[]) => boolean, timeoutMs?: number): Promise<void>;
  /** SIGKILL: no shutdown, no goodbye, as a crash or an OOM kill. */
  kill(): Promise<void>;
}

/** Runs tests/support/ingest-worker-process.ts in a child process (see there for the settings). */
export async function spawnIngestWorker(settings: IngestWorkerProcessSettings): Promise<IngestWorkerProcess> {
  const script = fileURLToPath(new URL('./ingest-worker-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(settings)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdout.setEncoding('utf8');
  let partial = '';
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  process.once('exit', () => child.kill('SIGKILL'));
  const handle: IngestWorkerProcess = {
    lines,
    outcomes: () => lines.filter((l) => l.startsWith('outcome ')),
    async waitFor(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(lines)) {
        if (child.exitCode !== null) throw new Error(`ingest worker process exited early:\n${stderr}`);
        if (Date.now() > deadline)
          throw new Error(`ingest worker process: timed out\n${lines.join('\n')}\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    kill,
  };
  await handle
    .waitFor((l) => l.includes('ready'), 60_000)
    .catch(async (error) => {
      await kill();
      throw error;
    });
  return handle;
}
