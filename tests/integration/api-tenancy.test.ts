import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { issueApiToken } from '../../src/api/auth/tokens.js';
import {
  apiTokens,
  auditLogs,
  cannedResponses,
  categories,
  mailboxes,
  organizationInvitations,
  savedFilters,
  sessions,
  slaPolicies,
  tags,
  webhooks,
} from '../../src/db/schema/index.js';
import { as, createApiFixture, documentedOperations, errorOf, useApiHarness } from '../support/api.js';

const h = useApiHarness();

/** A valid body for each operation on an id, so only the id can make it fail. */
const validBodies: Record<string, Record<string, unknown>> = {
  'PATCH /tickets/{id}': { priority: 'low' },
  'POST /tickets/{id}/messages': { content: 'Hello' },
  'PUT /tickets/{id}/presence': { state: 'viewing' },
  'PATCH /canned-responses/{id}': { title: 'Renamed' },
  'PATCH /categories/{id}': { name: 'Renamed' },
  'PATCH /tags/{id}': { name: 'renamed' },
  'PATCH /saved-filters/{id}': { name: 'Renamed' },
  'POST /tags/{id}/merge': { intoId: randomUUID() },
  'PATCH /sla-policies/{id}': { name: 'Renamed' },
  'PATCH /mailboxes/{id}': { name: 'Renamed' },
  'PATCH /members/{id}': { role: 'agent' },
  'PATCH /webhooks/{id}': { isActive: false },
  'POST /tickets/{id}/participants': { email: 'mallory@example.test' },
  'POST /tickets/{id}/merge': { targetTicketId: randomUUID() },
  'POST /tickets/{id}/messages/{messageId}/split': { title: 'Split' },
};

