import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle, Tx } from '../../src/db/client.js';
import { createTicket } from '../../src/db/queries/tickets.js';
import {
  apiTokens,
  attachments,
  auditLogs,
  cannedResponses,
  categories,
  csatSurveys,
  inboundEmails,
  mailboxes,
  organizationInvitations,
  organizationSubscriptions,
  outboundEmails,
  savedFilters,
  slaBreaches,
  slaPolicies,
  tags,
  ticketMessages,
  ticketParticipants,
} from '../../src/db/schema/index.js';
import {
  createOrganizationFixture,
  databaseError,
  type OrganizationFixture,
  openTestDatabase,
} from '../support/db.js';

/** One row of every tenant table for an organisation, returning the ids of those rows. */
async function seedTenantRows(db: DatabaseHandle, f: OrganizationFixture) {
  return db.withTenant({ organizationId: f.org.id, userId: f.agent.id }, async (tx) => {
    const ticket = await createTicket(tx, {
      organizationId: f.org.id,
      customerId: f.customer.id,
      title: 'Printer on fire',
      description: 'It is on fire',
    });
    const [message] = await tx
      .insert(ticketMessages)
      .values({ ticketId: ticket.id, senderId: f.customer.id, content: 'Help' })
      .returning();
    const [policy] = await tx
      .insert(slaPolicies)
      .values({
        organizationId: f.org.id,
        name: 'Std',
        priority: 'high',
        firstResponseTime: 60,
        resolutionTime: 240,
      })
      .returning();
    const [token] = await tx
      .insert(apiTokens)
      .values({
        organizationId: f.org.id,
        userId: f.agent.id,
        name: 'ci',
        tokenHash: randomUUID(),
        tokenPrefix: 'x',
      })
      .returning();
    const [mailbox] = await tx
      .insert(mailboxes)
      .values({ organizationId: f.org.id, name: 'Support', address: `support-${randomUUID()}@example.test` })
      .returning();
    const [inbound] = await tx
      .insert(inboundEmails)
      .values({
        organizationId: f.org.id,
        messageKey: randomUUID(),
        outcome: 'ticket_created',
        ticketId: ticket.id,
      })
      .returning();
    const [outbound] = await tx
      .insert(outboundEmails)
      .values({
        organizationId: f.org.id,
        ticketId: ticket.id,
        kind: 'acknowledgement',
        idempotencyKey: randomUUID(),
        messageId: `${randomUUID()}@example.test`,
        fromAddress: 'support@example.test',
        toAddresses: [f.customer.email],
        subject: 'Hi',
        textBody: 'Hi',
      })
      .returning();
    const [breach] = await tx
      .insert(slaBreaches)
      .values({ organizationId: f.org.id, ticketId: ticket.id, kind: 'first_response', deadline: new Date() })
      .returning();
    const [canned] = await tx
      .insert(cannedResponses)
      .values({ organizationId: f.org.id, title: 'Hi', content: 'Hello {{customer.name}}' })
      .returning();
    const [category] = await tx
      .insert(categories)
      .values({ organizationId: f.org.id, name: 'Billing' })
      .returning();
    const [tag] = await tx.insert(tags).values({ organizationId: f.org.id, name: 'urgent' }).returning();
    const [filter] = await tx
      .insert(savedFilters)
      .values({ organizationId: f.org.id, userId: f.agent.id, name: 'Mine', query: { status: ['open'] } })
      .returning();
    const [audit] = await tx
      .insert(auditLogs)
      .values({
        organizationId: f.org.id,
        actorId: f.owner.id,
        action: 'mailbox.created',
        targetType: 'mailbox',
      })
      .returning();
    const attachmentId = randomUUID();
    await tx.insert(attachments).values({
      id: attachmentId,
      organizationId: f.org.id,
      messageId: message!.id,
      filename: 'a.txt',
      mimeType: 'text/plain',
      sizeBytes: 1,
      sha256: 'a'.repeat(64),
      storageKey: `${f.org.id}/${'a'.repeat(64)}`,
    });
    const [invitation] = await tx
      .insert(organizationInvitations)
      .values({
        organizationId: f.org.id,
        email: `new-${randomUUID()}@example.test`,
        tokenHash: randomUUID(),
        expiresAt: new Date(Date.now() + 86_400_000),
      })
      .returning();
    const [participant] = await tx
      .insert(ticketParticipants)
      .values({
        organizationId: f.org.id,
        ticketId: ticket.id,
        email: f.customer.email.toLowerCase(),
        name: 'Customer',
        role: 'customer',
        addedVia: 'agent',
      })
      .returning();
    const surveyId = randomUUID();
    await tx
      .insert(csatSurveys)
      .values({ id: surveyId, organizationId: f.org.id, ticketId: ticket.id, email: f.customer.email });
    // createTicket counted the ticket: this month's subscription_usage row exists now.
    const activity = (await tx.execute(
      sql`select id from ticket_activities where ticket_id = ${ticket.id}`,
    )) as unknown as { id: string }[];
    const membership = (await tx.execute(
      sql`select id from user_organizations where organization_id = ${f.org.id} and user_id = ${f.agent.id}`,
    )) as unknown as { id: string }[];
    return {
      ticketId: ticket.id,
      messageId: message!.id,
      policyId: policy!.id,
      cannedId: canned!.id,
      categoryId: category!.id,
      tagId: tag!.id,
      filterId: filter!.id,
      auditId: audit!.id,
      tokenId: token!.id,
      mailboxId: mailbox!.id,
      inboundId: inbound!.id,
      outboundId: outbound!.id,
      breachId: breach!.id,
      activityId: activity[0]!.id,
      membershipId: membership[0]!.id,
      attachmentId,
      invitationId: invitation!.id,
      surveyId,
      participantId: participant!.id,
    };
  });
}

