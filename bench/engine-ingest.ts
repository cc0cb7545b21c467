// An ingest worker (mailbox readers and the pipeline) in a process of its own, for bench/engine.ts, with
// bench:ingest's reader settings: settings as one JSON argument; prints `ready`, stops on SIGTERM.
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { openDatabase } from '../src/db/client.js';
import { createIngestActivities } from '../src/ingest/activities.js';
import { silentLogger } from '../src/ingest/log.js';
import { createIngestPipeline } from '../src/ingest/pipeline.js';
import { createFileStorage } from '../src/storage/storage.js';
import { createIngestWorker } from '../src/temporal/ingest-worker.js';
import { createTicketCommands } from '../src/temporal/tickets.js';

export interface EngineIngestSettings {
  databaseUrl: string;
  temporalAddress: string;
  ticketTaskQueue: string;
  ingestTaskQueue: string;
  dir: string;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as EngineIngestSettings;
Runtime.install({ logger: new DefaultLogger('WARN') });
const db = await openDatabase({ url: settings.databaseUrl, poolSize: 20 });
const clientConnection = await Connection.connect({ address: settings.temporalAddress });
const connection = await NativeConnection.connect({ address: settings.temporalAddress });
const limits = { maxTotalBytes: 25 * 1024 * 1024, maxAttachmentBytes: 10 * 1024 * 1024 };
const pipeline = createIngestPipeline({
  db,
  tickets: createTicketCommands(new Client({ connection: clientConnection }), settings.ticketTaskQueue),
  storage: createFileStorage(join(settings.dir, 'files')),
  limits,
  ourAddresses: ['support@bench.test'],
  log: silentLogger,
});
const worker = await createIngestWorker({
  connection,
  namespace: 'default',
  taskQueue: settings.ingestTaskQueue,
  activities: createIngestActivities({
    db,
    pipeline,
    maxEmailBytes: limits.maxTotalBytes,
    // Dovecot on this machine.
    hostPolicy: { allowPrivate: true },
    log: silentLogger,
    reader: { pollIntervalMs: 5_000, batchSize: 100 },
  }),
});
process.once('SIGTERM', () => worker.shutdown());
const running = worker.run();
process.stdout.write('ready\n');
await running;
await connection.close();
await clientConnection.close();
await db.close();
