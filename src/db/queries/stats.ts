import { and, eq, gte, isNotNull, isNull, lt, notInArray, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { categories, slaBreaches, tickets } from '../schema/index.js';

export interface StatsPeriod {
  from: Date;
  to: Date;
}

const minutes = (interval: ReturnType<typeof sql>) => sql<number | null>`
  percentile_cont(0.5) within group (order by extract(epoch from ${interval}) / 60)`;

/**
 * What a team lead watches: SLA breaches detected in the period, tickets currently breached and still
 * open, and the median minutes to first response (tickets created in the period) and to resolution
 * (tickets resolved in it).
 */
export async function getPeriodStats(db: Queryable, organizationId: string, period: StatsPeriod) {
  const live = and(eq(tickets.organizationId, organizationId), isNull(tickets.deletedAt));
  const [breachedOpen] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(tickets)
    .where(and(live, isNotNull(tickets.slaBreached), notInArray(tickets.status, ['resolved', 'closed'])));
  const breachesByKind = await db
    .select({ kind: slaBreaches.kind, count: sql<number>`count(*)::int` })
    .from(slaBreaches)
    .where(
      and(
        eq(slaBreaches.organizationId, organizationId),
        gte(slaBreaches.detectedAt, period.from),
        lt(slaBreaches.detectedAt, period.to),
      ),
    )
    .groupBy(slaBreaches.kind);
  const [firstResponse] = await db
    .select({
      median: minutes(sql`${tickets.firstResponseAt} - ${tickets.createdAt}`),
      count: sql<number>`count(*)::int`,
    })
    .from(tickets)
    .where(
      and(
        live,
        isNotNull(tickets.firstResponseAt),
        gte(tickets.createdAt, period.from),
        lt(tickets.createdAt, period.to),
      ),
    );
  const [resolution] = await db
    .select({
      median: minutes(sql`${tickets.resolvedAt} - ${tickets.createdAt}`),
      count: sql<number>`count(*)::int`,
    })
    .from(tickets)
    .where(and(live, gte(tickets.resolvedAt, period.from), lt(tickets.resolvedAt, period.to)));
  return {
    breachedOpenTickets: breachedOpen!.count,
    breachesInPeriod: Object.fromEntries(breachesByKind.map((b) => [b.kind, b.count])),
    firstResponse: { medianMinutes: firstResponse!.median, tickets: firstResponse!.count },
    resolution: { medianMinutes: resolution!.median, tickets: resolution!.count },
  };
}

export interface CategoryCount {
  categoryId: string | null;
  name: string | null;
  parentId: string | null;
  total: number;
}

/**
 * Live tickets per category, every category of the organisation listed (zero or not), ordered by name,
 * plus a last entry with a null `categoryId` for uncategorised tickets. Counts are direct: a parent's
 * count does not include its subcategories' tickets (`parentId` lets a client add them up).
 */
export async function getCategoryStats(db: Queryable, organizationId: string): Promise<CategoryCount[]> {
  const counts = await db
    .select({ categoryId: tickets.categoryId, count: sql<number>`count(*)::int` })
    .from(tickets)
    .where(and(eq(tickets.organizationId, organizationId), isNull(tickets.deletedAt)))
    .groupBy(tickets.categoryId);
  const rows = await db
    .select({ id: categories.id, name: categories.name, parentId: categories.parentId })
    .from(categories)
    .where(eq(categories.organizationId, organizationId))
    .orderBy(categories.name, categories.id);
  const byId = new Map(counts.map((c) => [c.categoryId, c.count]));
  return [
    ...rows.map((c) => ({
      categoryId: c.id,
      name: c.name,
      parentId: c.parentId,
      total: byId.get(c.id) ?? 0,
    })),
    { categoryId: null, name: null, parentId: null, total: byId.get(null) ?? 0 },
  ];
}
