// `npm start`: the whole helpdesk in one process. With no configuration it runs on embedded PostgreSQL
// (PGlite) and a local Temporal dev server; with DATABASE_URL and TEMPORAL_ADDRESS it uses those.
import { startApiServer } from './api/server.js';
import { activityDeps, onShutdown, openInfrastructure } from './bootstrap.js';
import { loadConfig } from './config.js';
import { seedDemo } from './demo.js';
import { startIngest } from './temporal/ingest-worker.js';
import { createTicketWorker } from './temporal/worker.js';

const config = loadConfig();
const infra = await openInfrastructure(config, (line) => console.log(line), 'all-in-one');

// Before the mailbox readers: SUPPORT_ORGANIZATION=demo then attaches the env mailbox to the demo.
const demo = await seedDemo(infra.db, config.mail.defaultFrom);
const worker = await createTicketWorker({
  connection: infra.temporal.native,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  deps: activityDeps(infra),
});
const workerDone = worker.run();
const ingest = await startIngest({
  config,
  db: infra.db,
  client: infra.temporal.client,
  connection: infra.temporal.native,
  storage: infra.storage,
});
const inboundSecret = config.api.inboundSecret;
const server = await startApiServer(
  infra,
  inboundSecret
    ? { secret: inboundSecret, pipeline: ingest.pipeline, maxBytes: config.ingest.maxEmailBytes }
    : undefined,
);

onShutdown(async () => {
  await server.close();
  await ingest.stop();
  worker.shutdown();
  await workerDone;
  await infra.close();
});

const token = demo.created
  ? demo.token
  : '<the token printed on first start, or `npm run cli -- create-token`>';
console.log(`
InsightDesk is running.
  API            ${server.url}   (docs: ${server.url}/docs, OpenAPI: ${server.url}/openapi.json)
  Temporal UI    ${infra.temporal.uiUrl ?? `(external Temporal at ${infra.temporal.address})`}
  Outgoing mail  ${config.mail.smtpUrl ? 'SMTP' : `${config.dataDir}/outbox/*.eml`}
${demo.created ? `\nDemo organisation "${demo.organization.name}" created; its admin's API token (shown once):\n  ${demo.token}\n` : ''}
Try it:
  curl -s ${server.url}/tickets -H 'Authorization: Bearer ${token}'
  curl -s -X POST ${server.url}/tickets -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' \\
       -d '{"customer":{"email":"carla@example.com"},"title":"Printer on fire","description":"It is on fire."}'
`);
await workerDone;
