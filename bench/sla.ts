// npm run bench:sla [-- N ...]: opens N tickets whose first-response deadline is one known instant,
// then measures how late after it each breach was recorded, the workflow start rate, and peak memory
// of this process (which runs the worker). Default N: 1,000 and 10,000.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { and, eq, isNull, sql } from 'drizzle-orm';
import {
  organizations,
  outboundEmails,
  slaEscalations,
  slaPolicies,
  ticketActivities,
  tickets,
  userOrganizations,
  users,
} from '../src/db/schema/index.js';
import { createFileMailer } from '../src/mail/mailer.js';
import { createFileStorage } from '../src/storage/storage.js';
import { createSurveyLinks } from '../src/surveys/signed-links.js';
import { createTicketCommands } from '../src/temporal/tickets.js';
import { createTicketWorker } from '../src/temporal/worker.js';
import { inBatches, percentile, sampleMemory, startBenchServices } from './support.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const runs = sizes.length ? sizes : [1_000, 10_000];

const services = await startBenchServices('sla', 40);
const { db } = services;
const connection = await Connection.connect({ address: services.temporal.address });
const native = await NativeConnection.connect({ address: services.temporal.address });
const client = new Client({ connection });
const rows: Record<string, string | number>[] = [];

try {
  for (const n of runs) {
    const taskQueue = `bench-sla-${randomUUID()}`;
    const memory = sampleMemory();
    const mailer = createFileMailer(join(services.dir, `outbox-${n}`));
    const worker = await createTicketWorker({
      connection: native,
      namespace: 'default',
      taskQueue,
      deps: {
        db,
        mailer,
        storage: createFileStorage(join(services.dir, 'files')),
        defaultFrom: 'support@bench.test',
        surveyLinks: createSurveyLinks('http://bench.test', 'bench-survey-signing-key-of-32-chars!'),
      },
      tuning: { maxConcurrentWorkflowTaskExecutions: 100, maxConcurrentLocalActivityExecutions: 100 },
    });
    const running = worker.run();
    const commands = createTicketCommands(client, taskQueue);

    const [org] = await db.adminDb
      .insert(organizations)
      .values({ name: `Bench ${n}`, slug: `bench-${randomUUID()}` })
      .returning();
    const [owner, customer] = await db.adminDb
      .insert(users)
      .values([
        { name: 'Owner', email: `owner-${randomUUID()}@bench.test` },
        { name: 'Customer', email: `customer-${randomUUID()}@bench.test` },
      ])
      .returning();
    await db.adminDb.insert(userOrganizations).values([
      { userId: owner!.id, organizationId: org!.id, role: 'owner', displayName: owner!.name },
      { userId: customer!.id, organizationId: org!.id, role: 'customer', displayName: customer!.name },
    ]);
    // Every ticket starts at T0; the budget leaves room to start them all before the shared deadline.
    const budgetMinutes = Math.max(1, Math.ceil((n * 15 + 30_000) / 60_000));
    await db.adminDb.insert(slaPolicies).values({
      organizationId: org!.id,
      name: 'bench',
      priority: 'urgent',
      firstResponseTime: budgetMinutes,
      resolutionTime: 100 * 24 * 60,
      businessHoursOnly: false,
      isDefault: true,
    });
    const t0 = Date.now();
    const deadline = t0 + budgetMinutes * 60_000;

    const startedAt = performance.now();
    await inBatches(
      Array.from({ length: n }, (_, i) => i),
      64,
      (i) =>
        commands.open(
          {
            ticketId: randomUUID(),
            createdAt: new Date(t0).toISOString(),
            organizationId: org!.id,
            customerId: customer!.id,
            title: `Bench ticket ${i}`,
            description: 'Benchmark',
            priority: 'urgent',
            channel: 'api',
            acknowledge: false,
          },
          { waitForTicket: false },
        ),
    );
    const startSeconds = (performance.now() - startedAt) / 1000;
    const startedBeforeDeadline = Date.now() < deadline;

    const breachCount = () =>
      db.adminDb.$count(
        ticketActivities,
        and(
          eq(ticketActivities.action, 'sla_breached'),
          sql`${ticketActivities.ticketId} in (select id from ${tickets} where ${tickets.organizationId} = ${org!.id})`,
        ),
      );
    const giveUpAt = deadline + 10 * 60_000;
    while ((await breachCount()) < n && Date.now() < giveUpAt) await new Promise((r) => setTimeout(r, 500));

    // The last window's digest goes out up to a window after the last breach.
    const waitingDigests = () =>
      db.adminDb.$count(
        slaEscalations,
        and(eq(slaEscalations.organizationId, org!.id), isNull(slaEscalations.writtenAt)),
      );
    while ((await waitingDigests()) > 0 && Date.now() < giveUpAt + 2 * 60_000)
      await new Promise((r) => setTimeout(r, 500));
    const escalationMails = await db.adminDb.$count(
      outboundEmails,
      and(eq(outboundEmails.organizationId, org!.id), eq(outboundEmails.kind, 'escalation')),
    );

    const recorded = await db.adminDb.execute(sql`
      select extract(epoch from (a.created_at - ${new Date(deadline).toISOString()}::timestamptz)) * 1000 as late_ms
      from ${ticketActivities} a join ${tickets} t on t.id = a.ticket_id
      where t.organization_id = ${org!.id} and a.action = 'sla_breached'`);
    const lateness = (recorded as unknown as { late_ms: string }[])
      .map((r) => Number(r.late_ms))
      .sort((a, b) => a - b);

    worker.shutdown();
    await running;
    mailer.close();
    rows.push({
      tickets: n,
      'starts/s': Math.round(n / startSeconds),
      'all started before deadline': startedBeforeDeadline ? 'yes' : 'NO',
      'breaches recorded': lateness.length,
      'late p50 (ms)': Math.round(percentile(lateness, 50)),
      'late p99 (ms)': Math.round(percentile(lateness, 99)),
      'late max (ms)': Math.round(lateness.at(-1) ?? Number.NaN),
      // One per breach without digests: the reference is the breach count itself.
      'escalation mails to the manager (vs breaches)': `${escalationMails} (vs ${lateness.length})`,
      'peak RSS (MiB)': memory.stop(),
    });
  }
} finally {
  await connection.close();
  await native.close();
  await services.close();
}

console.log('\nSLA breach benchmark (real Temporal dev server + PostgreSQL, worker in this process)');
console.table(rows);
