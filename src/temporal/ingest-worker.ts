// The ingest side of Temporal: a worker on its own task queue running one `mailboxWorkflow` per mailbox,
// each keeping one heartbeating `readMailbox` activity alive, plus `startIngest()` for entry points.
import { fileURLToPath } from 'node:url';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/client';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/client.js';
import { readableMailboxIds, upsertEnvMailbox } from '../db/queries/mailboxes.js';
import {
  createIngestActivities,
  type IngestActivities,
  type IngestActivityDeps,
} from '../ingest/activities.js';
import { describeError, type IngestLogger } from '../ingest/log.js';
import { createIngestPipeline, type IngestPipeline } from '../ingest/pipeline.js';
import type { Storage } from '../storage/storage.js';
import type { TicketCommands } from '../workflows/contracts.js';
import { type MailboxWorkflowArgs, mailboxWorkflow, mailboxWorkflowId } from '../workflows/mailbox.js';
import { createTicketCommands } from './tickets.js';

// Only the mailbox workflow: the ingest worker never runs ticket workflows.
export const mailboxWorkflowsPath = fileURLToPath(new URL('../workflows/mailbox.ts', import.meta.url));

export interface IngestWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: IngestActivities;
  /** Each mailbox reader holds one activity slot; a worker with no free slot leaves mailboxes to others. */
  tuning?: Pick<
    WorkerOptions,
    'maxCachedWorkflows' | 'maxConcurrentActivityTaskExecutions' | 'shutdownGraceTime'
  >;
}

export function createIngestWorker({
  connection,
  namespace,
  taskQueue,
  activities,
  tuning,
}: IngestWorkerOptions): Promise<Worker> {
  return Worker.create({
    maxConcurrentActivityTaskExecutions: 100,
    ...tuning,
    connection,
    namespace,
    taskQueue,
    workflowsPath: mailboxWorkflowsPath,
    activities,
  });
}

export type ReaderWorkflowOptions = Omit<MailboxWorkflowArgs, 'mailboxId'>;

/** Starts the mailbox's reader workflow unless it runs already (any process may call this, any time). */
export async function startMailboxReader(
  client: Client,
  taskQueue: string,
  mailboxId: string,
  options: ReaderWorkflowOptions = {},
): Promise<void> {
  try {
    await client.workflow.start(mailboxWorkflow, {
      workflowId: mailboxWorkflowId(mailboxId),
      taskQueue,
      args: [{ mailboxId, ...options }],
      // A mailbox switched off and on again gets a new run; a running reader is left alone.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** A reader for every active mailbox with IMAP settings; returns their ids. */
export async function ensureMailboxReaders(
  client: Client,
  db: DatabaseHandle,
  taskQueue: string,
  options: ReaderWorkflowOptions = {},
): Promise<string[]> {
  const ids = await readableMailboxIds(db.adminDb);
  for (const id of ids) await startMailboxReader(client, taskQueue, id, options);
  return ids;
}

export interface StartIngestOptions {
  config: Config;
  db: DatabaseHandle;
  client: Client;
  connection: NativeConnection;
  storage: Storage;
  /** Defaults to commands on `config.temporal.taskQueue`. */
  tickets?: TicketCommands;
  /** The process's logger (`ingestLogger(log)` from src/logger.ts). */
  log: IngestLogger;
  /** How often to look for mailboxes added (or re-activated) since start-up; default 60 s. */
  resyncIntervalMs?: number;
  readerWorkflow?: ReaderWorkflowOptions;
  reader?: IngestActivityDeps['reader'];
  tuning?: IngestWorkerOptions['tuning'];
}

export interface IngestService {
  worker: Worker;
  /** The pipeline the readers feed, for other entry points of mail (POST /inbound). */
  pipeline: IngestPipeline;
  /** Settles when the worker stops (after `stop()`, or on a fatal worker error, which it rejects with). */
  done: Promise<void>;
  /** Starts readers for mailboxes that have none (runs periodically on its own). */
  ensureReaders(): Promise<string[]>;
  /** Stops the worker; its mailbox readers are handed to the other ingest processes. */
  stop(): Promise<void>;
}

/**
 * Everything an ingest process does: upserts the env-configured mailbox, runs the ingest worker, and
 * makes sure every active mailbox has its reader workflow. Run it in any number of processes: Temporal
 * keeps one reader per mailbox among them.
 */
export async function startIngest(opts: StartIngestOptions): Promise<IngestService> {
  const { config, db, client } = opts;
  const { log } = opts;
  const taskQueue = config.ingest.taskQueue;
  if (config.ingest.mailbox) {
    const id = await upsertEnvMailbox(db.adminDb, config.ingest.mailbox);
    // Never the password: the host and address say which mailbox this is.
    log.info('env mailbox ready', {
      mailboxId: id,
      address: config.ingest.mailbox.address,
      host: config.ingest.mailbox.host,
      folder: config.ingest.mailbox.folder,
    });
  }
  const pipeline = createIngestPipeline({
    db,
    tickets: opts.tickets ?? createTicketCommands(client, config.temporal.taskQueue),
    storage: opts.storage,
    limits: {
      maxTotalBytes: config.ingest.maxEmailBytes,
      maxAttachmentBytes: config.ingest.maxAttachmentBytes,
    },
    ourAddresses: [config.mail.defaultFrom],
    ignoreListMail: config.ingest.ignoreListMail,
    log,
  });
  const activities = createIngestActivities({
    db,
    pipeline,
    maxEmailBytes: config.ingest.maxEmailBytes,
    hostPolicy: config.mailboxHosts,
    log,
    reader: { pollIntervalMs: config.ingest.pollIntervalMs, ...opts.reader },
  });
  const worker = await createIngestWorker({
    connection: opts.connection,
    namespace: config.temporal.namespace,
    taskQueue,
    activities,
    tuning: opts.tuning,
  });
  const done = worker.run();
  const ensureReaders = () => ensureMailboxReaders(client, db, taskQueue, opts.readerWorkflow);
  try {
    const ids = await ensureReaders();
    log.info('ingest worker started', { taskQueue, mailboxes: ids.length });
  } catch (error) {
    worker.shutdown();
    await done.catch(() => undefined);
    throw error;
  }
  const resync = setInterval(() => {
    ensureReaders().catch((error) =>
      log.warn('could not start mailbox readers', { error: describeError(error) }),
    );
  }, opts.resyncIntervalMs ?? 60_000);
  resync.unref();
  return {
    worker,
    pipeline,
    done,
    ensureReaders,
    async stop() {
      clearInterval(resync);
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
