// `npm run ingest`: mailbox readers. Run any number; Temporal keeps one reader per mailbox among them.
import { openInfrastructure } from '../bootstrap.js';
import { ingestLogger } from '../logger.js';
import { fail, isStopping, onShutdown, runEntryPoint } from '../process.js';
import { startIngest } from '../temporal/ingest-worker.js';

runEntryPoint('ingest', async (config, log) => {
  const infra = await openInfrastructure(config, log);
  const ingest = await startIngest({
    config,
    db: infra.db,
    client: infra.temporal.client,
    connection: infra.temporal.native,
    storage: infra.storage,
    log: ingestLogger(log),
  });
  ingest.done.then(() => isStopping() || fail(new Error('the ingest worker stopped unexpectedly')), fail);
  onShutdown(async () => {
    await ingest.stop();
    await infra.close();
  });
});
