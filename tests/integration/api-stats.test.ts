import { describe, expect, it } from 'vitest';
import { createTicket } from '../../src/db/queries/tickets.js';
import { slaBreaches, type tickets } from '../../src/db/schema/index.js';
import { type ApiFixture, as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';

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
