// npm run bench:api [-- TICKETS]: seeds TICKETS (default 1,000,000) across 10 organisations, VACUUM ANALYZE,
// then drives the API's read routes with autocannon running in its own process (50 connections, then one),
// beside two references measured in the same run: bare Fastify returning a constant, and bare Fastify
// running one prepared indexed 20-row query through postgres.js (the ceiling for a database-backed route).

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { eq, sql } from 'drizzle-orm';
import Fastify from 'fastify';
import postgres from 'postgres';
import { buildApp } from '../src/api/app.js';
import { issueApiToken } from '../src/api/auth/tokens.js';
import { organizations, tickets, userOrganizations, users } from '../src/db/schema/index.js';
import { createFileMailer } from '../src/mail/mailer.js';
import { createFileStorage } from '../src/storage/storage.js';
import { createSurveyLinks } from '../src/surveys/signed-links.js';
import { createTicketCommands } from '../src/temporal/tickets.js';
import { startBenchServices } from './support.js';

const total = Number(process.argv[2] ?? 1_000_000);
const ORGS = 10;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const SINGLE_DURATION_S = Math.max(1, Math.round(DURATION_S / 2));
const CONNECTIONS = 50;
const POOL = 60;
const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

interface Run {
  rate: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** One autocannon run in a child process, so the load generator never shares the server's event loop. */
async function load(url: string, headers: Record<string, string>, connections: number, seconds: number) {
  const args = [autocannonBin, '-j', '-c', String(connections), '-d', String(seconds)];
  for (const [key, value] of Object.entries(headers)) args.push('-H', `${key}=${value}`);
  const { stdout } = await promisify(execFile)(process.execPath, [...args, url], { maxBuffer: 1 << 24 });
  const result = JSON.parse(stdout);
  return {
    rate: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  } satisfies Run;
}

const services = await startBenchServices('api', POOL);
const { db } = services;
const connection = await Connection.connect({ address: services.temporal.address });
const bareSql = postgres(services.url, { max: POOL, onnotice: () => {} });
try {
  const orgIds: string[] = [];
  let customerId = '';
  let agentId = '';
  const perOrg = Math.floor(total / ORGS);
  const seedStarted = performance.now();
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
    const started = performance.now();
    // 5 % open, 3 % pending, the rest closed (no resolved ones: the filter that matches nothing); priority
    // independent of status, so open & high matches 1.25 % (1,250 per 100k); one ticket in 10,000 mentions
    // a rare word; a seventh of them are assigned to the agent.
    await db.adminDb.execute(sql`
      insert into tickets (organization_id, customer_id, assignee_id, ticket_number, title, description, status,
                           priority, created_at, tags)
      select ${org!.id}, ${customer!.id}, case when n % 7 = 0 then ${agent!.id}::uuid end, n,
             'Ticket ' || n || ' about ' || (array['login','billing','shipping','refund','printer'])[1 + n % 5],
             'The customer writes about ' || (array['password','invoice','parcel','laptop','account'])[1 + n % 7 % 5]
               || ' number ' || n || case when n % 10000 = 0 then ' zebracorn' else '' end,
             case when n % 20 = 0 then 'open' when n % 31 = 0 then 'pending' else 'closed' end::ticket_status,
             (array['low','medium','high','urgent']::ticket_priority[])[1 + (n / 20) % 4],
             now() - (n || ' seconds')::interval,
             case when n % 3 = 0 then array['vip'] else array[]::text[] end
      from generate_series(1, ${perOrg}) as n`);
    const bar = '#'.repeat(i + 1).padEnd(ORGS, '.');
    process.stdout.write(
      `\rseeding [${bar}] ${(i + 1) * perOrg} tickets (${Math.round(performance.now() - started)} ms for the last ${perOrg})`,
    );
  }
  process.stdout.write('\n');
  const orgId = orgIds[0]!;
  const [sample] = await db.adminDb
    .select({ id: tickets.id })
    .from(tickets)
    .where(eq(tickets.customerId, customerId))
    .limit(1);
  // The detail route reads a conversation: six messages and their activities.
  await db.adminDb.execute(sql`
    insert into ticket_messages (ticket_id, sender_id, content, type, created_at)
    select ${sample!.id}, case when n % 2 = 0 then ${agentId}::uuid else ${customerId}::uuid end,
           'Message ' || n || ' of the conversation, a few sentences long. ' || repeat('Lorem ipsum dolor sit amet. ', 10),
           'reply', now() - ((7 - n) || ' minutes')::interval
    from generate_series(1, 6) as n`);
  await db.adminDb.execute(sql`
    insert into ticket_activities (ticket_id, user_id, action, created_at)
    select ${sample!.id}, ${agentId}::uuid, 'message_added', now() - ((7 - n) || ' minutes')::interval
    from generate_series(1, 6) as n`);
  const vacuumStarted = performance.now();
  // What production looks like once autovacuum has been by: statistics and the visibility map.
  await db.adminDb.execute(sql`vacuum analyze`);
  console.log(
    `seeded in ${Math.round((vacuumStarted - seedStarted) / 1000)} s, vacuum analyze ${Math.round((performance.now() - vacuumStarted) / 1000)} s`,
  );
  const { token } = await db.withTenant({ organizationId: orgId, userId: agentId }, (tx) =>
    issueApiToken(tx, {
      organizationId: orgId,
      userId: agentId,
      name: 'bench',
      createdById: null,
      expiresAt: null,
    }),
  );

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
  bare.get('/constant', async () => ({ hello: 'world' }));
  // The same page the listing reads (open & high, newest first), as the owner: no RLS, no auth, no JSON
  // schema, one prepared statement on an index made for it.
  bare.get(
    '/query',
    async () =>
      bareSql`select id, ticket_number, title, status, priority, created_at from tickets
            where organization_id = ${orgId} and status = 'open' and priority = 'high' and deleted_at is null
            order by created_at desc, id desc limit 20`,
  );
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

