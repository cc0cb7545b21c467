// npm run bench:web [-- TICKETS]: the agents' web app in headless Chromium on an organisation of TICKETS
// (default 1,000,000) tickets: first inbox paint, JavaScript size, list interactions — each beside a
// reference measured in the same run (a bare page from a bare Fastify, the API call the list makes,
// the budget of the issue).
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import Fastify from 'fastify';
import { buildWeb, WEB_DIST } from '../scripts/build-web.js';
import { buildApp } from '../src/api/app.js';
import { hashPassword } from '../src/api/auth/passwords.js';
import { organizations, userOrganizations, users } from '../src/db/schema/index.js';
import { createFileMailer } from '../src/mail/mailer.js';
import { createFileStorage } from '../src/storage/storage.js';
import { createSurveyLinks } from '../src/surveys/signed-links.js';
import { createTicketCommands } from '../src/temporal/tickets.js';
import { launchChromium } from '../tests/support/browser.js';
import { percentile, startBenchServices } from './support.js';

const total = Number(process.argv[2] ?? 1_000_000);
const RUNS = 7;
const PASSWORD = 'bench password, long enough';

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const ms = (v: number) => `${v.toFixed(0)} ms`;

await buildWeb();
const services = await startBenchServices('web', 20);
const { db } = services;
const connection = await Connection.connect({ address: services.temporal.address });
try {
  const [org] = await db.adminDb
    .insert(organizations)
    .values({ name: 'Bench', slug: `bench-${randomUUID()}` })
    .returning();
  const [agent, customer] = await db.adminDb
    .insert(users)
    .values([
      {
        name: 'Agent',
        email: `agent-${randomUUID()}@bench.test`,
        emailVerified: true,
        passwordHash: await hashPassword(PASSWORD),
      },
      { name: 'Customer', email: `customer-${randomUUID()}@bench.test` },
    ])
    .returning();
  await db.adminDb.insert(userOrganizations).values([
    { userId: agent!.id, organizationId: org!.id, role: 'agent', displayName: 'Agent' },
    { userId: customer!.id, organizationId: org!.id, role: 'customer', displayName: 'Customer' },
  ]);
  const seedStarted = performance.now();
  // A twentieth open, a thirty-first pending, the rest closed; deadlines spread over the next days.
  await db.adminDb.execute(sql`
    insert into tickets (organization_id, customer_id, ticket_number, title, description, status, priority,
                         created_at, sla_deadline, tags)
    select ${org!.id}, ${customer!.id}, n, 'Ticket ' || n || ' about billing', 'The customer writes ' || n,
           case when n % 20 = 0 then 'open' when n % 31 = 0 then 'pending' else 'closed' end::ticket_status,
           (array['low','medium','high','urgent']::ticket_priority[])[1 + n % 4],
           now() - (n || ' seconds')::interval, now() + ((n % 5000) || ' minutes')::interval,
           case when n % 3 = 0 then array['vip'] else array[]::text[] end
    from generate_series(1, ${total}) as n`);
  await db.adminDb.execute(sql`vacuum analyze`);
  console.log(
    `seeded ${total.toLocaleString('en')} tickets in ${Math.round((performance.now() - seedStarted) / 1000)} s`,
  );

  const app = await buildApp({
    db,
    tickets: createTicketCommands(new Client({ connection }), 'bench-web'),
    storage: createFileStorage(path.join(services.dir, 'files')),
    surveyLinks: createSurveyLinks('http://127.0.0.1', 'bench-signing-key-0123456789abcdef'),
    mailer: createFileMailer(path.join(services.dir, 'outbox')),
    defaultFrom: 'support@bench.test',
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  // The floor of a page load on this machine: a bare Fastify answering one small HTML page.
  const bare = Fastify();
  bare.get('/', (_req, reply) => reply.type('text/html').send('<!doctype html><p id="x">hello</p>'));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/`;

  const browser = await launchChromium();
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(120_000);
  await page.goto('/');
  await page.getByLabel('Email').fill(agent!.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('tr.ticket-row').first().waitFor();

  const paint: number[] = [];
  const barePaint: number[] = [];
  const apiCall: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let started = performance.now();
    await page.goto('/inbox');
    await page.locator('tr.ticket-row').first().waitFor();
    paint.push(performance.now() - started);
    started = performance.now();
    await page.goto(bareUrl);
    await page.locator('#x').waitFor();
    barePaint.push(performance.now() - started);
  }
  await page.goto('/inbox');
  await page.locator('tr.ticket-row').first().waitFor();
  for (let i = 0; i < RUNS; i++) {
    // Page-side code is a string: this file is type-checked without the DOM library.
    apiCall.push(
      await page.evaluate<number>(`(async () => {
        const started = performance.now();
        const response = await fetch('/tickets?status=open&status=pending&sort=created&order=desc&limit=25&count=none&cursor=');
        await response.json();
        return performance.now() - started;
      })()`),
    );
  }
  // j: from the key press until the next row shows as selected (no server involved).
  const keyMove: number[] = [];
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  for (let i = 0; i < RUNS; i++) {
    keyMove.push(
      await page.evaluate<number>(`new Promise((resolve) => {
        const before = document.querySelector('tr.ticket-row.selected');
        const started = performance.now();
        document.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true }));
        const check = () =>
          document.querySelector('tr.ticket-row.selected') !== before
            ? requestAnimationFrame(() => resolve(performance.now() - started))
            : requestAnimationFrame(check);
        check();
      })`),
    );
  }
  // A filter change: from the choice until the list shows the new rows (its API call included), timed
  // in the page so that the driver's own round trips are not counted.
  const filter: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const priority = ['urgent', 'high', 'low', 'medium'][i % 4]!;
    filter.push(
      await page.evaluate<number>(`new Promise((resolve) => {
        const select = document.getElementById('filter-priority');
        const started = performance.now();
        select.value = '${priority}';
        select.dispatchEvent(new Event('change', { bubbles: true }));
        const check = () => {
          const rows = [...document.querySelectorAll('tr.ticket-row')];
          if (rows.length > 0 && rows.every((r) => r.getAttribute('data-priority') === '${priority}'))
            requestAnimationFrame(() => resolve(performance.now() - started));
          else requestAnimationFrame(check);
        };
        check();
      })`),
    );
  }
  await browser.close();
  await bare.close();
  await app.close();

  const assets = path.join(WEB_DIST, 'assets');
  const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
  const jsGzip = scripts.reduce(
    (sum, f) => sum + gzipSync(readFileSync(path.join(assets, f)), { level: 9 }).length,
    0,
  );

  console.log(
    `\nWeb app on ${total.toLocaleString('en')} tickets (median of ${RUNS}; Chromium, API and PostgreSQL on one machine)`,
  );
  console.log(
    `  first inbox paint (navigation → first row)   ${ms(median(paint))}   reference: bare page ${ms(median(barePaint))}, budget 1000 ms`,
  );
  console.log(`  the list's API call from the page            ${ms(median(apiCall))}`);
  console.log(
    `  JavaScript, gzipped                          ${(jsGzip / 1024).toFixed(1)} kB   budget 150 kB`,
  );
  console.log(`  j (select the next row)                      ${ms(median(keyMove))}   budget 100 ms`);
  console.log(
    `  filter change until the new rows show         ${ms(median(filter))}   reference: its API call ${ms(median(apiCall))}, budget 100 ms`,
  );
} finally {
  await connection.close();
  await services.close();
}
