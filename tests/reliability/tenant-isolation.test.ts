// Tenant isolation (issue #7): organisation A's owner calls every operation of /openapi.json aimed at
// organisation B's data (B's ids in paths, bodies and filters) and with SQL in every search string and filter.
// Nothing of B may show in any answer and none of B's rows, in any tenant table the database catalogue lists,
// may change. Complements tests/integration/api-tenancy.test.ts (404 for foreign ids) and db-rls.test.ts.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  csatSurveys,
  inboundEmails,
  organizationSubscriptions,
  sessions,
  slaBreaches,
  slaEscalations,
  ticketParticipants,
} from '../../src/db/schema/index.js';
import { type ApiFixture, as, createApiFixture, useApiHarness } from '../support/api.js';
import { printFigures } from './profile.js';

const h = useApiHarness();

/** In every text B owns, so a leak of any of it is found by one substring. */
const B_MARK = 'brv0secret';
const UUID_PATTERN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

const SQL_PAYLOADS = [
  "' or 1=1 --",
  "'; drop table tickets; --",
  "%' union select id, title, description from tickets --",
  '\\',
  "\\'; select pg_sleep(0); --",
  "') or ('a'='a",
  '" or ""="',
  '1) or (1=1',
  '*/ or /*',
  '%',
  '_',
  '$1',
  // Full-text query syntax, in case a search string reaches to_tsquery unescaped.
  'a & (',
  '!!:*',
  'foo <-> | ',
];

interface Schema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  minimum?: number;
  minItems?: number;
  minProperties?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
}

interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  public: boolean;
  parameters: { in: string; name: string; schema: Schema }[];
  body?: Schema;
}

async function operationsOf(app: typeof h.app): Promise<Operation[]> {
  const doc = (await app.inject('/openapi.json')).json() as {
    paths: Record<
      string,
      Record<
        string,
        {
          security?: unknown[];
          parameters?: Operation['parameters'];
          requestBody?: { content: Record<string, { schema: Schema }> };
        }
      >
    >;
  };
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => ({
      method: method.toUpperCase() as Operation['method'],
      path,
      public: Array.isArray(op.security) && op.security.length === 0,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema,
    })),
  );
}

const typeOf = (s: Schema) => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);
const isId = (s: Schema) => s.format === 'uuid';
const mentionsId = (s: Schema): boolean =>
  isId(s) ||
  Object.values(s.properties ?? {}).some(mentionsId) ||
  (s.items ? mentionsId(s.items) : false) ||
  (s.anyOf ?? []).some(mentionsId);

const SAMPLE_PATTERNS: Record<string, string> = {
  '^#[0-9a-fA-F]{6}$': '#123456',
  '^/[\\w-]+$': '/probe',
  '^\\d{2}:\\d{2}$': '09:00',
  '^[\\w.+-]+/[\\w.+-]+$': 'text/plain',
};

/**
 * The smallest valid value of a schema, with every id field (required or not) set to `idFor(name)`: the
 * required fields make the request valid, the id fields aim it at the other organisation.
 */
function sampleOf(schema: Schema, name: string, idFor: (field: string) => string): unknown {
  if (schema.anyOf) return sampleOf(schema.anyOf.find((s) => s.type !== 'null')!, name, idFor);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (isId(schema)) return idFor(name);
  switch (typeOf(schema)) {
    case 'object': {
      const properties = Object.entries(schema.properties ?? {});
      let chosen = properties.filter(([key, s]) => schema.required?.includes(key) || mentionsId(s));
      if (!chosen.length && (schema.minProperties ?? 0) > 0) chosen = properties.slice(0, 1);
      return Object.fromEntries(chosen.map(([key, s]) => [key, sampleOf(s, key, idFor)]));
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sampleOf(schema.items!, name, idFor));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    default:
      if (schema.format === 'email') return `probe-${randomUUID().slice(0, 8)}@alpha.test`;
      if (schema.format === 'date-time') return new Date().toISOString();
      if (schema.format === 'date') return new Date().toISOString().slice(0, 10);
      if (schema.format === 'byte') return 'cHJvYmU=';
      if (schema.pattern) {
        const sample = SAMPLE_PATTERNS[schema.pattern];
        if (!sample) throw new Error(`no sample for pattern ${schema.pattern} (${name}): add one`);
        return sample;
      }
      return `probe ${randomUUID().slice(0, 8)}`.padEnd(schema.minLength ?? 1, 'x');
  }
}

