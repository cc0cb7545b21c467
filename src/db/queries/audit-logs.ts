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
