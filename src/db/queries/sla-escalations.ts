// Which escalation email tells the managers of a breach: the mail about it alone, or a window's digest.
import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import { decideEscalation } from '../../domain/escalation-window.js';
import type { SlaKind } from '../../domain/vocabulary.js';
import type { Queryable } from '../client.js';
import { slaBreaches, slaEscalations, tickets } from '../schema/index.js';

export type BreachEscalation =
  | { send: 'now'; escalationId: string }
  /** `opensDigest`: this breach opened the digest, so its workflow starts the digest's timer. */
  | { send: 'digest'; escalationId: string; sendsAt: Date; opensDigest: boolean; written: boolean };

/** One decision at a time per organisation: two breaches must never both find the window quiet. */
const lockOrganizationEscalations = (db: Queryable, organizationId: string) =>
  db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`sla-escalation:${organizationId}`}, 0))`);

/**
 * Attaches the breach to its escalation inside the caller's transaction, choosing one the first time
 * (see decideEscalation); asking again for the same breach (a retried activity) gives the same answer.
 */
export async function escalateBreach(
  db: Queryable,
  input: { organizationId: string; breachId: string; detectedAt: Date; windowMs: number },
): Promise<BreachEscalation> {
  await lockOrganizationEscalations(db, input.organizationId);
  const [attached] = await db
    .select({ escalation: slaEscalations })
    .from(slaBreaches)
    .innerJoin(slaEscalations, eq(slaEscalations.id, slaBreaches.escalationId))
    .where(eq(slaBreaches.id, input.breachId));
  if (attached) return describe(attached.escalation, input.breachId);

  const [latest] = await db
    .select()
    .from(slaEscalations)
    .where(eq(slaEscalations.organizationId, input.organizationId))
    .orderBy(desc(slaEscalations.sendsAt))
    .limit(1);
  const decision = decideEscalation(latest, input.detectedAt, input.windowMs);
  const escalation =
    decision.send === 'join'
      ? latest!
      : (
          await db
            .insert(slaEscalations)
            .values({
              organizationId: input.organizationId,
              isDigest: decision.send === 'open_digest',
              sendsAt: decision.send === 'open_digest' ? decision.sendsAt : input.detectedAt,
              openedByBreachId: input.breachId,
            })
            .returning()
        )[0]!;
  await db.update(slaBreaches).set({ escalationId: escalation.id }).where(eq(slaBreaches.id, input.breachId));
  return describe(escalation, input.breachId);
}

function describe(escalation: typeof slaEscalations.$inferSelect, breachId: string): BreachEscalation {
  if (!escalation.isDigest) return { send: 'now', escalationId: escalation.id };
  return {
    send: 'digest',
    escalationId: escalation.id,
    sendsAt: escalation.sendsAt,
    opensDigest: escalation.openedByBreachId === breachId,
    written: escalation.writtenAt !== null,
  };
}

/** Marks the escalation's mail as queued (`outboundEmailId` null: nobody to tell). */
export async function markEscalationWritten(
  db: Queryable,
  escalationId: string,
  outboundEmailId: string | null,
): Promise<void> {
  await db
    .update(slaEscalations)
    .set({ writtenAt: new Date(), outboundEmailId })
    .where(eq(slaEscalations.id, escalationId));
}

export interface DigestItem {
  ticketId: string;
  ticketNumber: number;
  title: string;
  kind: SlaKind;
  deadline: Date;
  detectedAt: Date;
}

/**
 * A waiting digest, locked against breaches joining while it is written: its first `limit` breaches
 * (earliest deadline first) and how many it holds. Undefined when it was written already or is unknown.
 */
export async function openDigest(db: Queryable, organizationId: string, escalationId: string, limit: number) {
  await lockOrganizationEscalations(db, organizationId);
  const [escalation] = await db
    .select()
    .from(slaEscalations)
    .where(and(eq(slaEscalations.id, escalationId), eq(slaEscalations.organizationId, organizationId)));
  if (!escalation || escalation.writtenAt) return { escalation, items: [], total: 0 };
  const items: DigestItem[] = await db
    .select({
      ticketId: slaBreaches.ticketId,
      ticketNumber: tickets.ticketNumber,
      title: tickets.title,
      kind: slaBreaches.kind,
      deadline: slaBreaches.deadline,
      detectedAt: slaBreaches.detectedAt,
    })
    .from(slaBreaches)
    .innerJoin(tickets, eq(tickets.id, slaBreaches.ticketId))
    .where(eq(slaBreaches.escalationId, escalationId))
    .orderBy(asc(slaBreaches.deadline), asc(tickets.ticketNumber))
    .limit(limit);
  const [{ total } = { total: 0 }] = await db
    .select({ total: count() })
    .from(slaBreaches)
    .where(eq(slaBreaches.escalationId, escalationId));
  return { escalation, items, total };
}
