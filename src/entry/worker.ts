// `npm run worker`: a Temporal worker for ticket workflows and their activities, and the webhook
// dispatcher. Run as many as needed; Temporal spreads the tasks over them, the dispatchers share the outbox.
import { activityDeps, openInfrastructure } from '../bootstrap.js';
import { fail, isStopping, onShutdown, runEntryPoint } from '../process.js';
import { createTicketWorker } from '../temporal/worker.js';
import { startWebhookDispatcher } from '../webhooks/dispatcher.js';

runEntryPoint('worker', async (config, log) => {
  const infra = await openInfrastructure(config, log);
  const worker = await createTicketWorker({
    connection: infra.temporal.native,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: activityDeps(infra),
  });
  const webhooks = startWebhookDispatcher({
    db: infra.db,
    hostPolicy: config.mailboxHosts,
    log: log.child({ component: 'webhooks' }),
  });
  const done = worker.run();
  done.then(() => isStopping() || fail(new Error('the Temporal worker stopped unexpectedly')), fail);
  onShutdown(async () => {
    await webhooks.stop();
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await done.catch(() => undefined);
    await infra.close();
  });
  log.info(`worker: serving task queue ${config.temporal.taskQueue}`);
});