describe('another organisation’s ids', () => {
  it('answer 404 exactly like missing ids, on every route that takes an id', async () => {
    const mine = await createApiFixture(h.db, 'Mine');
    const theirs = await createApiFixture(h.db, 'Theirs');
    const ticket = (
      await as(h.app, theirs.tokens.agent).post('/tickets', {
        customer: { email: `c-${randomUUID().slice(0, 8)}@example.test` },
        title: 'Their ticket',
        description: 'Private',
      })
    ).json();
    const reply = await as(h.app, theirs.tokens.agent).post(`/tickets/${ticket.id}/messages`, {
      content: 'With a file',
      attachments: [{ filename: 'a.txt', mimeType: 'text/plain', contentBase64: 'c2VjcmV0' }],
    });
    const [theirParticipant] = (
      await as(h.app, theirs.tokens.agent).get(`/tickets/${ticket.id}/participants`)
    ).json().data;
    const org = { organizationId: theirs.org.id };
    const [canned] = await h.db.adminDb
      .insert(cannedResponses)
      .values({ ...org, title: 'Theirs', content: 'x' })
      .returning();
    const [category] = await h.db.adminDb
      .insert(categories)
      .values({ ...org, name: 'Theirs' })
      .returning();
    const [tag] = await h.db.adminDb
      .insert(tags)
      .values({ ...org, name: 'theirs' })
      .returning();
    // Shared: even a filter their whole organisation sees stays invisible to mine.
    const [filter] = await h.db.adminDb
      .insert(savedFilters)
      .values({ ...org, userId: theirs.agent.id, name: 'Theirs', shared: true })
      .returning();
    const [policy] = await h.db.adminDb
      .insert(slaPolicies)
      .values({ ...org, name: 'Theirs', priority: 'low', firstResponseTime: 60, resolutionTime: 120 })
      .returning();
    const [mailbox] = await h.db.adminDb
      .insert(mailboxes)
      .values({ ...org, name: 'Theirs', address: `theirs-${randomUUID()}@example.test` })
      .returning();
    const [invitation] = await h.db.adminDb
      .insert(organizationInvitations)
      .values({
        ...org,
        email: `invitee-${randomUUID()}@example.test`,
        tokenHash: randomUUID(),
        expiresAt: new Date(Date.now() + 3_600_000),
      })
      .returning();
    const [webhook] = await h.db.adminDb
      .insert(webhooks)
      .values({
        ...org,
        url: 'https://hooks.example.test/theirs',
        events: ['ticket.created'],
        secret: 'whsec_x',
      })
      .returning();
    // Any token of theirs: the fixture made one per member.
    const [token] = await h.db.adminDb
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.organizationId, theirs.org.id));
    // Someone else's browser session, and a credential of mine that reaches my own account's routes.
    const [session] = await h.db.adminDb
      .insert(sessions)
      .values({
        userId: theirs.agent.id,
        tokenHash: randomUUID(),
        csrfToken: 'x',
        expiresAt: new Date(Date.now() + 3_600_000),
      })
      .returning();
    const myOwn = await h.db.withTenant({ organizationId: mine.org.id, userId: mine.owner.id }, (tx) =>
      issueApiToken(tx, {
        organizationId: mine.org.id,
        userId: mine.owner.id,
        name: 'mine',
        createdById: mine.owner.id,
        expiresAt: null,
      }),
    );
    const idOf: Record<string, string> = {
      me: session!.id,
      tickets: ticket.id,
      attachments: reply.json().attachments[0].id,
      'canned-responses': canned!.id,
      categories: category!.id,
      tags: tag!.id,
      'saved-filters': filter!.id,
      'sla-policies': policy!.id,
      mailboxes: mailbox!.id,
      members: theirs.agent.id,
      tokens: token!.id,
      invitations: invitation!.id,
      webhooks: webhook!.id,
    };

    const withIds = (await documentedOperations(h.app)).filter((o) => o.path.includes('{id}'));
    expect(withIds.length).toBeGreaterThanOrEqual(17);
    for (const op of withIds) {
      const resource = op.path.split('/')[1]!;
      expect(idOf[resource], `an id of theirs for ${op.path}`).toBeDefined();
      const key = `${op.method} ${op.path}`;
      const body = validBodies[key];
      // A ticket's participant or message: theirs with their ticket, a made-up one with a made-up ticket.
      const call = (id: string, participantId: string, messageId: string) =>
        as(h.app, resource === 'me' ? myOwn.token : mine.tokens.owner).send(
          op.method,
          op.path
            .replace('{id}', id)
            .replace('{participantId}', participantId)
            .replace('{messageId}', messageId),
          body,
        );
      const foreign = await call(idOf[resource]!, theirParticipant.id, reply.json().id);
      const missing = await call(randomUUID(), randomUUID(), randomUUID());
      expect(foreign.statusCode, key).toBe(404);
      expect(foreign.json(), key).toEqual(missing.json());
      expect(errorOf(foreign).code, key).toBe('not_found');
    }

    // Nothing of theirs was touched.
    const detail = (await as(h.app, theirs.tokens.agent).get(`/tickets/${ticket.id}`)).json();
    expect(detail.priority).toBe('medium');
    expect(detail.messages.map((m: { content: string }) => m.content)).not.toContain('Hello');
    const participants = (
      await as(h.app, theirs.tokens.agent).get(`/tickets/${ticket.id}/participants`)
    ).json();
    expect(participants.data).toEqual([theirParticipant]);
    expect((await as(h.app, theirs.tokens.admin).get(`/mailboxes/${mailbox!.id}`)).json().name).toBe(
      'Theirs',
    );
    expect((await as(h.app, theirs.tokens.admin).get(`/members/${theirs.agent.id}`)).statusCode).toBe(200);
  });

  it('never appear in listings', async () => {
    const mine = await createApiFixture(h.db, 'Mine');
    const theirs = await createApiFixture(h.db, 'Theirs');
    await h.db.adminDb
      .insert(cannedResponses)
      .values({ organizationId: theirs.org.id, title: 'T', content: 'x' });
    await h.db.adminDb.insert(categories).values({ organizationId: theirs.org.id, name: 'Theirs' });
    await h.db.adminDb.insert(tags).values({ organizationId: theirs.org.id, name: 'theirs' });
    await h.db.adminDb.insert(auditLogs).values({
      organizationId: theirs.org.id,
      actorId: theirs.owner.id,
      action: 'member.added',
      targetType: 'member',
      targetId: theirs.agent.id,
    });
    await h.db.adminDb
      .insert(savedFilters)
      .values({ organizationId: theirs.org.id, userId: theirs.agent.id, name: 'T', shared: true });
    await h.db.adminDb.insert(organizationInvitations).values({
      organizationId: theirs.org.id,
      email: `invitee-${randomUUID()}@example.test`,
      invitedBy: theirs.agent.id,
      tokenHash: randomUUID(),
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    for (const url of [
      '/tickets',
      '/canned-responses',
      '/categories',
      '/tags',
      '/saved-filters',
      '/audit-logs',
      '/sla-policies',
      '/mailboxes',
      '/tokens',
      '/members',
      '/invitations',
    ]) {
      const body = (await as(h.app, mine.tokens.owner).get(url)).body;
      expect(body, url).not.toContain(theirs.org.id);
      expect(body, url).not.toContain(theirs.agent.id);
    }
  });
});