/** Every table holding organisation data: those with organization_id, or ticket_id (rows of a ticket). */
async function tenantTables(): Promise<{ table: string; scope: 'organization_id' | 'ticket_id' }[]> {
  const rows = (await h.db.adminDb.execute(sql`
    select c.table_name as table, bool_or(c.column_name = 'organization_id') as by_org
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
      and c.column_name in ('organization_id', 'ticket_id')
    group by c.table_name order by c.table_name`)) as unknown as { table: string; by_org: boolean }[];
  return rows.map((r) => ({ table: r.table, scope: r.by_org ? 'organization_id' : 'ticket_id' }));
}

type Snapshot = Record<string, string>;

/** Every row of the organisation (tenant tables, its organizations row and its members' users rows) as JSON. */
async function snapshotOf(organizationId: string): Promise<Snapshot> {
  const rowsOf = async (from: ReturnType<typeof sql>) => {
    const [row] = (await h.db.adminDb.execute(
      sql`select coalesce(jsonb_agg(to_jsonb(r) order by to_jsonb(r)::text), '[]')::text as rows from ${from}`,
    )) as unknown as { rows: string }[];
    return row!.rows;
  };
  const snapshot: Snapshot = {
    organizations: await rowsOf(sql`organizations r where r.id = ${organizationId}`),
    users: await rowsOf(
      sql`users r where r.id in (select user_id from user_organizations where organization_id = ${organizationId})`,
    ),
  };
  for (const { table, scope } of await tenantTables()) {
    snapshot[table] = await rowsOf(
      scope === 'organization_id'
        ? sql`${sql.identifier(table)} r where r.organization_id = ${organizationId}`
        : sql`${sql.identifier(table)} r where r.ticket_id in (select id from tickets where organization_id = ${organizationId})`,
    );
  }
  return snapshot;
}

/** Waits until background work (workflow activities, outbox delivery) stopped changing the organisation. */
async function settledSnapshotOf(organizationId: string): Promise<Snapshot> {
  let previous = await snapshotOf(organizationId);
  for (let i = 0; i < 60; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const next = await snapshotOf(organizationId);
    if (JSON.stringify(next) === JSON.stringify(previous)) return next;
    previous = next;
  }
  throw new Error('organisation kept changing');
}

const post = async (token: string, url: string, body: unknown) => {
  const response = await as(h.app, token).post(url, body as Record<string, unknown>);
  expect(response.statusCode, `${url}: ${response.body}`).toBeLessThan(300);
  return response.json();
};

