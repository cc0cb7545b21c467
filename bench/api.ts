// npm run bench:api [-- TICKETS]: seeds TICKETS (default 1,000,000) across 10 organisations, then drives
// GET /tickets, GET /tickets/search and GET /tickets/:id with 50 concurrent connections (autocannon), and
// a bare Fastify route returning a constant on the same machine, and prints latency and throughput.

import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import autocannon from 'autocannon';
import { eq, sql } from 'drizzle-orm';
import Fastify from 'fastify';
import { createFileMailer } from '../src/activities/mailer.js';
import { createFileStorage } from '../src/activities/storage.js';
import { buildApp } from '../src/api/app.js';
import { issueApiToken } from '../src/api/auth/tokens.js';
import { organizations, tickets, userOrganizations, users } from '../src/db/schema/index.js';
import { createSurveyLinks } from '../src/surveys/signed-links.js';
import { createTicketCommands } from '../src/temporal/tickets.js';
import { startBenchServices } from './support.js';

const total = Number(process.argv[2] ?? 1_000_000);
const ORGS = 10;
const DURATION_S = 10;
const CONNECTIONS = 50;

const services = await startBenchServices('api', 60);
const { db } = services;
const connection = await Connection.connect({ address: services.temporal.address });
try {
  const orgIds: string[] = [];
  let customerId = '';
  let agentId = '';
  for (let i = 0; i < ORGS; i++) {
    const [org] = await db.adminDb
      .insert(organizations)
      .values({ name: `Org ${i}`, slug: `bench-${randomUUID()}` })
      .returning();
    const [agent, customer] = await db.adminDb
      .insert(users)
      .values([
        { name: `Agent ${i}`, email: `agent-${randomUUID()}@bench.test` },
        { name: `Customer ${i}`, email: `customer-${randomUUID()}@bench.test` },
      ])
      .returning();
    await db.adminDb.insert(userOrganizations).values([
      { userId: agent!.id, organizationId: org!.id, role: 'agent', displayName: agent!.name },
      { userId: customer!.id, organizationId: org!.id, role: 'customer', displayName: customer!.name },
    ]);
    orgIds.push(org!.id);
    if (i === 0) {
      agentId = agent!.id;
      customerId = customer!.id;
    }
    const perOrg = Math.floor(total / ORGS);
    const started = performance.now();
    await db.adminDb.execute(sql`
      insert into tickets (organization_id, customer_id, ticket_number, title, description, status, priority, created_at, tags)
      select ${org!.id}, ${customer!.id}, n,
             'Ticket ' || n || ' about ' || (array['login','billing','shipping','refund','printer'])[1 + n % 5],
             'The customer writes about ' || (array['password','invoice','parcel','laptop','account'])[1 + n % 7 % 5]
               || ' number ' || n,
             case when n % 20 = 0 then 'open' when n % 31 = 0 then 'pending' else 'closed' end::ticket_status,
             (array['low','medium','high','urgent']::ticket_priority[])[1 + n % 4],
             now() - (n || ' seconds')::interval,
             case when n % 3 = 0 then array['vip'] else array[]::text[] end
      from generate_series(1, ${perOrg}) as n`);
    const bar = '#'.repeat(i + 1).padEnd(ORGS, '.');
    process.stdout.write(
      `\rseeding [${bar}] ${(i + 1) * perOrg} tickets (${Math.round(performance.now() - started)} ms for the last ${perOrg})`,
    );
  }
  process.stdout.write('\n');
  await db.adminDb.execute(sql`analyze tickets`);
  const orgId = orgIds[0]!;
  const { token } = await db.withTenant({ organizationId: orgId, userId: agentId }, (tx) =>
    issueApiToken(tx, {
      organizationId: orgId,
      userId: agentId,
      name: 'bench',
      createdById: null,
      expiresAt: null,
    }),
  );
  const [sample] = await db.adminDb
    .select({ id: tickets.id })
    .from(tickets)
    .where(eq(tickets.customerId, customerId))
    .limit(1);

  const app = await buildApp({
    db,
    tickets: createTicketCommands(new Client({ connection }), 'bench-api'),
    storage: createFileStorage(`${services.dir}/files`),
    surveyLinks: createSurveyLinks('http://bench.test', 'bench-survey-signing-key-of-32-chars!'),
    mailer: createFileMailer(`${services.dir}/outbox`),
    defaultFrom: 'support@bench.test',
  });
  const apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const bare = Fastify();
  bare.get('/', async () => ({ hello: 'world' }));
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

  const headers = { authorization: `Bearer ${token}` };
  const targets = [
    {
      name: 'GET /tickets (open, high, page of 20)',
      url: `${apiUrl}/tickets?status=open&priority=high&limit=20`,
      headers,
    },
    { name: 'GET /tickets/search?q=invoice', url: `${apiUrl}/tickets/search?q=invoice`, headers },
    { name: 'GET /tickets/:id', url: `${apiUrl}/tickets/${sample!.id}`, headers },
    { name: 'bare Fastify constant', url: `${bareUrl}/`, headers: {} },
  ];
  const rows: Record<string, string | number>[] = [];
  for (const target of targets) {
    const result = await autocannon({
      url: target.url,
      headers: target.headers,
      connections: CONNECTIONS,
      duration: DURATION_S,
    });
    rows.push({
      route: target.name,
      'req/s': Math.round(result.requests.average),
      'p50 (ms)': result.latency.p50,
      'p99 (ms)': result.latency.p99,
      'non-2xx': result.non2xx,
      errors: result.errors,
    });
  }
  const bareRate = rows.at(-1)!['req/s'] as number;
  for (const row of rows)
    row['share of bare'] = `${(((row['req/s'] as number) / bareRate) * 100).toFixed(1)} %`;
  console.log(
    `\nAPI benchmark: ${total.toLocaleString('en')} tickets in ${ORGS} organisations, ${CONNECTIONS} connections, ${DURATION_S} s each`,
  );
  console.table(rows);
  await app.close();
  await bare.close();
} finally {
  await connection.close();
  await services.close();
}
