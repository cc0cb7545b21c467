// A ticket worker in a process of its own, for bench/engine.ts (its CPU and memory are then its own):
// settings as one JSON argument; prints `ready`, stops on SIGTERM.
import { join } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { openDatabase } from '../src/db/client.js';
import { createFileMailer } from '../src/mail/mailer.js';
import { createFileStorage } from '../src/storage/storage.js';
import { createSurveyLinks } from '../src/surveys/signed-links.js';
import { createTicketWorker, type TicketWorkerOptions } from '../src/temporal/worker.js';

export interface EngineWorkerSettings {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  dir: string;
  tuning: TicketWorkerOptions['tuning'];
}

const settings = JSON.parse(process.argv[2] ?? '{}') as EngineWorkerSettings;
Runtime.install({ logger: new DefaultLogger('WARN') });
const db = await openDatabase({ url: settings.databaseUrl, poolSize: 20 });
const connection = await NativeConnection.connect({ address: settings.temporalAddress });
const mailer = createFileMailer(join(settings.dir, 'outbox'));
const worker = await createTicketWorker({
  connection,
  namespace: 'default',
  taskQueue: settings.taskQueue,
  deps: {
    db,
    mailer,
    storage: createFileStorage(join(settings.dir, 'files')),
    defaultFrom: 'support@bench.test',
    surveyLinks: createSurveyLinks('http://bench.test', 'bench-survey-signing-key-of-32-chars!'),
  },
  tuning: settings.tuning,
});
process.once('SIGTERM', () => worker.shutdown());
const running = worker.run();
process.stdout.write('ready\n');
await running;
mailer.close();
await connection.close();
await db.close();
