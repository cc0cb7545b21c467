import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { auditLogs, csatSurveys, ticketActivities } from '../../src/db/schema/index.js';
import { type ApiFixture, as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';

const h = useApiHarness();

const MINUTE = 60_000;
/** Waits (in real time) for the worker to act on what the skipped time made due. */
const eventually = <T>(fn: () => Promise<T> | T) => vi.waitFor(fn, { timeout: 20_000, interval: 100 });

async function enableSurveys(f: ApiFixture, delayMinutes: number) {
  const response = await as(h.app, f.tokens.admin).patch('/organization', {
    satisfactionSurvey: { delayMinutes },
  });
  expect(response.statusCode, response.body).toBe(200);
}

async function openTicket(f: ApiFixture, email = `customer-${randomUUID()}@example.test`) {
  const response = await as(h.app, f.tokens.agent).post('/tickets', {
    customer: { email, name: 'Casey Customer' },
    title: 'Printer jammed',
    description: 'Paper everywhere',
  });
  expect(response.statusCode, response.body).toBe(201);
  return { id: (response.json() as { id: string }).id, email };
}

const setStatus = async (f: ApiFixture, ticketId: string, status: string) => {
  const response = await as(h.app, f.tokens.agent).patch(`/tickets/${ticketId}`, { status });
  expect(response.statusCode, response.body).toBe(200);
};

const surveyMails = (email: string) =>
  h.tickets.sink.messages.filter(
    (m) => m.envelope.to.includes(email) && /^How did we do\?/.test(m.subject ?? ''),
  );

const linkIn = (text: string | undefined) => {
  const match = /http:\/\/insightdesk\.test\/csat\/(\S+)/.exec(text ?? '');
  if (!match) throw new Error(`no survey link in ${text}`);
  return match[1]!;
};

describe('satisfaction surveys', () => {
  it('emails a signed single-use link after the delay; the rating counts in /stats', async () => {
    const f = await createApiFixture(h.db, 'Survey Co');
    await enableSurveys(f, 60);
    const ticket = await openTicket(f);
    await setStatus(f, ticket.id, 'resolved');

    await h.env.sleep(30 * MINUTE);
    expect(surveyMails(ticket.email)).toHaveLength(0);
    await h.env.sleep(31 * MINUTE);
    const [mail] = await eventually(() => {
      const mails = surveyMails(ticket.email);
      expect(mails).toHaveLength(1);
      return mails;
    });
    const token = linkIn(mail!.text);

    const publicApi = as(h.app);
    const page = await publicApi.get(`/csat/${token}`);
    expect(page.statusCode, page.body).toBe(200);
    expect(page.json()).toMatchObject({
      organization: 'Survey Co',
      ticketTitle: 'Printer jammed',
      answered: false,
    });

    expect((await publicApi.post(`/csat/${token}`, { rating: 6 })).statusCode).toBe(400);
    const answered = await publicApi.post(`/csat/${token}`, { rating: 4, comment: ' Quick and kind ' });
    expect(answered.statusCode, answered.body).toBe(201);
    const again = await publicApi.post(`/csat/${token}`, { rating: 1 });
    expect(again.statusCode).toBe(409);
    expect(errorOf(again).message).toMatch(/already answered/);

    const [survey] = await h.db.adminDb.select().from(csatSurveys).where(eq(csatSurveys.ticketId, ticket.id));
    expect(survey).toMatchObject({ rating: 4, comment: 'Quick and kind', email: ticket.email });

    const stats = await as(h.app, f.tokens.agent).get('/stats');
    expect(stats.json().satisfaction).toEqual({
      surveysSent: 1,
      responses: 1,
      averageRating: 4,
      scorePercent: 100,
    });
  });

  it('refuses forged, altered and foreign links', async () => {
    const f = await createApiFixture(h.db);
    await enableSurveys(f, 5);
    const ticket = await openTicket(f);
    await setStatus(f, ticket.id, 'resolved');
    await h.env.sleep(6 * MINUTE);
    const [mail] = await eventually(() => {
      const mails = surveyMails(ticket.email);
      expect(mails).toHaveLength(1);
      return mails;
    });
    const token = linkIn(mail!.text);
    const [id, signature] = token.split('.');
    const publicApi = as(h.app);
    for (const forged of [
      `${randomUUID()}.${signature}`,
      `${id}.${signature!.slice(0, -2)}AA`,
      id!,
      `${id}.${signature}.extra`,
      "' or 1=1 --",
    ]) {
      const response = await publicApi.post(`/csat/${encodeURIComponent(forged)}`, { rating: 5 });
      expect(response.statusCode, forged).toBe(404);
      expect(errorOf(response).code).toBe('not_found');
    }
    const [survey] = await h.db.adminDb.select().from(csatSurveys).where(eq(csatSurveys.ticketId, ticket.id));
    expect(survey!.respondedAt).toBeNull();

    // Another organisation sees none of it in its statistics.
    const other = await createApiFixture(h.db);
    const stats = await as(h.app, other.tokens.agent).get('/stats');
    expect(stats.json().satisfaction).toMatchObject({ surveysSent: 0, responses: 0, scorePercent: null });
  });

  it('sends no survey when the ticket is reopened before the delay, nor when surveys are off', async () => {
    const f = await createApiFixture(h.db);
    await enableSurveys(f, 60);
    const reopened = await openTicket(f);
    await setStatus(f, reopened.id, 'resolved');
    await h.env.sleep(10 * MINUTE);
    await setStatus(f, reopened.id, 'open');

    const off = await createApiFixture(h.db);
    const unsurveyed = await openTicket(off);
    await setStatus(off, unsurveyed.id, 'resolved');

    await h.env.sleep(3 * 60 * MINUTE);
    // Something the worker does after the skipped time, to know it has caught up.
    const marker = await openTicket(f);
    await eventually(async () => {
      const ack = h.tickets.sink.messages.filter((m) => m.envelope.to.includes(marker.email));
      expect(ack.length).toBeGreaterThan(0);
    });
    expect(surveyMails(reopened.email)).toHaveLength(0);
    expect(surveyMails(unsurveyed.email)).toHaveLength(0);
    const rows = await h.db.adminDb.select().from(csatSurveys).where(eq(csatSurveys.ticketId, reopened.id));
    expect(rows).toHaveLength(0);
  });
});

describe('/organization', () => {
  it('lets admins change settings, with an audit entry, and refuses agents and bad business hours', async () => {
    const f = await createApiFixture(h.db, 'Settings Co');
    const admin = as(h.app, f.tokens.admin);
    const changed = await admin.patch('/organization', {
      name: 'Settings Company',
      autoCloseAfterDays: 3,
      businessHours: { timeZone: 'Europe/Berlin', weekly: { mon: [{ start: '09:00', end: '17:00' }] } },
      escalationEmails: ['Boss@Example.test'],
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      name: 'Settings Company',
      settings: { autoCloseAfterDays: 3, escalationEmails: ['boss@example.test'], satisfactionSurvey: null },
    });
    const cleared = await admin.patch('/organization', { businessHours: null });
    expect(cleared.json().settings.businessHours).toBeNull();
    expect(cleared.json().settings.autoCloseAfterDays).toBe(3);

    const entries = await h.db.adminDb.select().from(auditLogs).where(eq(auditLogs.organizationId, f.org.id));
    expect(entries.filter((e) => e.action === 'organization.updated')).toHaveLength(2);

    const badZone = await admin.patch('/organization', {
      businessHours: { timeZone: 'Mars/Olympus', weekly: {} },
    });
    expect(badZone.statusCode).toBe(400);
    expect(errorOf(badZone).details).toEqual([
      expect.objectContaining({ field: 'body.businessHours.timeZone' }),
    ]);
    const backwards = await admin.patch('/organization', {
      businessHours: { timeZone: 'UTC', weekly: { tue: [{ start: '18:00', end: '09:00' }] } },
    });
    expect(backwards.statusCode).toBe(400);
    expect((await admin.patch('/organization', { plan: 'business' })).statusCode).toBe(400);
    expect((await as(h.app, f.tokens.agent).patch('/organization', { name: 'Mine now' })).statusCode).toBe(
      403,
    );

    const other = await createApiFixture(h.db, 'Other Co');
    const seen = await as(h.app, other.tokens.agent).get('/organization');
    expect(seen.json()).toMatchObject({ id: other.org.id, name: 'Other Co' });
  });
});

describe('ticket category', () => {
  it('is set and cleared through the workflow with an activity; another organisation’s category is refused', async () => {
    const f = await createApiFixture(h.db);
    const other = await createApiFixture(h.db);
    const category = (await as(h.app, f.tokens.admin).post('/categories', { name: 'Billing' })).json();
    const foreign = (await as(h.app, other.tokens.admin).post('/categories', { name: 'Billing' })).json();
    const ticket = await openTicket(f);
    const agent = as(h.app, f.tokens.agent);

    const set = await agent.patch(`/tickets/${ticket.id}`, { categoryId: category.id });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().categoryId).toBe(category.id);
    const filtered = await agent.get(`/tickets?categoryId=${category.id}`);
    expect(filtered.json().data.map((t: { id: string }) => t.id)).toEqual([ticket.id]);

    const refused = await agent.patch(`/tickets/${ticket.id}`, { categoryId: foreign.id });
    expect(refused.statusCode).toBe(422);
    const cleared = await agent.patch(`/tickets/${ticket.id}`, { categoryId: null });
    expect(cleared.json().categoryId).toBeNull();

    const activities = await h.db.adminDb
      .select()
      .from(ticketActivities)
      .where(eq(ticketActivities.ticketId, ticket.id));
    const changes = activities.filter((a) => a.action === 'category_changed').map((a) => a.metadata);
    expect(changes).toEqual([
      expect.objectContaining({ fromCategoryId: null, toCategoryId: category.id }),
      expect.objectContaining({ fromCategoryId: category.id, toCategoryId: null }),
    ]);
  });
});