/** B: a row in every tenant table, through the API where there is a route, else on the owner connection. */
async function seedVictim(b: ApiFixture) {
  const t = b.tokens;
  // Before the ticket, so its creation queues a delivery for B's webhook (nothing sends it here).
  const webhook = await post(t.admin, '/webhooks', {
    url: `https://hooks-${B_MARK}.bravo.test/in`,
    events: ['ticket.created', 'message.created'],
  });
  const ticket = await post(t.agent, '/tickets', {
    customer: { email: `customer-${B_MARK}@bravo.test`, name: `Customer ${B_MARK}` },
    title: `Invoice ${B_MARK}`,
    description: `Private ${B_MARK}`,
    tags: [`tag-${B_MARK}`],
  });
  const reply = await post(t.agent, `/tickets/${ticket.id}/messages`, {
    content: `Reply ${B_MARK}`,
    attachments: [{ filename: `${B_MARK}.txt`, mimeType: 'text/plain', contentBase64: 'c2VjcmV0' }],
  });
  const category = await post(t.admin, '/categories', { name: `Category ${B_MARK}` });
  const tag = await post(t.admin, '/tags', { name: `tag-${B_MARK}` });
  const filter = await post(t.agent, '/saved-filters', {
    name: `Filter ${B_MARK}`,
    shared: true,
    query: { search: B_MARK },
  });
  const canned = await post(t.agent, '/canned-responses', {
    title: `Canned ${B_MARK}`,
    content: `Canned ${B_MARK}`,
    shortcut: '/bravo',
  });
  // A year for every deadline: timers of B's tickets must not fire during the run and change B's rows.
  let policy: { id: string } | undefined;
  for (const priority of ['low', 'medium', 'high', 'urgent']) {
    policy = await post(t.admin, '/sla-policies', {
      name: `Policy ${B_MARK} ${priority}`,
      priority,
      firstResponseTime: 525_600,
      resolutionTime: 525_600,
      isDefault: true,
    });
  }
  const mailbox = await post(t.admin, '/mailboxes', {
    name: `Mailbox ${B_MARK}`,
    address: `support-${B_MARK}-${randomUUID().slice(0, 6)}@bravo.test`,
  });
  await post(t.admin, '/members', { email: `member-${B_MARK}@bravo.test`, role: 'customer' });
  const token = await post(t.admin, '/tokens', { name: `Token ${B_MARK}` });
  const invitation = await post(t.admin, '/invitations', { email: `invitee-${B_MARK}@bravo.test` });
  const org = { organizationId: b.org.id };
  const [survey] = await h.db.adminDb
    .insert(csatSurveys)
    .values({ ...org, id: randomUUID(), ticketId: ticket.id, email: `customer-${B_MARK}@bravo.test` })
    .returning();
  await h.db.adminDb
    .insert(inboundEmails)
    .values({ ...org, messageKey: `${B_MARK}@bravo.test`, outcome: 'ticket_created', ticketId: ticket.id });
  const [breach] = await h.db.adminDb
    .insert(slaBreaches)
    .values({
      ...org,
      ticketId: ticket.id,
      kind: 'first_response',
      deadline: new Date(Date.now() - 60_000),
    })
    .returning();
  // A digest still collecting B's breach.
  await h.db.adminDb.insert(slaEscalations).values({
    ...org,
    isDigest: true,
    sendsAt: new Date(Date.now() + 60_000),
    openedByBreachId: breach!.id,
  });
  // A session of B's admin working in B (sessions are the person's, but name the organisation chosen).
  const [session] = await h.db.adminDb
    .insert(sessions)
    .values({
      userId: b.admin.id,
      organizationId: b.org.id,
      tokenHash: `${B_MARK}-${randomUUID()}`,
      csrfToken: B_MARK,
      expiresAt: new Date(Date.now() + 3_600_000),
    })
    .returning();
  await h.db.adminDb
    .insert(organizationSubscriptions)
    .values({ ...org, planId: 'free' })
    .onConflictDoNothing();
  // B's wording of its survey (A reaches /email-templates/{kind} too, but only ever its own).
  const wording = await as(h.app, t.admin).put('/email-templates/satisfaction_survey', {
    subject: `Rate ${B_MARK}`,
    body: `{{survey.link}} ${B_MARK}`,
  });
  expect(wording.statusCode, wording.body).toBe(200);
  const [participant] = await h.db.adminDb
    .select({ id: ticketParticipants.id })
    .from(ticketParticipants)
    .where(eq(ticketParticipants.ticketId, ticket.id));
  return {
    tickets: ticket.id as string,
    participant: participant!.id,
    message: reply.id as string,
    attachments: reply.attachments[0].id as string,
    categories: category.id as string,
    tags: tag.id as string,
    'saved-filters': filter.id as string,
    'canned-responses': canned.id as string,
    'sla-policies': policy!.id,
    mailboxes: mailbox.id as string,
    members: b.agent.id,
    tokens: token.id as string,
    invitations: invitation.id as string,
    webhooks: webhook.id as string,
    survey: survey!.id,
    // The account's own routes (/me/sessions/{id}) and sign-in's provider names (not ids of anyone's).
    me: session!.id,
    auth: 'google',
    'email-templates': 'satisfaction_survey',
  };
}

