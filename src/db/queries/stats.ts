import { and, eq, gte, inArray, isNotNull, isNull, lt, notInArray, type SQL, sql } from 'drizzle-orm';
import { TICKET_PRIORITIES, type TicketPriority } from '../../domain/vocabulary.js';
import type { Queryable } from '../client.js';
import { categories, slaBreaches, slaPolicies, tickets } from '../schema/index.js';

export interface StatsPeriod {
  from: Date;
  to: Date;
}

const minutesOf = (interval: SQL) => sql`extract(epoch from ${interval}) / 60`;
const median = (interval: SQL) => sql<number | null>`
  percentile_cont(0.5) within group (order by ${minutesOf(interval)})`;

const liveTickets = (organizationId: string) =>
  and(eq(tickets.organizationId, organizationId), isNull(tickets.deletedAt));

/**
 * The two durations a period is judged by, each over its own tickets: to first response for tickets
 * created in the period (and answered), to resolution for tickets resolved in it.
 */
function durations(organizationId: string, period: StatsPeriod) {
  const live = liveTickets(organizationId);
  return {
    firstResponse: {
      interval: sql`${tickets.firstResponseAt} - ${tickets.createdAt}`,
      where: and(
        live,
        isNotNull(tickets.firstResponseAt),
        gte(tickets.createdAt, period.from),
        lt(tickets.createdAt, period.to),
      ),
    },
    resolution: {
      interval: sql`${tickets.resolvedAt} - ${tickets.createdAt}`,
      where: and(live, gte(tickets.resolvedAt, period.from), lt(tickets.resolvedAt, period.to)),
    },
  };
}

/**
 * What a team lead watches: SLA breaches detected in the period, tickets currently breached and still
 * open, and the median minutes to first response (tickets created in the period) and to resolution
 * (tickets resolved in it).
 */
export async function getPeriodStats(db: Queryable, organizationId: string, period: StatsPeriod) {
  const live = liveTickets(organizationId);
  const measured = durations(organizationId, period);
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
  const medianOf = async ({ interval, where }: { interval: SQL; where: SQL | undefined }) => {
    const [row] = await db
      .select({ median: median(interval), count: sql<number>`count(*)::int` })
      .from(tickets)
      .where(where);
    return row!;
  };
  const firstResponse = await medianOf(measured.firstResponse);
  const resolution = await medianOf(measured.resolution);
  return {
    breachedOpenTickets: breachedOpen!.count,
    breachesInPeriod: Object.fromEntries(breachesByKind.map((b) => [b.kind, b.count])),
    firstResponse: { medianMinutes: firstResponse.median, tickets: firstResponse.count },
    resolution: { medianMinutes: resolution.median, tickets: resolution.count },
  };
}

/**
 * Where the time distributions cut, in minutes: under 15 minutes, 15 minutes to an hour, 1–4 hours,
 * 4–24 hours, 1–3 days, 3–7 days, a week or more.
 */
export const DURATION_EDGES_MINUTES = [15, 60, 240, 1440, 4320, 10080] as const;

/** A UTC day as `YYYY-MM-DD`. */
const utcDay = (column: typeof tickets.createdAt | typeof tickets.resolvedAt) =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD')`;

/**
 * What the reports dashboard draws for a period of whole UTC days: tickets opened and resolved per day
 * (every day listed, zero or not), the SLA outcome of the period's new tickets per priority and the
 * policy new tickets of that priority get, and the first-response and resolution times in buckets
 * (DURATION_EDGES_MINUTES) with their medians, over the same tickets as getPeriodStats.
 */
export async function getReport(db: Queryable, organizationId: string, period: StatsPeriod) {
  const live = liveTickets(organizationId);
  const perDay = async (column: typeof tickets.createdAt | typeof tickets.resolvedAt) =>
    new Map(
      (
        await db
          .select({ day: utcDay(column), count: sql<number>`count(*)::int` })
          .from(tickets)
          .where(and(live, gte(column, period.from), lt(column, period.to)))
          .groupBy(utcDay(column))
      ).map((r) => [r.day, r.count]),
    );
  const opened = await perDay(tickets.createdAt);
  const resolved = await perDay(tickets.resolvedAt);
  const days: { date: string; opened: number; resolved: number }[] = [];
  for (let day = new Date(period.from); day < period.to; day.setUTCDate(day.getUTCDate() + 1)) {
    const date = day.toISOString().slice(0, 10);
    days.push({ date, opened: opened.get(date) ?? 0, resolved: resolved.get(date) ?? 0 });
  }

  const outcomes = await db
    .select({
      priority: tickets.priority,
      breached: sql<number>`count(*) filter (where ${tickets.slaBreached} is not null)::int`,
      met: sql<number>`count(*) filter (where ${tickets.slaBreached} is null and ${inArray(tickets.status, ['resolved', 'closed'])})::int`,
      total: sql<number>`count(*)::int`,
    })
    .from(tickets)
    .where(and(live, gte(tickets.createdAt, period.from), lt(tickets.createdAt, period.to)))
    .groupBy(tickets.priority);
  const policies = await db
    .select({ priority: slaPolicies.priority, name: slaPolicies.name })
    .from(slaPolicies)
    .where(and(eq(slaPolicies.organizationId, organizationId), eq(slaPolicies.isDefault, true)));
  const sla = TICKET_PRIORITIES.map((priority: TicketPriority) => {
    const row = outcomes.find((o) => o.priority === priority);
    const met = row?.met ?? 0;
    const breached = row?.breached ?? 0;
    return {
      priority,
      policy: policies.find((p) => p.priority === priority)?.name ?? null,
      met,
      breached,
      running: (row?.total ?? 0) - met - breached,
    };
  });

  const edges = sql.raw(`array[${DURATION_EDGES_MINUTES.join(',')}]::float8[]`);
  const histogram = async ({ interval, where }: { interval: SQL; where: SQL | undefined }) => {
    const rows = await db
      .select({
        bucket: sql<number>`width_bucket((${minutesOf(interval)})::float8, ${edges})`,
        count: sql<number>`count(*)::int`,
      })
      .from(tickets)
      .where(where)
      .groupBy(sql`1`);
    const [overall] = await db
      .select({ median: median(interval) })
      .from(tickets)
      .where(where);
    const bounds = [0, ...DURATION_EDGES_MINUTES];
    return {
      medianMinutes: overall!.median,
      tickets: rows.reduce((sum, r) => sum + r.count, 0),
      buckets: bounds.map((fromMinutes, i) => ({
        fromMinutes,
        toMinutes: DURATION_EDGES_MINUTES[i] ?? null,
        tickets: rows.find((r) => r.bucket === i)?.count ?? 0,
      })),
    };
  };
  const measured = durations(organizationId, period);
  return {
    days,
    sla,
    firstResponse: await histogram(measured.firstResponse),
    resolution: await histogram(measured.resolution),
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
