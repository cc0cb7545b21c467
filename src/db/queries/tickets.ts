import {
  type AnyColumn,
  and,
  asc,
  desc,
  eq,
  gte,
  ilike,
  inArray,
  isNotNull,
  isNull,
  lte,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import type { Queryable } from '../client.js';
import {
  type ActivityAction,
  type ActivityMetadata,
  categories,
  type NewTicket,
  type Ticket,
  type TicketPriority,
  type TicketStatus,
  ticketActivities,
  ticketColumns,
  ticketNumberCounters,
  tickets,
} from '../schema/index.js';
import { personAsKnownBy } from './organization-members.js';
import { countTicketCreated } from './subscriptions.js';

/** Next ticket number of an organisation; the row lock of the upsert serialises concurrent callers. */
export async function allocateTicketNumber(db: Queryable, organizationId: string): Promise<number> {
  const [row] = await db
    .insert(ticketNumberCounters)
    .values({ organizationId, lastNumber: 1 })
    .onConflictDoUpdate({
      target: ticketNumberCounters.organizationId,
      set: { lastNumber: sql`${ticketNumberCounters.lastNumber} + 1` },
    })
    .returning({ number: ticketNumberCounters.lastNumber });
  return row!.number;
}

export type CreateTicketInput = Omit<NewTicket, 'ticketNumber' | 'updatedAt'> & {
  createdById?: string | null;
};

/**
 * Inserts a ticket with the next number and its `created` activity, and counts it in the month's usage
 * (call inside a transaction).
 */
export async function createTicket(db: Queryable, input: CreateTicketInput): Promise<Ticket> {
  const { createdById, ...values } = input;
  const ticketNumber = await allocateTicketNumber(db, input.organizationId);
  const [ticket] = await db
    .insert(tickets)
    .values({ ...values, ticketNumber })
    .returning();
  await recordActivity(db, ticket!.id, createdById ?? input.customerId, 'created', {
    toStatus: ticket!.status,
  });
  await countTicketCreated(db, input.organizationId, ticket!.createdAt);
  return ticket!;
}

export async function recordActivity(
  db: Queryable,
  ticketId: string,
  userId: string | null | undefined,
  action: ActivityAction,
  metadata: ActivityMetadata = {},
) {
  await db.insert(ticketActivities).values({ ticketId, userId: userId ?? null, action, metadata });
}

export const TICKET_SORTS = ['created', 'updated', 'sla_deadline', 'priority'] as const;
export type TicketSort = (typeof TICKET_SORTS)[number];

export interface ListTicketsParams {
  organizationId: string;
  status?: TicketStatus[];
  priority?: TicketPriority[];
  assigneeId?: string;
  unassigned?: boolean;
  customerId?: string;
  tag?: string;
  /** Tickets of this category or of one of its subcategories. */
  categoryId?: string;
  search?: string;
  dateFrom?: Date;
  dateTo?: Date;
  slaBreached?: boolean;
  slaDueBefore?: Date;
  sort?: TicketSort;
  order?: 'asc' | 'desc';
  page?: number;
  limit?: number;
}

const priorityRank = sql`array_position(array['low','medium','high','urgent']::ticket_priority[], ${tickets.priority})`;
const sortColumns: Record<TicketSort, SQL | AnyColumn> = {
  created: tickets.createdAt,
  updated: tickets.updatedAt,
  sla_deadline: tickets.slaDeadline,
  priority: priorityRank,
};

/** `%` and `_` typed by an agent are literal characters, not wildcards. */
export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function listConditions(p: ListTicketsParams): SQL[] {
  const conditions: SQL[] = [eq(tickets.organizationId, p.organizationId), isNull(tickets.deletedAt)];
  if (p.status?.length) conditions.push(inArray(tickets.status, p.status));
  if (p.priority?.length) conditions.push(inArray(tickets.priority, p.priority));
  if (p.assigneeId) conditions.push(eq(tickets.assigneeId, p.assigneeId));
  if (p.unassigned) conditions.push(isNull(tickets.assigneeId));
  if (p.customerId) conditions.push(eq(tickets.customerId, p.customerId));
  if (p.tag) conditions.push(sql`${tickets.tags} @> array[${p.tag}]::text[]`);
  if (p.categoryId) {
    // Plain names inside the subquery: the relational query builder would qualify column objects with
    // the tickets alias.
    conditions.push(
      sql`${tickets.categoryId} in (select c.id from categories c where c.id = ${p.categoryId} or c.parent_id = ${p.categoryId})`,
    );
  }
  if (p.search) {
    const pattern = `%${escapeLike(p.search)}%`;
    conditions.push(or(ilike(tickets.title, pattern), ilike(tickets.description, pattern))!);
  }
  if (p.dateFrom) conditions.push(gte(tickets.createdAt, p.dateFrom));
  if (p.dateTo) conditions.push(lte(tickets.createdAt, p.dateTo));
  if (p.slaBreached !== undefined) {
    conditions.push(p.slaBreached ? isNotNull(tickets.slaBreached) : isNull(tickets.slaBreached));
  }
  if (p.slaDueBefore) conditions.push(lte(tickets.slaDeadline, p.slaDueBefore));
  return conditions;
}

export async function listTickets(db: Queryable, params: ListTicketsParams) {
  const page = params.page ?? 1;
  const limit = params.limit ?? 20;
  const where = and(...listConditions(params));
  const direction = params.order === 'asc' ? asc : desc;
  const sortBy = sortColumns[params.sort ?? 'created'];

  const data = await db.query.tickets.findMany({
    columns: ticketColumns,
    where,
    // The id tie-breaker keeps pages stable when many tickets share a timestamp.
    orderBy: [sql`${direction(sortBy)} nulls last`, direction(tickets.id)],
    limit,
    offset: (page - 1) * limit,
    with: {
      customer: { columns: { id: true, name: true, email: true, avatarUrl: true } },
      assignee: { columns: { id: true, name: true, avatarUrl: true } },
    },
  });
  const [{ total }] = (await db.select({ total: sql<number>`count(*)::int` }).from(tickets).where(where)) as [
    { total: number },
  ];

  return { data, pagination: { page, limit, total, totalPages: Math.ceil(total / limit) } };
}

export async function searchTickets(db: Queryable, organizationId: string, query: string, limit = 20) {
  const tsQuery = sql`websearch_to_tsquery('english', ${query})`;
  return db
    .select({
      id: tickets.id,
      ticketNumber: tickets.ticketNumber,
      title: tickets.title,
      status: tickets.status,
      priority: tickets.priority,
      createdAt: tickets.createdAt,
      rank: sql<number>`ts_rank(${tickets.searchVector}, ${tsQuery})`.as('rank'),
      snippet: sql<string>`ts_headline('english', ${tickets.title} || ' — ' || ${tickets.description}, ${tsQuery}, 'StartSel=[[, StopSel=]], MaxFragments=2, MaxWords=20, MinWords=5')`,
    })
    .from(tickets)
    .where(
      and(
        eq(tickets.organizationId, organizationId),
        isNull(tickets.deletedAt),
        sql`${tickets.searchVector} @@ ${tsQuery}`,
      ),
    )
    .orderBy(sql`rank desc`, desc(tickets.createdAt))
    .limit(limit);
}

export type TicketStats = Record<string, { total: number; byPriority: Record<string, number> }>;

export async function getTicketStats(db: Queryable, organizationId: string): Promise<TicketStats> {
  const rows = await db
    .select({ status: tickets.status, priority: tickets.priority, count: sql<number>`count(*)::int` })
    .from(tickets)
    .where(and(eq(tickets.organizationId, organizationId), isNull(tickets.deletedAt)))
    .groupBy(tickets.status, tickets.priority);
  const stats: TicketStats = {};
  for (const { status, priority, count } of rows) {
    stats[status] ??= { total: 0, byPriority: {} };
    const entry = stats[status];
    entry.total += count;
    entry.byPriority[priority] = count;
  }
  return stats;
}

/** The live (not soft-deleted) ticket of an organisation, or undefined. */
export async function findTicket(db: Queryable, organizationId: string, ticketId: string) {
  return db.query.tickets.findFirst({
    columns: ticketColumns,
    where: and(
      eq(tickets.id, ticketId),
      eq(tickets.organizationId, organizationId),
      isNull(tickets.deletedAt),
    ),
  });
}

async function updateTicket(
  db: Queryable,
  organizationId: string,
  ticketId: string,
  set: Partial<NewTicket>,
) {
  const [ticket] = await db
    .update(tickets)
    .set({ ...set, updatedAt: new Date() })
    .where(
      and(eq(tickets.id, ticketId), eq(tickets.organizationId, organizationId), isNull(tickets.deletedAt)),
    )
    .returning();
  return ticket;
}

/** Assigns (or with null, unassigns) a ticket and logs it; undefined when the ticket is not found. */
export async function assignTicketWithActivity(
  db: Queryable,
  organizationId: string,
  ticketId: string,
  assigneeId: string | null,
  assignedBy: string | null,
) {
  const ticket = await updateTicket(db, organizationId, ticketId, { assigneeId });
  if (!ticket) return undefined;
  if (assigneeId) {
    const assignee = await personAsKnownBy(db, organizationId, assigneeId);
    await recordActivity(db, ticketId, assignedBy, 'assigned', { assigneeId, assigneeName: assignee?.name });
  } else {
    await recordActivity(db, ticketId, assignedBy, 'unassigned');
  }
  return ticket;
}

const statusAction: Partial<Record<TicketStatus, ActivityAction>> = {
  resolved: 'resolved',
  closed: 'closed',
};

export async function changeTicketStatus(
  db: Queryable,
  organizationId: string,
  ticketId: string,
  toStatus: TicketStatus,
  changedBy: string | null,
) {
  const before = await findTicket(db, organizationId, ticketId);
  if (!before) return undefined;
  if (before.status === toStatus) return before;
  const now = new Date();
  const reopening = before.status === 'resolved' || before.status === 'closed';
  const ticket = await updateTicket(db, organizationId, ticketId, {
    status: toStatus,
    resolvedAt: toStatus === 'resolved' ? now : toStatus === 'closed' ? before.resolvedAt : null,
    closedAt: toStatus === 'closed' ? now : null,
  });
  const action = statusAction[toStatus] ?? (reopening ? 'reopened' : 'status_changed');
  await recordActivity(db, ticketId, changedBy, action, { fromStatus: before.status, toStatus });
  return ticket;
}

export async function changeTicketPriority(
  db: Queryable,
  organizationId: string,
  ticketId: string,
  toPriority: TicketPriority,
  changedBy: string | null,
) {
  const before = await findTicket(db, organizationId, ticketId);
  if (!before) return undefined;
  if (before.priority === toPriority) return before;
  const ticket = await updateTicket(db, organizationId, ticketId, { priority: toPriority });
  await recordActivity(db, ticketId, changedBy, 'priority_changed', {
    fromPriority: before.priority,
    toPriority,
  });
  return ticket;
}

export async function setTicketTags(
  db: Queryable,
  organizationId: string,
  ticketId: string,
  tags: string[],
  changedBy: string | null,
) {
  const before = await findTicket(db, organizationId, ticketId);
  if (!before) return undefined;
  const next = [...new Set(tags)];
  const previous = before.tags ?? [];
  const addedTags = next.filter((t) => !previous.includes(t));
  const removedTags = previous.filter((t) => !next.includes(t));
  if (!addedTags.length && !removedTags.length) return before;
  const ticket = await updateTicket(db, organizationId, ticketId, { tags: next });
  await recordActivity(db, ticketId, changedBy, 'tagged', { addedTags, removedTags });
  return ticket;
}

/** The organisation's category with this id, or undefined. */
export async function findCategory(db: Queryable, organizationId: string, categoryId: string) {
  const [category] = await db
    .select({ id: categories.id, name: categories.name })
    .from(categories)
    .where(and(eq(categories.organizationId, organizationId), eq(categories.id, categoryId)));
  return category;
}

export async function changeTicketCategory(
  db: Queryable,
  organizationId: string,
  ticketId: string,
  categoryId: string | null,
  changedBy: string | null,
) {
  const before = await findTicket(db, organizationId, ticketId);
  if (!before) return undefined;
  if (before.categoryId === categoryId) return before;
  const ticket = await updateTicket(db, organizationId, ticketId, { categoryId });
  await recordActivity(db, ticketId, changedBy, 'category_changed', {
    fromCategoryId: before.categoryId,
    toCategoryId: categoryId,
  });
  return ticket;
}

export async function softDeleteTicket(db: Queryable, organizationId: string, ticketId: string) {
  return updateTicket(db, organizationId, ticketId, { deletedAt: new Date() });
}