type VictimIds = Awaited<ReturnType<typeof seedVictim>>;

/** Which of B's ids a field, parameter or header of that name gets. */
function idField(b: ApiFixture, ids: VictimIds) {
  const byName: Record<string, string> = {
    assigneeId: b.agent.id,
    userId: b.agent.id,
    actorId: b.owner.id,
    customerId: b.customer.id,
    categoryId: ids.categories,
    parentId: ids.categories,
    intoId: ids.tags,
    cannedResponseId: ids['canned-responses'],
    savedFilter: ids['saved-filters'],
    organizationId: b.org.id,
    'x-organization-id': b.org.id,
    targetId: ids.tickets,
    targetTicketId: ids.tickets,
    participantId: ids.participant,
    messageId: ids.message,
    mailboxId: ids.mailboxes,
  };
  return (name: string) => {
    const id = byName[name];
    if (!id) throw new Error(`an id field "${name}" this test does not know: map it to one of B's ids`);
    return id;
  };
}

describe('tenant isolation', () => {
  it('A’s owner token can neither read nor change B’s data through any operation', async () => {
    const a = await createApiFixture(h.db, 'Alpha');
    const b = await createApiFixture(h.db, `Bravo ${B_MARK}`);
    const ids = await seedVictim(b);
    const aTicket = await post(a.tokens.agent, '/tickets', {
      customer: { email: 'customer@alpha.test' },
      title: 'Alpha invoice',
      description: 'Alpha',
    });
    const aOwn: Record<string, string> = {
      tickets: aTicket.id,
      categories: (await post(a.tokens.admin, '/categories', { name: 'Alpha category' })).id,
      tags: (await post(a.tokens.admin, '/tags', { name: 'alpha' })).id,
      'saved-filters': (await post(a.tokens.agent, '/saved-filters', { name: 'Alpha', query: {} })).id,
    };

    const before = await settledSnapshotOf(b.org.id);
    const empty = Object.entries(before).filter(([, rows]) => rows === '[]');
    expect(
      empty.map(([table]) => table),
      'tenant tables without a row of B: seed them',
    ).toEqual([]);
    const markers = [B_MARK, ...new Set(JSON.stringify(before).match(UUID_PATTERN))];

    const idFor = idField(b, ids);
    const pathIdOfB = (path: string) =>
      path.startsWith('/csat/')
        ? `${ids.survey}.forged-signature` // A cannot have B's signed link; a forged one must not open it
        : ids[path.split('/')[1] as keyof VictimIds];
    const operations = await operationsOf(h.app);
    const owner = as(h.app, a.tokens.owner);
    const figures = { operations: operations.length, requests: 0, injections: 0, accepted: 0 };

    const check = async (op: Operation, url: string, body: unknown, headers: Record<string, string>) => {
      const response = await owner.send(op.method, url, body as Record<string, unknown>, headers);
      figures.requests++;
      const label = `${op.method} ${url} ${JSON.stringify(body ?? '')}`;
      expect(response.statusCode, `${label}: ${response.body}`).toBeLessThan(500);
      if (response.statusCode < 300) figures.accepted++;
      // What A sent may come back (a saved filter stores the ids it was given); anything else of B may not.
      const sent = `${url} ${JSON.stringify(body ?? '')} ${JSON.stringify(headers)}`;
      for (const marker of markers) {
        if (!sent.includes(marker)) expect(response.body, `${label} leaks ${marker}`).not.toContain(marker);
      }
      return response;
    };

    for (const op of operations) {
      const idParams = op.parameters.filter((p) => p.in !== 'path' && mentionsId(p.schema));
      const query = new URLSearchParams(
        idParams.filter((p) => p.in === 'query').map((p): [string, string] => [p.name, idFor(p.name)]),
      );
      const headers = Object.fromEntries(
        idParams.filter((p) => p.in === 'header').map((p) => [p.name, idFor(p.name)]),
      );
      const body = op.body && sampleOf(op.body, 'body', idFor);
      const withQuery = (path: string) => (query.size ? `${path}?${query}` : path);

      // B's own object in the path: never found, whatever the body. The account's own routes do not
      // even look: A's owner token is the organisation's, not a person's sign-in.
      if (op.path.includes('{')) {
        const target = pathIdOfB(op.path);
        expect(target, `an id of B for ${op.path}`).toBeDefined();
        // The first parameter names the object (B's); a second one (a ticket's participant or message) is B's too.
        const path = op.path.replace(/\{\w+\}/, target!).replace(/\{(\w+)\}/g, (_, name) => idFor(name));
        const response = await check(op, withQuery(path), body, headers);
        // Sign-in's provider routes take a provider name, and the email templates a kind of email that
        // every organisation has its own of, nobody's id: they only must not leak (checked above) or
        // change B (checked at the end).
        if (!op.path.startsWith('/auth/') && !op.path.startsWith('/email-templates/')) {
          expect(response.statusCode, `${op.method} ${op.path}`).toBe(op.path.startsWith('/me/') ? 403 : 404);
        }
      } else {
        await check(op, withQuery(op.path), body, headers);
      }
      // A's own object, aimed at B's through the body's id fields (a ticket put in B's category, …).
      const own = aOwn[op.path.split('/')[1]!];
      if (op.path.includes('{id}') && own && op.body && mentionsId(op.body)) {
        await check(op, op.path.replace('{id}', own), body, headers);
      }
    }

    // SQL in every query parameter of every list and search, and in path ids.
    for (const op of operations.filter((o) => o.method === 'GET' && !o.public)) {
      for (const payload of SQL_PAYLOADS) {
        const targets = op.path.includes('{')
          ? [op.path.replace(/\{\w+\}/, encodeURIComponent(payload))]
          : op.parameters
              .filter((p) => p.in === 'query')
              .map((p) => `${op.path}?${new URLSearchParams({ [p.name]: payload })}`);
        for (const url of targets) {
          const response = await check(op, url, undefined, {});
          figures.injections++;
          expect([200, 400, 404], `${url}: ${response.body}`).toContain(response.statusCode);
          if (response.statusCode !== 200) {
            expect(Object.keys(response.json().error).sort(), url).toEqual(
              expect.arrayContaining(['code', 'message']),
            );
          }
        }
      }
    }

    // B is exactly as it was, and nothing of A's now points at B (a saved filter's query is A's own text).
    expect(await settledSnapshotOf(b.org.id)).toEqual(before);
    const aAfter = await snapshotOf(a.org.id);
    for (const [table, rows] of Object.entries(aAfter)) {
      if (table === 'saved_filters') continue;
      for (const marker of markers)
        expect(rows, `${table} of A mentions B's ${marker}`).not.toContain(marker);
    }
    // The tables are all still there and A's search still works.
    expect((await tenantTables()).length).toBe(Object.keys(before).length - 2);
    const search = await owner.get('/tickets/search?q=invoice');
    expect(search.statusCode).toBe(200);
    expect(search.body).toContain(aTicket.id);

    printFigures('tenant isolation', {
      'tenant tables snapshotted': Object.keys(before).length,
      'rows of B': Object.values(before).reduce((n, rows) => n + (JSON.parse(rows) as unknown[]).length, 0),
      'distinct ids and strings of B watched for': markers.length,
      'documented operations': figures.operations,
      'requests as A': figures.requests,
      'of which SQL injections': figures.injections,
      'accepted (2xx, on A’s own data)': figures.accepted,
      'responses leaking B': 0,
      'rows of B changed': 0,
    });
  });
});
