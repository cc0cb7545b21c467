import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { type AuditSnapshot, auditLogs } from '../schema/index.js';

export interface AuditEntry {
  organizationId: string;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before?: AuditSnapshot | null;
  after?: AuditSnapshot | null;
}

/** JSON as stored: Dates become ISO strings, undefined fields disappear. */
const snapshot = (value: object | null | undefined): AuditSnapshot | null =>
  value ? (JSON.parse(JSON.stringify(value)) as AuditSnapshot) : null;

/** Writes an audit entry; call it in the transaction of the change it records. */
export async function recordAudit(db: Queryable, entry: AuditEntry) {
  await db
    .insert(auditLogs)
    .values({ ...entry, before: snapshot(entry.before), after: snapshot(entry.after) });
}

export interface AuditLogFilter {
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

/** One page of the organisation's audit log matching `filter`, newest first, and how many entries match. */
export async function listAuditLogs(
  db: Queryable,
  organizationId: string,
  { action, actorId, targetType, targetId, from, to }: AuditLogFilter,
  { page, limit }: { page: number; limit: number },
) {
  const where = and(
    eq(auditLogs.organizationId, organizationId),
    action ? eq(auditLogs.action, action) : undefined,
    actorId ? eq(auditLogs.actorId, actorId) : undefined,
    targetType ? eq(auditLogs.targetType, targetType) : undefined,
    targetId ? eq(auditLogs.targetId, targetId) : undefined,
    from ? gte(auditLogs.createdAt, from) : undefined,
    to ? lt(auditLogs.createdAt, to) : undefined,
  );
  const rows = await db
    .select()
    .from(auditLogs)
    .where(where)
    .orderBy(desc(auditLogs.createdAt), desc(auditLogs.id))
    .limit(limit)
    .offset((page - 1) * limit);
  const [count] = await db.select({ total: sql<number>`count(*)::int` }).from(auditLogs).where(where);
  return { rows, total: count!.total };
}
