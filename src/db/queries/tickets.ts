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
import { knownPerson, personAsKnownBy } from './organization-members.js';
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

/** How `listTickets` counts the matches: exactly, up to `COUNT_CAP` (then "10,000+"), or not at all. */
export const COUNT_MODES = ['exact', 'capped', 'none'] as const;
export type CountMode = (typeof COUNT_MODES)[number];
export const COUNT_CAP = 10_000;

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
  /** Keyset pagination: '' for the first page, then the previous page's `nextCursor` (page is ignored). */
  cursor?: string;
  /** Default: exact with page numbers, capped with a cursor. */
  count?: CountMode;
}

interface SortKey {
  column: AnyColumn;
  /** The type the cursor's text is cast back to. */
  type: SQL;
  nullable: boolean;
}

// Enum order is low < medium < high < urgent, so priority sorts by the column itself.
const sortKeys: Record<TicketSort, SortKey> = {
  created: { column: tickets.createdAt, type: sql`timestamptz`, nullable: false },
  updated: { column: tickets.updatedAt, type: sql`timestamptz`, nullable: false },
  sla_deadline: { column: tickets.slaDeadline, type: sql`timestamptz`, nullable: true },
  priority: { column: tickets.priority, type: sql`ticket_priority`, nullable: false },
};