type Rows = Awaited<ReturnType<typeof seedTenantRows>>;

interface TableCase {
  table: string;
  key: string;
  id: (f: OrganizationFixture, rows: Rows) => string;
  /** A column that update may set to itself. */
  column: string;
  insert: (f: OrganizationFixture, rows: Rows) => SQL;
}

const cases: TableCase[] = [
  {
    table: 'organizations',
    key: 'id',
    id: (f) => f.org.id,
    column: 'name',
    insert: () => sql`insert into organizations (name, slug) values ('Evil', 'evil-' || gen_random_uuid())`,
  },
  {
    table: 'user_organizations',
    key: 'id',
    id: (_f, r) => r.membershipId,
    column: 'role',
    insert: (f) =>
      sql`insert into user_organizations (user_id, organization_id, role) values (${f.customer.id}, ${f.org.id}, 'admin')`,
  },
  {
    table: 'tickets',
    key: 'id',
    id: (_f, r) => r.ticketId,
    column: 'title',
    insert: (f) =>
      sql`insert into tickets (ticket_number, title, description, organization_id, customer_id) values (999, 'x', 'x', ${f.org.id}, ${f.customer.id})`,
  },
  {
    table: 'ticket_number_counters',
    key: 'organization_id',
    id: (f) => f.org.id,
    column: 'last_number',
    insert: (f) =>
      sql`insert into ticket_number_counters (organization_id, last_number) values (${f.org.id}, 5000)`,
  },
  {
    table: 'ticket_messages',
    key: 'id',
    id: (_f, r) => r.messageId,
    column: 'content',
    insert: (_f, r) =>
      sql`insert into ticket_messages (ticket_id, content) values (${r.ticketId}, 'injected')`,
  },
  {
    table: 'ticket_participants',
    key: 'id',
    id: (_f, r) => r.participantId,
    column: 'name',
    insert: (f, r) =>
      sql`insert into ticket_participants (organization_id, ticket_id, email, name, role, added_via) values (${f.org.id}, ${r.ticketId}, 'evil@example.test', 'x', 'follower', 'agent')`,
  },
  {
    table: 'ticket_activities',
    key: 'id',
    id: (_f, r) => r.activityId,
    column: 'action',
    insert: (_f, r) =>
      sql`insert into ticket_activities (ticket_id, action) values (${r.ticketId}, 'closed')`,
  },
  {
    table: 'sla_policies',
    key: 'id',
    id: (_f, r) => r.policyId,
    column: 'name',
    insert: (f) =>
      sql`insert into sla_policies (organization_id, name, priority, first_response_time, resolution_time) values (${f.org.id}, 'x', 'low', 1, 1)`,
  },
  {
    table: 'canned_responses',
    key: 'id',
    id: (_f, r) => r.cannedId,
    column: 'title',
    insert: (f) =>
      sql`insert into canned_responses (organization_id, title, content) values (${f.org.id}, 'x', 'x')`,
  },
  {
    table: 'categories',
    key: 'id',
    id: (_f, r) => r.categoryId,
    column: 'name',
    insert: (f) =>
      sql`insert into categories (organization_id, name) values (${f.org.id}, gen_random_uuid())`,
  },
  {
    table: 'tags',
    key: 'id',
    id: (_f, r) => r.tagId,
    column: 'colour',
    insert: (f) => sql`insert into tags (organization_id, name) values (${f.org.id}, gen_random_uuid())`,
  },
  {
    table: 'saved_filters',
    key: 'id',
    id: (_f, r) => r.filterId,
    column: 'name',
    insert: (f) =>
      sql`insert into saved_filters (organization_id, user_id, name) values (${f.org.id}, ${f.agent.id}, 'x')`,
  },
  {
    table: 'audit_logs',
    key: 'id',
    id: (_f, r) => r.auditId,
    column: 'action',
    insert: (f) =>
      sql`insert into audit_logs (organization_id, action, target_type) values (${f.org.id}, 'x', 'x')`,
  },
  {
    table: 'api_tokens',
    key: 'id',
    id: (_f, r) => r.tokenId,
    column: 'name',
    insert: (f) =>
      sql`insert into api_tokens (organization_id, user_id, name, token_hash, token_prefix) values (${f.org.id}, ${f.agent.id}, 'x', gen_random_uuid(), 'x')`,
  },
  {
    table: 'mailboxes',
    key: 'id',
    id: (_f, r) => r.mailboxId,
    column: 'name',
    insert: (f) =>
      sql`insert into mailboxes (organization_id, name, address) values (${f.org.id}, 'x', gen_random_uuid() || '@evil.test')`,
  },
  {
    table: 'inbound_emails',
    key: 'id',
    id: (_f, r) => r.inboundId,
    column: 'reason',
    insert: (f) =>
      sql`insert into inbound_emails (organization_id, message_key, outcome) values (${f.org.id}, gen_random_uuid(), 'ignored')`,
  },
  {
    table: 'outbound_emails',
    key: 'id',
    id: (_f, r) => r.outboundId,
    column: 'subject',
    insert: (f) =>
      sql`insert into outbound_emails (organization_id, kind, idempotency_key, message_id, from_address, to_addresses, subject, text_body) values (${f.org.id}, 'notification', gen_random_uuid(), 'x@y', 'a@b', array['c@d'], 's', 't')`,
  },
  {
    table: 'sla_breaches',
    key: 'id',
    id: (_f, r) => r.breachId,
    column: 'detected_at',
    insert: (f, r) =>
      sql`insert into sla_breaches (organization_id, ticket_id, kind, deadline) values (${f.org.id}, ${r.ticketId}, 'resolution', now())`,
  },
  {
    table: 'attachments',
    key: 'id',
    id: (_f, r) => r.attachmentId,
    column: 'filename',
    insert: (f, r) =>
      sql`insert into attachments (id, organization_id, message_id, filename, mime_type, size_bytes, sha256, storage_key) values (gen_random_uuid(), ${f.org.id}, ${r.messageId}, 'x', 'x', 1, 'x', 'x/x')`,
  },
  {
    table: 'organization_invitations',
    key: 'id',
    id: (_f, r) => r.invitationId,
    column: 'email',
    insert: (f) =>
      sql`insert into organization_invitations (organization_id, email, token_hash, expires_at) values (${f.org.id}, gen_random_uuid() || '@evil.test', gen_random_uuid(), now())`,
  },
  {
    table: 'csat_surveys',
    key: 'id',
    id: (_f, r) => r.surveyId,
    column: 'rating',
    insert: (f, r) =>
      sql`insert into csat_surveys (id, organization_id, ticket_id, email) values (gen_random_uuid(), ${f.org.id}, ${r.ticketId}, 'x@evil.test')`,
  },
  {
    table: 'subscription_usage',
    key: 'organization_id',
    id: (f) => f.org.id,
    column: 'tickets_created',
    insert: (f) =>
      sql`insert into subscription_usage (organization_id, period_start) values (${f.org.id}, '2030-01-01')`,
  },
];

