import { createTicket } from '../../src/db/queries/tickets.js';
import { csatSurveys, slaPolicies, type tickets } from '../../src/db/schema/index.js';
import type { ApiFixture, ApiHarness } from './api.js';

const MINUTE = 60_000;

/**
 * Four tickets over two UTC days from `day` (at 09:00) and two survey answers, for the reports: on the
 * first day a high-priority ticket resolved within its SLA the next day (answered in 10 minutes, resolved
 * in 25 hours, rated 5) and a high one breached and still open (answered in 90 minutes); on the second an
 * unanswered low one and an urgent one answered in 5 minutes, breached, closed after 3 hours (rated 2).
 * High-priority tickets get the policy "Priority support"; the others the built-in defaults.
 */
export async function seedReportTickets(h: Pick<ApiHarness, 'db'>, f: ApiFixture, day: string) {
  await h.db.adminDb.insert(slaPolicies).values({
    organizationId: f.org.id,
    name: 'Priority support',
    priority: 'high',
    firstResponseTime: 60,
    resolutionTime: 480,
    isDefault: true,
  });
  const first = new Date(`${day}T09:00:00Z`);
  const at = (minutes: number) => new Date(first.getTime() + minutes * MINUTE);
  const seed = (values: Partial<typeof tickets.$inferInsert>) =>
    h.db.withTenant({ organizationId: f.org.id }, (tx) =>
      createTicket(tx, {
        organizationId: f.org.id,
        customerId: f.customer.id,
        title: 'Seeded for the reports',
        description: 'Seeded',
        ...values,
      }),
    );
  const met = await seed({
    priority: 'high',
    status: 'resolved',
    createdAt: first,
    firstResponseAt: at(10),
    resolvedAt: at(25 * 60),
  });
  await seed({ priority: 'high', createdAt: first, firstResponseAt: at(90), slaBreached: at(60) });
  const nextDay = 24 * 60;
  await seed({ priority: 'low', createdAt: at(nextDay) });
  const late = await seed({
    priority: 'urgent',
    status: 'closed',
    createdAt: at(nextDay),
    firstResponseAt: at(nextDay + 5),
    slaBreached: at(nextDay + 120),
    resolvedAt: at(nextDay + 180),
  });
  await h.db.adminDb.insert(csatSurveys).values(
    [
      { ticket: met, rating: 5 },
      { ticket: late, rating: 2 },
    ].map(({ ticket, rating }) => ({
      id: crypto.randomUUID(),
      organizationId: f.org.id,
      ticketId: ticket.id,
      email: f.customer.email,
      sentAt: at(nextDay + 200),
      rating,
      respondedAt: at(nextDay + 300),
    })),
  );
}