/** Where the next page starts: the sort value (as PostgreSQL prints it, so no precision is lost) and id. */
interface Cursor {
  sort: TicketSort;
  order: 'asc' | 'desc';
  value: string | null;
  id: string;
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The cursor, refused unless it is one of ours for this sort and order. */
function decodeCursor(text: string, sort: TicketSort, order: 'asc' | 'desc'): Cursor {
  let cursor: Partial<Cursor> | null = null;
  try {
    cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {}
  const valid =
    cursor !== null &&
    typeof cursor === 'object' &&
    cursor.sort === sort &&
    cursor.order === order &&
    (cursor.value === null || (typeof cursor.value === 'string' && cursor.value.length <= 64)) &&
    typeof cursor.id === 'string' &&
    UUID.test(cursor.id) &&
    (cursor.value !== null || sortKeys[sort].nullable);
  if (!valid) throw new InvalidCursorError('cursor is not one this listing handed out (same sort and order)');
  return cursor as Cursor;
}

/** Rows after the cursor in the listing's order; nulls come last in both directions. */
function afterCursor(key: SortKey, order: 'asc' | 'desc', cursor: Cursor): SQL {
  const beyond = order === 'asc' ? sql`>` : sql`<`;
  const idBeyond = sql`${tickets.id} ${beyond} ${cursor.id}::uuid`;
  if (cursor.value === null) return sql`(${key.column} is null and ${idBeyond})`;
  const value = sql`${cursor.value}::${key.type}`;
  // A row comparison is one index condition on (…, sort column, id).
  const rowBeyond = sql`(${key.column}, ${tickets.id}) ${beyond} (${value}, ${cursor.id}::uuid)`;
  return key.nullable ? sql`(${rowBeyond} or ${key.column} is null)` : rowBeyond;
}

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

const listCustomer = knownPerson('customer');
const listAssignee = knownPerson('assignee');

/** What the inbox shows of a ticket: no description, no search document. */
const listColumns = {
  id: tickets.id,
  ticketNumber: tickets.ticketNumber,
  title: tickets.title,
  status: tickets.status,
  priority: tickets.priority,
  channel: tickets.channel,
  tags: tickets.tags,
  categoryId: tickets.categoryId,
  slaDeadline: tickets.slaDeadline,
  slaBreached: tickets.slaBreached,
  firstResponseAt: tickets.firstResponseAt,
  createdAt: tickets.createdAt,
  updatedAt: tickets.updatedAt,
  resolvedAt: tickets.resolvedAt,
  closedAt: tickets.closedAt,
  customerId: tickets.customerId,
  customerName: listCustomer.nameIn(tickets.organizationId),
  customerEmail: listCustomer.user.email,
  customerAvatarUrl: listCustomer.user.avatarUrl,
  assigneeId: tickets.assigneeId,
  assigneeName: listAssignee.nameIn(tickets.organizationId),
  assigneeAvatarUrl: listAssignee.user.avatarUrl,
};

export interface TicketPagination {
  /** Absent with a cursor. */
  page?: number;
  limit: number;
  /** Absent with count=none; at most COUNT_CAP with count=capped. */
  total?: number;
  totalPages?: number;
  /** With count=capped: there are more than `total` matches. */
  totalCapped?: boolean;
  /** With a cursor: where the next page starts, null on the last page. */
  nextCursor?: string | null;
}

/**
 * One page of the organisation's live tickets (core query builder: the relational one costs more to
 * build than the indexed query costs to run). The page and the count go out together.
 */
export async function listTickets(db: Queryable, params: ListTicketsParams) {
  const limit = params.limit ?? 20;
  const sort = params.sort ?? 'created';
  const order = params.order ?? 'desc';
  const keyset = params.cursor !== undefined;
  const cursor = params.cursor ? decodeCursor(params.cursor, sort, order) : undefined;
  const countMode = params.count ?? (keyset ? 'capped' : 'exact');
  const page = keyset ? 1 : (params.page ?? 1);

  const key = sortKeys[sort];
  const conditions = listConditions(params);
  const where = and(...conditions);
  const direction = order === 'asc' ? asc : desc;
  // Nulls last only where there can be nulls: `desc nulls last` on a not-null column would not match
  // the indexes' order, and PostgreSQL would sort instead of reading the index.
  const orderBy = key.nullable
    ? [sql`${direction(key.column)} nulls last`, direction(tickets.id)]
    : [direction(key.column), direction(tickets.id)];

  const rows = db
    .select({ ...listColumns, cursorValue: sql<string | null>`${key.column}::text` })
    .from(tickets)
    .innerJoin(listCustomer.user, eq(listCustomer.user.id, tickets.customerId))
    .leftJoin(listAssignee.user, eq(listAssignee.user.id, tickets.assigneeId))
    .where(cursor ? and(where, afterCursor(key, order, cursor)) : where)
    .orderBy(...orderBy)
    // One row more than the page tells whether there is a next one.
    .limit(keyset ? limit + 1 : limit)
    .offset(keyset ? 0 : (page - 1) * limit);
  const [found, total] = await Promise.all([rows, countTickets(db, where, countMode)]);

  const data = found
    .slice(0, limit)
    .map(
      ({
        cursorValue: _,
        customerName,
        customerEmail,
        customerAvatarUrl,
        assigneeName,
        assigneeAvatarUrl,
        ...ticket
      }) => ({
        ...ticket,
        customer: {
          id: ticket.customerId,
          name: customerName,
          email: customerEmail,
          avatarUrl: customerAvatarUrl,
        },
        assignee: ticket.assigneeId
          ? { id: ticket.assigneeId, name: assigneeName, avatarUrl: assigneeAvatarUrl }
          : null,
      }),
    );
  const pagination: TicketPagination = keyset ? { limit } : { page, limit };
  if (total !== undefined) {
    pagination.total = Math.min(total, COUNT_CAP);
    pagination.totalPages = Math.ceil(pagination.total / limit);
    if (countMode === 'capped') pagination.totalCapped = total > COUNT_CAP;
    if (countMode === 'exact') pagination.total = total;
  }
  if (keyset) {
    const last = found[limit - 1];
    pagination.nextCursor =
      found.length > limit && last
        ? encodeCursor({ sort, order, value: last.cursorValue, id: last.id })
        : null;
  }
  return { data, pagination };
}

export type ListedTicket = Awaited<ReturnType<typeof listTickets>>['data'][number];

async function countTickets(db: Queryable, where: SQL | undefined, mode: CountMode) {
  if (mode === 'none') return undefined;
  if (mode === 'exact') {
    const [row] = await db.select({ total: sql<number>`count(*)::int` }).from(tickets).where(where);
    return row!.total;
  }
  // Counting stops one past the cap: "10,000+" costs what 10,001 index entries cost. The cap is written
  // into the statement so that a generic plan knows how many rows it reads.
  const [row] = await db
    .select({ total: sql<number>`count(*)::int` })
    .from(sql`(select 1 from ${tickets} where ${where} limit ${sql.raw(String(COUNT_CAP + 1))}) as matches`);
  return row!.total;
}

/** Search ranks the organisation's newest matches, this many at most: "best first" among recent tickets. */
export const SEARCH_RANKED_MATCHES = 1_000;

/**
 * Full-text search: of the organisation's newest `SEARCH_RANKED_MATCHES` live tickets matching the
 * query, the `limit` most relevant (ts_rank; newest first among equals), highlighted. Bounding the
 * ranked rows keeps a common word as cheap as a rare one; snippets are built for the returned page only.
 */
export async function searchTickets(db: Queryable, organizationId: string, query: string, limit = 20) {
  const tsQuery = sql`websearch_to_tsquery('english', ${query})`;
  // The best plan depends on the words (a rare one reads the GIN index, a common one walks the newest
  // tickets until enough match): plan each execution of this prepared statement for its own values.
  const customPlans = db.execute(sql`select set_config('plan_cache_mode', 'force_custom_plan', true)`);
  const recent = db
    .select({
      id: tickets.id,
      ticketNumber: tickets.ticketNumber,
      title: tickets.title,
      description: tickets.description,
      status: tickets.status,
      priority: tickets.priority,
      createdAt: tickets.createdAt,
      searchVector: tickets.searchVector,
    })
    .from(tickets)
    .where(
      and(
        eq(tickets.organizationId, organizationId),
        isNull(tickets.deletedAt),
        sql`${tickets.searchVector} @@ ${tsQuery}`,
      ),
    )
    .orderBy(desc(tickets.createdAt), desc(tickets.id))
    .limit(SEARCH_RANKED_MATCHES)
    .as('recent');
  const page = db
    .select({
      id: recent.id,
      ticketNumber: recent.ticketNumber,
      title: recent.title,
      description: recent.description,
      status: recent.status,
      priority: recent.priority,
      createdAt: recent.createdAt,
      rank: sql<number>`ts_rank(${recent.searchVector}, ${tsQuery})`.as('rank'),
    })
    .from(recent)
    .orderBy(sql`rank desc`, desc(recent.createdAt), desc(recent.id))
    .limit(limit)
    .as('page');
  const [, rows] = await Promise.all([
    customPlans,
    db
      .select({
        id: page.id,
        ticketNumber: page.ticketNumber,
        title: page.title,
        status: page.status,
        priority: page.priority,
        createdAt: page.createdAt,
        rank: page.rank,
        snippet: sql<string>`ts_headline('english', ${page.title} || ' — ' || ${page.description}, ${tsQuery}, 'StartSel=[[, StopSel=]], MaxFragments=2, MaxWords=20, MinWords=5')`,
      })
      .from(page)
      .orderBy(desc(page.rank), desc(page.createdAt), desc(page.id)),
  ]);
  return rows;
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