const rowsOf = (result: unknown) => result as Record<string, unknown>[];

describe('row-level security', () => {
  let db: DatabaseHandle;
  let a: OrganizationFixture;
  let b: OrganizationFixture;
  let aRows: Rows;
  let bRows: Rows;
  const asA = <T>(fn: (tx: Tx) => Promise<T>) =>
    db.withTenant({ organizationId: a.org.id, userId: a.agent.id }, fn);

  beforeAll(async () => {
    db = await openTestDatabase();
    a = await createOrganizationFixture(db, 'Alpha');
    b = await createOrganizationFixture(db, 'Beta');
    // Subscriptions are the operator's to write (tenants may only read theirs).
    await db.adminDb
      .insert(organizationSubscriptions)
      .values([a, b].map((f) => ({ organizationId: f.org.id, planId: 'free' })))
      .onConflictDoNothing();
    aRows = await seedTenantRows(db, a);
    bRows = await seedTenantRows(db, b);
  });
  afterAll(() => db.close());

  describe.each(cases)('$table', (c) => {
    const byId = (f: OrganizationFixture, rows: Rows) => sql`${sql.identifier(c.key)} = ${c.id(f, rows)}`;

    it("reads its own organisation's row but not another's", async () => {
      const own = rowsOf(
        await asA((tx) => tx.execute(sql`select * from ${sql.identifier(c.table)} where ${byId(a, aRows)}`)),
      );
      const other = rowsOf(
        await asA((tx) => tx.execute(sql`select * from ${sql.identifier(c.table)} where ${byId(b, bRows)}`)),
      );
      expect(own).toHaveLength(1);
      expect(other).toHaveLength(0);
    });

    it('cannot insert a row into another organisation', async () => {
      expect(await databaseError(asA((tx) => tx.execute(c.insert(b, bRows))))).toMatch(/row-level security/);
    });

    it("cannot update another organisation's row", async () => {
      const col = sql.identifier(c.column);
      const updated = rowsOf(
        await asA((tx) =>
          tx.execute(
            sql`update ${sql.identifier(c.table)} set ${col} = ${col} where ${byId(b, bRows)} returning 1`,
          ),
        ),
      );
      expect(updated).toHaveLength(0);
    });

    it("cannot delete another organisation's row", async () => {
      const deleted = rowsOf(
        await asA((tx) =>
          tx.execute(sql`delete from ${sql.identifier(c.table)} where ${byId(b, bRows)} returning 1`),
        ),
      );
      expect(deleted).toHaveLength(0);
      const still = rowsOf(
        await db.adminDb.execute(sql`select 1 from ${sql.identifier(c.table)} where ${byId(b, bRows)}`),
      );
      expect(still).toHaveLength(1);
    });

    it('shows nothing without a tenant context', async () => {
      const visible = rowsOf(
        await db.adminDb.transaction(async (tx) => {
          await tx.execute(sql`set local role app_user`);
          return tx.execute(sql`select 1 from ${sql.identifier(c.table)}`);
        }),
      );
      expect(visible).toHaveLength(0);
    });

    it('is visible across organisations to service_role', async () => {
      const all = rowsOf(
        await db.asServiceRole((tx) =>
          tx.execute(
            sql`select 1 from ${sql.identifier(c.table)} where ${byId(a, aRows)} or ${byId(b, bRows)}`,
          ),
        ),
      );
      expect(all).toHaveLength(2);
    });
  });

  it('lets tenants read their own subscription but not change any', async () => {
    const own = rowsOf(await asA((tx) => tx.execute(sql`select plan_id from organization_subscriptions`)));
    expect(own).toHaveLength(1);
    for (const write of [
      sql`update organization_subscriptions set plan_id = 'business'`,
      sql`delete from organization_subscriptions`,
      sql`insert into organization_subscriptions (organization_id, plan_id) values (${b.org.id}, 'business')`,
    ]) {
      expect(await databaseError(asA((tx) => tx.execute(write)))).toMatch(/permission denied/);
    }
  });

  it('lets tenants read the plan catalogue but not change it', async () => {
    const plans = rowsOf(await asA((tx) => tx.execute(sql`select id from subscription_plans`)));
    expect(plans.map((p) => p.id)).toEqual(expect.arrayContaining(['free', 'team', 'business']));
    expect(
      await databaseError(asA((tx) => tx.execute(sql`update subscription_plans set max_agents = null`))),
    ).toMatch(/permission denied/);
    expect(
      await databaseError(
        asA((tx) => tx.execute(sql`insert into subscription_plans (id, name) values ('evil', 'Evil')`)),
      ),
    ).toMatch(/permission denied/);
  });

  it('refuses a malformed organisation id before querying', async () => {
    await expect(db.withTenant({ organizationId: "x' or 1=1 --" }, async () => 1)).rejects.toThrow(/uuid/);
  });

  it('does not leak the tenant context to the next transaction on the same connection', async () => {
    const single = await openTestDatabase(1);
    try {
      await single.withTenant({ organizationId: a.org.id }, (tx) => tx.execute(sql`select 1`));
      const [row] = rowsOf(
        await single.adminDb.execute(
          sql`select current_setting('app.current_org_id', true) as org, current_user as role`,
        ),
      );
      expect(row!.org ?? '').toBe('');
      expect(row!.role).not.toBe('app_user');
    } finally {
      await single.close();
    }
  });
});
