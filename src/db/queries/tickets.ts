import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { TICKET_PRIORITIES } from '../../domain/vocabulary.js';
import { type Queryable, runStatement } from '../client.js';
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
import { personAsKnownBy } from './members.js';
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
  /** The ticket numbered so (#N), at most one. */
  number?: number;
  /** Tickets whose conversation came in through this mailbox. */
  mailboxId?: string;
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

// The inbox's statements are written by hand (src/db/client.ts runStatement): building them with drizzle
// cost more Node CPU per request than PostgreSQL spends running them. Each shape of filters is its own
// prepared statement; values are always parameters.

type Param = string | number | boolean | null;

/** Collects a statement's parameters, numbering them as they are used. */
class Params {
  readonly values: Param[] = [];
  add(value: Param) {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

interface SortKey {
  column: string;
  /** The type the cursor's text is cast back to. */
  type: string;
  nullable: boolean;
  /** Whether a cursor's value is one PostgreSQL printed for this column (a forged one is refused before SQL). */
  accepts: (value: string) => boolean;
}

// timestamptz as PostgreSQL prints it: `2026-12-02 01:50:00.123456+00` (offset minutes when not whole hours).
const PG_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?[+-]\d{2}(?::\d{2}){0,2}$/;
const isTimestamp = (value: string) => PG_TIMESTAMPTZ.test(value);
const isPriority = (value: string) => (TICKET_PRIORITIES as readonly string[]).includes(value);

// Enum order is low < medium < high < urgent, so priority sorts by the column itself.
const sortKeys: Record<TicketSort, SortKey> = {
  created: { column: 't.created_at', type: 'timestamptz', nullable: false, accepts: isTimestamp },
  updated: { column: 't.updated_at', type: 'timestamptz', nullable: false, accepts: isTimestamp },
  sla_deadline: { column: 't.sla_deadline', type: 'timestamptz', nullable: true, accepts: isTimestamp },
  priority: { column: 't.priority', type: 'ticket_priority', nullable: false, accepts: isPriority },
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
    (cursor.value === null ||
      (typeof cursor.value === 'string' &&
        cursor.value.length <= 64 &&
        sortKeys[sort].accepts(cursor.value))) &&
    typeof cursor.id === 'string' &&
    UUID.test(cursor.id) &&
    (cursor.value !== null || sortKeys[sort].nullable);
  if (!valid) throw new InvalidCursorError('cursor is not one this listing handed out (same sort and order)');
  return cursor as Cursor;
}

/** Rows after the cursor in the listing's order; nulls come last in both directions. */
function afterCursor(key: SortKey, order: 'asc' | 'desc', cursor: Cursor, params: Params): string {
  const beyond = order === 'asc' ? '>' : '<';
  const id = `${params.add(cursor.id)}::uuid`;
  if (cursor.value === null) return `(${key.column} is null and t.id ${beyond} ${id})`;
  // A row comparison is one index condition on (…, sort column, id).
  const rowBeyond = `(${key.column}, t.id) ${beyond} (${params.add(cursor.value)}::${key.type}, ${id})`;
  return key.nullable ? `(${rowBeyond} or ${key.column} is null)` : rowBeyond;
}

/** `%` and `_` typed by an agent are literal characters, not wildcards. */
export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const list = (values: string[], params: Params) => values.map((v) => params.add(v)).join(', ');

/** The WHERE clause of the listing's filters over `"tickets" t`. */
function listConditions(p: ListTicketsParams, params: Params): string {
  const conditions = [`t.organization_id = ${params.add(p.organizationId)}`, 't.deleted_at is null'];
  if (p.status?.length) conditions.push(`t.status in (${list(p.status, params)})`);
  if (p.priority?.length) conditions.push(`t.priority in (${list(p.priority, params)})`);
  if (p.assigneeId) conditions.push(`t.assignee_id = ${params.add(p.assigneeId)}`);
  if (p.unassigned) conditions.push('t.assignee_id is null');
  if (p.customerId) conditions.push(`t.customer_id = ${params.add(p.customerId)}`);
  if (p.number) conditions.push(`t.ticket_number = ${params.add(p.number)}`);
  if (p.mailboxId) conditions.push(`t.mailbox_id = ${params.add(p.mailboxId)}`);
  if (p.tag) conditions.push(`t.tags @> array[${params.add(p.tag)}]::text[]`);
  if (p.categoryId) {
    const category = params.add(p.categoryId);
    conditions.push(
      `t.category_id in (select c.id from categories c where c.id = ${category} or c.parent_id = ${category})`,
    );
  }
  if (p.search) {
    const pattern = params.add(`%${escapeLike(p.search)}%`);
    conditions.push(`(t.title ilike ${pattern} or t.description ilike ${pattern})`);
  }
  if (p.dateFrom) conditions.push(`t.created_at >= ${params.add(p.dateFrom.toISOString())}`);
  if (p.dateTo) conditions.push(`t.created_at <= ${params.add(p.dateTo.toISOString())}`);
  if (p.slaBreached !== undefined)
    conditions.push(p.slaBreached ? 't.sla_breached is not null' : 't.sla_breached is null');
  if (p.slaDueBefore) conditions.push(`t.sla_deadline <= ${params.add(p.slaDueBefore.toISOString())}`);
  return conditions.join(' and ');
}

/**
 * The organisation's display name for a person joined as `alias` (never the account's own name), else
 * the address's local part: `knownPerson` of members.ts, for hand-written statements.
 */
export const knownName = (alias: string, organization = 't.organization_id') =>
  `coalesce((select uo.display_name from user_organizations uo where uo.user_id = ${alias}.id and uo.organization_id = ${organization}), split_part(${alias}.email, '@', 1))`;

/** timestamptz as drizzle's client returns it (text) to the Date the API serialises. */
export const instant = (value: unknown) => (value === null ? null : new Date(value as string));

/** The ticket's own columns the hand-written reads select first, in `ticketFromRow`'s order. */
export const TICKET_COLUMNS =
  't.id, t.ticket_number, t.title, t.status, t.priority, t.channel, t.tags, t.category_id, t.sla_deadline, t.sla_breached, t.first_response_at, t.created_at, t.updated_at, t.resolved_at, t.closed_at, t.last_message_at';
export const TICKET_COLUMN_COUNT = 16;

export function ticketFromRow(row: unknown[]) {
  const [id, ticketNumber, title, status, priority, channel, tags, categoryId, slaDeadline] = row;
  const [slaBreached, firstResponseAt, createdAt, updatedAt, resolvedAt, closedAt, lastMessageAt] = row.slice(
    9,
    TICKET_COLUMN_COUNT,
  );
  return {
    id: id as string,
    ticketNumber: ticketNumber as number,
    title: title as string,
    status: status as TicketStatus,
    priority: priority as TicketPriority,
    channel: channel as Ticket['channel'],
    tags: tags as string[] | null,
    categoryId: categoryId as string | null,
    slaDeadline: instant(slaDeadline),
    slaBreached: instant(slaBreached),
    firstResponseAt: instant(firstResponseAt),
    createdAt: instant(createdAt)!,
    updatedAt: instant(updatedAt)!,
    resolvedAt: instant(resolvedAt),
    closedAt: instant(closedAt),
    lastMessageAt: instant(lastMessageAt),
  };
}

// What the inbox shows of a ticket: no description, no search document; then its people.
const LIST_COLUMNS = `${TICKET_COLUMNS}, t.customer_id, ${knownName('c')}, c.email, c.avatar_url, t.assignee_id, ${knownName('a')}, a.avatar_url`;

function listedTicket(row: unknown[]) {
  const [
    customerId,
    customerName,
    customerEmail,
    customerAvatarUrl,
    assigneeId,
    assigneeName,
    assigneeAvatarUrl,
  ] = row.slice(TICKET_COLUMN_COUNT);
  return {
    ...ticketFromRow(row),
    customerId: customerId as string,
    customer: {
      id: customerId as string,
      name: customerName as string,
      email: customerEmail as string,
      avatarUrl: customerAvatarUrl as string | null,
    },
    assigneeId: assigneeId as string | null,
    assignee: assigneeId
      ? {
          id: assigneeId as string,
          name: assigneeName as string,
          avatarUrl: assigneeAvatarUrl as string | null,
        }
      : null,
  };
}

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

/** One page of the organisation's live tickets; the page and the count go out together. */
export async function listTickets(db: Queryable, params: ListTicketsParams) {
  const limit = params.limit ?? 20;
  const sort = params.sort ?? 'created';
  const order = params.order ?? 'desc';
  const keyset = params.cursor !== undefined;
  const cursor = params.cursor ? decodeCursor(params.cursor, sort, order) : undefined;
  const countMode = params.count ?? (keyset ? 'capped' : 'exact');
  const page = keyset ? 1 : (params.page ?? 1);

  const key = sortKeys[sort];
  const pageParams = new Params();
  let where = listConditions(params, pageParams);
  if (cursor) where += ` and ${afterCursor(key, order, cursor, pageParams)}`;
  // Nulls last only where there can be nulls: `desc nulls last` on a not-null column would not match
  // the indexes' order, and PostgreSQL would sort instead of reading the index.
  const direction = order === 'asc' ? 'asc' : 'desc';
  const orderBy = `${key.column} ${direction}${key.nullable ? ' nulls last' : ''}, t.id ${direction}`;
  // One row more than the page tells whether there is a next one.
  let text = `select ${LIST_COLUMNS}, ${key.column}::text from "tickets" t join users c on c.id = t.customer_id left join users a on a.id = t.assignee_id where ${where} order by ${orderBy} limit ${pageParams.add(keyset ? limit + 1 : limit)}`;
  if (page > 1) text += ` offset ${pageParams.add((page - 1) * limit)}`;
  const [found, total] = await Promise.all([
    runStatement(db, text, pageParams.values),
    countTickets(db, params, countMode),
  ]);

  const data = found.slice(0, limit).map(listedTicket);
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
        ? encodeCursor({ sort, order, value: last[last.length - 1] as string | null, id: last[0] as string })
        : null;
  }
  return { data, pagination };
}

export type ListedTicket = Awaited<ReturnType<typeof listTickets>>['data'][number];

async function countTickets(db: Queryable, filters: ListTicketsParams, mode: CountMode) {
  if (mode === 'none') return undefined;
  const params = new Params();
  const where = listConditions(filters, params);
  // Capped, counting stops one past the cap: "10,000+" costs what 10,001 index entries cost. The cap is
  // written into the statement so that a generic plan knows how many rows it reads.
  const text =
    mode === 'exact'
      ? `select count(*)::int from "tickets" t where ${where}`
      : `select count(*)::int from (select 1 from "tickets" t where ${where} limit ${COUNT_CAP + 1}) as matches`;
  const [row] = await runStatement(db, text, params.values);
  return row![0] as number;
}

/** Search ranks the organisation's newest matches, this many at most: "best first" among recent tickets. */
export const SEARCH_RANKED_MATCHES = 1_000;

/**
 * Full-text search: of the organisation's newest `SEARCH_RANKED_MATCHES` live tickets matching the
 * query, the `limit` most relevant (ts_rank; newest first among equals), highlighted. Bounding the
 * ranked rows keeps a common word as cheap as a rare one; snippets are built for the returned page only.
 */
export async function searchTickets(db: Queryable, organizationId: string, query: string, limit = 20) {
  // The best plan depends on the words (a rare one reads the GIN index, a common one walks the newest
  // tickets until enough match): plan each execution of this prepared statement for its own values.
  const customPlans = runStatement(db, "select set_config('plan_cache_mode', 'force_custom_plan', true)", []);
  const words = "websearch_to_tsquery('english', $2)";
  const recent = `select t.id, t.ticket_number, t.title, t.description, t.status, t.priority, t.created_at, t.search_vector, t.merged_into_id from "tickets" t where t.organization_id = $1 and t.deleted_at is null and t.search_vector @@ ${words} order by t.created_at desc, t.id desc limit ${SEARCH_RANKED_MATCHES}`;
  const page = `select id, ticket_number, title, description, status, priority, created_at, merged_into_id, ts_rank(search_vector, ${words}) as rank from (${recent}) as recent order by rank desc, created_at desc, id desc limit $3`;
  // A merged ticket's words find the ticket it was merged into, where its conversation lives now.
  const text = `select coalesce(m.id, p.id), coalesce(m.ticket_number, p.ticket_number), coalesce(m.title, p.title), coalesce(m.status, p.status), coalesce(m.priority, p.priority), coalesce(m.created_at, p.created_at), p.rank, ts_headline('english', p.title || ' — ' || p.description, ${words}, 'StartSel=[[, StopSel=]], MaxFragments=2, MaxWords=20, MinWords=5') from (${page}) as p left join "tickets" m on m.id = p.merged_into_id and m.organization_id = $1 and m.deleted_at is null order by p.rank desc, p.created_at desc, p.id desc`;
  const [, rows] = await Promise.all([customPlans, runStatement(db, text, [organizationId, query, limit])]);
  const seen = new Set<string>();
  // The target and a ticket merged into it may both match: the target is listed once, at its best rank.
  const unique = rows.filter(([id]) => !seen.has(id as string) && seen.add(id as string));
  return unique.map(([id, ticketNumber, title, status, priority, createdAt, rank, snippet]) => ({
    id: id as string,
    ticketNumber: ticketNumber as number,
    title: title as string,
    status: status as TicketStatus,
    priority: priority as TicketPriority,
    createdAt: instant(createdAt)!,
    rank: rank as number,
    snippet: snippet as string,
  }));
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

/** When the ticket was last assigned (to anyone): the stored time of the assignment a retry repeats. */
/** The ticket's latest activity of `action` (its id and time), if any. */
export async function lastActivity(
  db: Queryable,
  ticketId: string,
  action: ActivityAction,
): Promise<{ id: string; at: Date } | undefined> {
  const [row] = await db
    .select({ id: ticketActivities.id, at: ticketActivities.createdAt })
    .from(ticketActivities)
    .where(and(eq(ticketActivities.ticketId, ticketId), eq(ticketActivities.action, action)))
    .orderBy(desc(ticketActivities.createdAt))
    .limit(1);
  return row;
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
