// `npm run ingest`: mailbox readers. Run any number; Temporal keeps one reader per mailbox among them.
import { onShutdown, openInfrastructure } from './bootstrap.js';
import { loadConfig } from './config.js';
import { startIngest } from './temporal/ingest-worker.js';

const config = loadConfig();
const infra = await openInfrastructure(config, console.log);
const ingest = await startIngest({
  config,
  db: infra.db,
  client: infra.temporal.client,
  connection: infra.temporal.native,
  storage: infra.storage,
});
onShutdown(async () => {
  await ingest.stop();
  await infra.close();
});
await ingest.done;
