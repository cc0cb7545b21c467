// An ingest worker in a process of its own, for crash tests: the test SIGKILLs it mid-batch. Started by
// `spawnIngestWorker()` with its settings as one JSON argument; prints `ready`, then one line per outcome
// (`outcome <uid> <outcome> <message key>`).
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { openDatabase } from '../../src/db/client.js';
import { createIngestActivities } from '../../src/ingest/activities.js';
import { silentLogger } from '../../src/ingest/log.js';
import { createIngestPipeline, type IngestPipeline } from '../../src/ingest/pipeline.js';
import { createFileStorage } from '../../src/storage/storage.js';
import { createIngestWorker } from '../../src/temporal/ingest-worker.js';
import { createTicketCommands } from '../../src/temporal/tickets.js';

export interface IngestWorkerProcessSettings {
  databaseUrl: string;
  temporalAddress: string;
  ticketTaskQueue: string;
  ingestTaskQueue: string;
  storageDir: string;
  ourAddresses: string[];
  limits: { maxAttachmentBytes: number; maxTotalBytes: number };
  /** Slows every email down (half before the pipeline, half after), so a kill lands mid-batch. */
  delayMs: number;
  batchSize: number;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as IngestWorkerProcessSettings;
Runtime.install({ logger: new DefaultLogger('ERROR') });
const db = await openDatabase({ url: settings.databaseUrl, poolSize: 3 });
const client = new Client({ connection: await Connection.connect({ address: settings.temporalAddress }) });
const connection = await NativeConnection.connect({ address: settings.temporalAddress });
const pipeline = createIngestPipeline({
  db,
  tickets: createTicketCommands(client, settings.ticketTaskQueue),
  storage: createFileStorage(settings.storageDir),
  limits: settings.limits,
  ourAddresses: settings.ourAddresses,
  log: silentLogger,
});
const slow: Pick<IngestPipeline, 'ingest' | 'quarantine'> = {
  async ingest(...args) {
    await sleep(settings.delayMs / 2);
    const outcome = await pipeline.ingest(...args);
    await sleep(settings.delayMs / 2);
    return outcome;
  },
  quarantine: pipeline.quarantine,
};
const worker = await createIngestWorker({
  connection,
  namespace: 'default',
  taskQueue: settings.ingestTaskQueue,
  activities: createIngestActivities({
    db,
    pipeline: slow,
    maxEmailBytes: settings.limits.maxTotalBytes,
    // Dovecot on this machine (MAILBOX_ALLOW_PRIVATE_HOSTS is on in tests).
    hostPolicy: { allowPrivate: true },
    log: silentLogger,
    reader: {
      batchSize: settings.batchSize,
      // One email at a time, so "killed mid-batch" does not depend on how fast the machine is.
      concurrency: 1,
      pollIntervalMs: 1_000,
      reconnect: { initialMs: 200, maxMs: 2_000 },
    },
    onOutcome: ({ uid, outcome }) =>
      process.stdout.write(`outcome ${uid} ${outcome.outcome} ${outcome.messageKey}\n`),
  }),
  tuning: { maxCachedWorkflows: 0 },
});
process.stdout.write('ready\n');
await worker.run();
await db.close();