  const auth = { authorization: `Bearer ${token}` };
  const routes = [
    [
      'GET /tickets?status=open&priority=high&limit=20 (page, exact count)',
      '/tickets?status=open&priority=high&limit=20',
    ],
    [
      '… the same with &cursor= (keyset, count capped at 10,000)',
      '/tickets?status=open&priority=high&limit=20&cursor=',
    ],
    ['… the same with &cursor=&count=none', '/tickets?status=open&priority=high&limit=20&cursor=&count=none'],
    ['GET /tickets?status=resolved (matches none)', '/tickets?status=resolved&limit=20'],
    ['GET /tickets?cursor= (whole inbox, 10,000+)', '/tickets?limit=20&cursor='],
    [
      `GET /tickets/search?q=invoice (${Math.round(perOrg / 7).toLocaleString('en')} matches)`,
      '/tickets/search?q=invoice',
    ],
    [
      `GET /tickets/search?q=zebracorn (${Math.floor(perOrg / 10000)} matches)`,
      '/tickets/search?q=zebracorn',
    ],
    ['GET /tickets/:id (6 messages, 7 activities)', `/tickets/${sample!.id}`],
  ] as const;
  for (const [, path] of routes) {
    const response = await fetch(`${apiUrl}${path}`, { headers: auth });
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  }

  const references = async () => ({
    constant: await load(`${bareUrl}/constant`, {}, CONNECTIONS, DURATION_S),
    query: await load(`${bareUrl}/query`, {}, CONNECTIONS, DURATION_S),
  });
  // Warm-up: every pooled connection prepares its statements, the JIT compiles the hot paths.
  for (const [, path] of routes) await load(`${apiUrl}${path}`, auth, CONNECTIONS, 2);
  await load(`${bareUrl}/query`, {}, CONNECTIONS, 2);

  const before = await references();
  const measured: { route: string; busy: Run; single: Run }[] = [];
  for (const [route, path] of routes) {
    measured.push({
      route,
      busy: await load(`${apiUrl}${path}`, auth, CONNECTIONS, DURATION_S),
      single: await load(`${apiUrl}${path}`, auth, 1, SINGLE_DURATION_S),
    });
  }
  const after = await references();
  const constantRate = (before.constant.rate + after.constant.rate) / 2;
  const queryRate = (before.query.rate + after.query.rate) / 2;
  const share = (rate: number, of: number) => `${((rate / of) * 100).toFixed(1)} %`;
  const rows = measured.map(({ route, busy, single }) => ({
    route,
    'req/s': busy.rate,
    'p50/p99 ms': `${busy.p50}/${busy.p99}`,
    'of bare query': share(busy.rate, queryRate),
    'of bare constant': share(busy.rate, constantRate),
    '-c 1 p50/p99 ms': `${single.p50}/${single.p99}`,
    'non-2xx': busy.non2xx + single.non2xx,
    errors: busy.errors + single.errors,
  }));
  for (const [name, runs] of [
    ['bare Fastify + prepared 20-row query (postgres.js)', [before.query, after.query]],
    ['bare Fastify constant', [before.constant, after.constant]],
  ] as const) {
    rows.push({
      route: `${name}, before/after`,
      'req/s': Math.round((runs[0].rate + runs[1].rate) / 2),
      'p50/p99 ms': runs.map((r) => `${r.p50}/${r.p99}`).join(', '),
      'of bare query': share((runs[0].rate + runs[1].rate) / 2, queryRate),
      'of bare constant': share((runs[0].rate + runs[1].rate) / 2, constantRate),
      '-c 1 p50/p99 ms': '',
      'non-2xx': runs[0].non2xx + runs[1].non2xx,
      errors: runs[0].errors + runs[1].errors,
    });
  }
  console.log(
    `\nAPI benchmark: ${total.toLocaleString('en')} tickets in ${ORGS} organisations; ${CONNECTIONS} connections for ${DURATION_S} s, then 1 for ${SINGLE_DURATION_S} s, per route; references before and after (req/s averaged)`,
  );
  console.table(rows);
  await app.close();
  await bare.close();
} finally {
  await bareSql.end();
  await connection.close();
  await services.close();
}
