import { describe, expect, it } from 'vitest';
import { createTicket } from '../../src/db/queries/tickets.js';
import { slaBreaches, type tickets } from '../../src/db/schema/index.js';
import { type ApiFixture, as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';
import { seedReportTickets } from '../support/report-seed.js';

const h = useApiHarness();

const MINUTE = 60_000;
const at = (iso: string) => new Date(iso);

async function seed(f: ApiFixture, values: Partial<typeof tickets.$inferInsert>) {
  return h.db.withTenant({ organizationId: f.org.id }, async (tx) => {
    const { createdAt, ...rest } = values;
    const ticket = await createTicket(tx, {
      organizationId: f.org.id,
      customerId: f.customer.id,
      title: 'Seeded',
      description: 'Seeded',
      ...rest,
      ...(createdAt ? { createdAt } : {}),
    });
    return ticket;
  });
}

describe('GET /stats', () => {
  it('counts by status and priority, breaches, and median response and resolution times', async () => {
    const f = await createApiFixture(h.db);
    const created = at('2026-03-02T09:00:00Z');
    const plus = (minutes: number) => new Date(created.getTime() + minutes * MINUTE);
    await seed(f, { status: 'open', priority: 'high', createdAt: created, firstResponseAt: plus(10) });
    await seed(f, {
      status: 'open',
      priority: 'high',
      createdAt: created,
      firstResponseAt: plus(30),
      slaBreached: plus(20),
    });
    await seed(f, {
      status: 'resolved',
      priority: 'low',
      createdAt: created,
      firstResponseAt: plus(50),
      resolvedAt: plus(120),
    });
    const late = await seed(f, {
      status: 'closed',
      priority: 'low',
      createdAt: created,
      resolvedAt: plus(240),
      slaBreached: plus(5),
    });
    await seed(f, {
      status: 'pending',
      priority: 'urgent',
      createdAt: at('2025-01-01T00:00:00Z'),
      firstResponseAt: at('2025-01-02T00:00:00Z'),
    });
    await h.db.adminDb.insert(slaBreaches).values([
      {
        organizationId: f.org.id,
        ticketId: late.id,
        kind: 'first_response',
        deadline: plus(5),
        detectedAt: plus(5),
      },
      {
        organizationId: f.org.id,
        ticketId: late.id,
        kind: 'resolution',
        deadline: plus(60),
        detectedAt: plus(60),
      },
      {
        organizationId: f.org.id,
        ticketId: late.id,
        kind: 'resolution',
        deadline: plus(90),
        detectedAt: at('2025-06-01T00:00:00Z'),
      },
    ]);
    const other = await createApiFixture(h.db, 'Other');
    await seed(other, { status: 'open', priority: 'high', createdAt: created, firstResponseAt: plus(1000) });

    const response = await as(h.app, f.tokens.agent).get(
      '/stats?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z',
    );
    expect(response.statusCode, response.body).toBe(200);
    const stats = response.json();
    expect(stats.period).toEqual({ from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' });
    expect(stats.byStatus.open).toEqual({ total: 2, byPriority: { low: 0, medium: 0, high: 2, urgent: 0 } });
    expect(stats.byStatus.pending.total).toBe(1);
    expect(stats.byStatus.resolved.byPriority.low).toBe(1);
    expect(stats.byStatus.closed.total).toBe(1);
    expect(stats.breached).toEqual({
      openTickets: 1,
      inPeriod: { first_response: 1, next_response: 0, resolution: 1 },
    });
    expect(stats.firstResponse).toEqual({ medianMinutes: 30, tickets: 3 });
    expect(stats.resolution).toEqual({ medianMinutes: 180, tickets: 2 });
  });

  it('defaults to the last 30 days and answers zeros for a new organisation', async () => {
    const f = await createApiFixture(h.db);
    const stats = (await as(h.app, f.tokens.agent).get('/stats')).json();
    const days = (Date.parse(stats.period.to) - Date.parse(stats.period.from)) / 86_400_000;
    expect(days).toBe(30);
    expect(stats.byStatus.open).toEqual({ total: 0, byPriority: { low: 0, medium: 0, high: 0, urgent: 0 } });
    expect(stats.firstResponse).toEqual({ medianMinutes: null, tickets: 0 });
  });

  it('validates the period', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.agent);
    const reversed = await api.get('/stats?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(reversed.statusCode).toBe(400);
    expect(errorOf(reversed).details).toEqual([{ field: 'querystring.from', message: 'must be before to' }]);
    const malformed = await api.get('/stats?from=last-week');
    expect(errorOf(malformed).details).toEqual([
      { field: 'querystring.from', message: 'must match format "date-time"' },
    ]);
  });
});

describe('GET /stats/report', () => {
  const zeroSla = { met: 0, breached: 0, running: 0 };

  it('draws per-day volumes, SLA outcomes per policy, time buckets and CSAT, of its own organisation only', async () => {
    const f = await createApiFixture(h.db);
    await seedReportTickets(h, f, '2026-03-02');
    // Another organisation's tickets and answers on the same days are never counted.
    const other = await createApiFixture(h.db, 'Other');
    await seedReportTickets(h, other, '2026-03-02');
    // Outside the period: the day before it.
    await seed(f, { createdAt: at('2026-02-28T23:59:59Z'), firstResponseAt: at('2026-03-01T00:10:00Z') });

    const response = await as(h.app, f.tokens.agent).get('/stats/report?from=2026-03-01&to=2026-03-04');
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json();
    expect(report.period).toEqual({ from: '2026-03-01T00:00:00.000Z', to: '2026-03-05T00:00:00.000Z' });
    expect(report.days).toEqual([
      { date: '2026-03-01', opened: 0, resolved: 0 },
      { date: '2026-03-02', opened: 2, resolved: 0 },
      { date: '2026-03-03', opened: 2, resolved: 2 },
      { date: '2026-03-04', opened: 0, resolved: 0 },
    ]);
    expect(report.sla).toEqual([
      { priority: 'low', policy: null, met: 0, breached: 0, running: 1 },
      { priority: 'medium', policy: null, ...zeroSla },
      { priority: 'high', policy: 'Priority support', met: 1, breached: 1, running: 0 },
      { priority: 'urgent', policy: null, met: 0, breached: 1, running: 0 },
    ]);
    const counts = (d: { buckets: { tickets: number }[] }) => d.buckets.map((b) => b.tickets);
    expect(report.firstResponse).toMatchObject({ medianMinutes: 10, tickets: 3 });
    expect(counts(report.firstResponse)).toEqual([2, 0, 1, 0, 0, 0, 0]);
    expect(report.firstResponse.buckets[0]).toEqual({ fromMinutes: 0, toMinutes: 15, tickets: 2 });
    expect(report.firstResponse.buckets[6]).toEqual({ fromMinutes: 10080, toMinutes: null, tickets: 0 });
    expect(report.resolution).toMatchObject({ medianMinutes: 840, tickets: 2 });
    expect(counts(report.resolution)).toEqual([0, 0, 1, 0, 1, 0, 0]);
    expect(report.satisfaction).toEqual({
      surveysSent: 2,
      responses: 2,
      averageRating: 3.5,
      scorePercent: 50,
      byRating: [1, 2, 3, 4, 5].map((rating) => ({ rating, answers: rating === 2 || rating === 5 ? 1 : 0 })),
    });

    // The numbers agree with /stats over the same period.
    const stats = (
      await as(h.app, f.tokens.agent).get('/stats?from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z')
    ).json();
    expect(stats.firstResponse).toEqual({ medianMinutes: 10, tickets: 3 });
    expect(stats.resolution).toEqual({ medianMinutes: 840, tickets: 2 });
  });

  it('defaults to the last 30 days up to today and answers zeros for a new organisation', async () => {
    const f = await createApiFixture(h.db);
    const response = await as(h.app, f.tokens.agent).get('/stats/report');
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json();
    expect(report.days).toHaveLength(30);
    expect(report.days.at(-1).date).toBe(new Date().toISOString().slice(0, 10));
    expect(report.days.every((d: { opened: number }) => d.opened === 0)).toBe(true);
    expect(report.sla.map((s: { met: number }) => s.met)).toEqual([0, 0, 0, 0]);
    expect(report.firstResponse).toMatchObject({ medianMinutes: null, tickets: 0 });
    expect(report.satisfaction).toMatchObject({ responses: 0, averageRating: null, scorePercent: null });
    const oneDay = (
      await as(h.app, f.tokens.agent).get('/stats/report?from=2026-01-05&to=2026-01-05')
    ).json();
    expect(oneDay.days).toEqual([{ date: '2026-01-05', opened: 0, resolved: 0 }]);
  });

  it('refuses a reversed, too long or malformed period, in the error shape', async () => {
    const f = await createApiFixture(h.db);
    const api = as(h.app, f.tokens.agent);
    const refusal = async (query: string) => {
      const response = await api.get(`/stats/report?${query}`);
      expect(response.statusCode, query).toBe(400);
      return errorOf(response);
    };
    expect((await refusal('from=2026-02-01&to=2026-01-01')).details).toEqual([
      { field: 'querystring.from', message: 'must not be after to' },
    ]);
    expect((await refusal('from=2025-01-01&to=2026-01-02')).details).toEqual([
      { field: 'querystring.from', message: 'must be at most 366 days before to' },
    ]);
    expect((await api.get('/stats/report?from=2025-01-02&to=2026-01-02')).statusCode).toBe(200);
    expect((await refusal('from=2026-02-30')).details).toEqual([
      { field: 'querystring.from', message: 'must match format "date"' },
    ]);
    expect((await refusal('to=2026-03-01T00:00:00Z')).code).toBe('validation_failed');
    expect((await refusal('days=7')).code).toBe('validation_failed');
  });
});
