import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from '../../src/db/client.js';
import { slaPolicies } from '../../src/db/schema/index.js';
import { DAY_MS } from '../../src/domain/vocabulary.js';
import { createSmtpMailer, type Mailer } from '../../src/mail/mailer.js';
import type { Storage } from '../../src/storage/storage.js';
import { createSurveyLinks } from '../../src/surveys/signed-links.js';
import { createTicketCommands } from '../../src/temporal/tickets.js';
import { createTicketWorker } from '../../src/temporal/worker.js';
import type { OpenTicketInput, TicketCommands } from '../../src/workflows/contracts.js';
import type { OrganizationFixture } from './db.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';

/** Signs survey links in tests; the API harness verifies with the same keys. */
export const TEST_SURVEY_LINKS = createSurveyLinks(
  'http://insightdesk.test',
  'test-survey-signing-key-0123456789abcdef',
);

export const SUPPORT_ADDRESS = 'support@acme.test';

/** A ticket worker on a fresh task queue, against real PostgreSQL and a capturing SMTP server. */
export interface TicketHarness {
  sink: SmtpSink;
  /** Delivers to `sink`; the API under test sends its own mail (invitations) with it too. */
  mailer: Mailer;
  commands: TicketCommands;
  taskQueue: string;
  /** Starts (or restarts) the worker. */
  startWorker(): Promise<void>;
  /** Stops the worker as a crash would leave things: in-flight work is picked up by the next one. */
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export async function startTicketHarness(opts: {
  db: DatabaseHandle;
  client: Client;
  connection: NativeConnection;
  namespace: string;
  /** Where reply attachments are read from: the API's storage when the API is under test. */
  storage: Storage;
  /**
   * Replay every workflow task from history (no sticky cache), as after a crash. Needed to restart the
   * worker under the time-skipping server, whose locked clock never expires a dead worker's sticky queue;
   * but an update that arrives mid-task then waits for the task timeout (10 s), so only suites that
   * restart workers use it.
   */
  replayEveryTask?: boolean;
}): Promise<TicketHarness> {
  const sink = await startSmtpSink();
  const mailer = createSmtpMailer(`smtp://${sink.host}:${sink.port}`);
  const taskQueue = `tickets-${randomUUID()}`;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  const harness: TicketHarness = {
    sink,
    mailer,
    taskQueue,
    commands: createTicketCommands(opts.client, taskQueue),
    async startWorker() {
      worker = await createTicketWorker({
        connection: opts.connection,
        namespace: opts.namespace,
        taskQueue,
        deps: {
          db: opts.db,
          mailer,
          storage: opts.storage,
          defaultFrom: SUPPORT_ADDRESS,
          surveyLinks: TEST_SURVEY_LINKS,
          // A day, not five minutes: two events of one test never straddle a window's edge by chance.
          notificationWindowMs: DAY_MS,
        },
        tuning: opts.replayEveryTask ? { maxCachedWorkflows: 0 } : undefined,
      });
      running = worker.run();
    },
    async stopWorker() {
      worker?.shutdown();
      await running;
      worker = undefined;
    },
    async close() {
      await harness.stopWorker();
      mailer.close();
      await sink.stop();
    },
  };
  await harness.startWorker();
  return harness;
}

export function ticketInput(
  f: OrganizationFixture,
  overrides: Partial<OpenTicketInput> = {},
): OpenTicketInput {
  return {
    ticketId: randomUUID(),
    organizationId: f.org.id,
    customerId: f.customer.id,
    title: 'Cannot log in',
    description: 'The login page says my password is wrong.',
    priority: 'medium',
    channel: 'email',
    acknowledge: true,
    message: {
      content: 'The login page says my password is wrong.',
      emailMessageId: `${randomUUID()}@customer.test`,
    },
    ...overrides,
  };
}

/** A default 24/7 policy for one priority of the organisation, with times in minutes. */
export async function setPolicy(
  db: DatabaseHandle,
  f: OrganizationFixture,
  priority: 'low' | 'medium' | 'high' | 'urgent',
  firstResponseTime: number,
  resolutionTime: number,
  nextResponseTime: number | null = null,
) {
  await db.adminDb.delete(slaPolicies).where(eq(slaPolicies.organizationId, f.org.id));
  await db.adminDb.insert(slaPolicies).values({
    organizationId: f.org.id,
    name: `${priority} policy`,
    priority,
    firstResponseTime,
    resolutionTime,
    nextResponseTime,
    businessHoursOnly: false,
    isDefault: true,
  });
}

export type { TestWorkflowEnvironment };
