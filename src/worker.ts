// `npm run worker`: a Temporal worker for ticket workflows and their activities. Run as many as needed;
// Temporal spreads the tasks over them.
import { activityDeps, onShutdown, openInfrastructure } from './bootstrap.js';
import { loadConfig } from './config.js';
import { createTicketWorker } from './temporal/worker.js';

const config = loadConfig();
const infra = await openInfrastructure(config, console.log);
const worker = await createTicketWorker({
  connection: infra.temporal.native,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  deps: activityDeps(infra),
});
onShutdown(async () => {
  worker.shutdown();
});
console.log(`worker: serving task queue ${config.temporal.taskQueue}`);
await worker.run();
await infra.close();
