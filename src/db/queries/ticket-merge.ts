// Merging one ticket into another of the same organisation: the conversation moves, the source closes.
import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { ticketMessages, ticketParticipants, tickets } from '../schema/index.js';
import { recordActivity } from './tickets.js';

export type MergeRefusal =
  | 'source_not_found'
  | 'target_not_found'
  | 'same_ticket'
  | 'target_closed'
  | 'already_merged';

export type MergeOutcome =
  | { merged: true; target: { id: string; ticketNumber: number }; movedMessages: number }
  | { merged: false; refusal: MergeRefusal };

/**
 * Moves ticket `sourceId`'s messages (with their attachments, which hang off them) and participants to
 * `targetId`, closes the source pointing at the target, and records a `merged` activity on both: later
 * mail threaded to the source's Message-IDs finds the target, as its messages now live there. The
 * source's customer follows the target. Inside the caller's transaction; both rows locked first.
 */
export async function mergeTickets(
  db: Queryable,
  input: { organizationId: string; sourceId: string; targetId: string; actorId: string | null },
): Promise<MergeOutcome> {
  if (input.sourceId === input.targetId) return { merged: false, refusal: 'same_ticket' };
  const rows = await db
    .select({
      id: tickets.id,
      ticketNumber: tickets.ticketNumber,
      status: tickets.status,
      mergedIntoId: tickets.mergedIntoId,
    })
    .from(tickets)
    .where(
      and(
        eq(tickets.organizationId, input.organizationId),
        inArray(tickets.id, [input.sourceId, input.targetId]),
        isNull(tickets.deletedAt),
      ),
    )
    // One order for every merge: two merges of the same pair the other way round cannot deadlock.
    .orderBy(tickets.id)
    .for('update');
  const source = rows.find((r) => r.id === input.sourceId);
  const target = rows.find((r) => r.id === input.targetId);
  if (!source) return { merged: false, refusal: 'source_not_found' };
  if (!target) return { merged: false, refusal: 'target_not_found' };
  if (source.mergedIntoId === target.id) {
    // Merged already (a retried activity): the same answer, nothing moved twice.
    return { merged: true, target: { id: target.id, ticketNumber: target.ticketNumber }, movedMessages: 0 };
  }
  if (source.mergedIntoId) return { merged: false, refusal: 'already_merged' };
  if (target.status === 'closed') return { merged: false, refusal: 'target_closed' };

  // An email stored in both (sent to both conversations) stays once, in the target.
  const moved = await db
    .update(ticketMessages)
    .set({ ticketId: target.id })
    .where(
      and(
        eq(ticketMessages.ticketId, source.id),
        sql`not exists (select 1 from ${ticketMessages} t where t.ticket_id = ${target.id} and t.email_message_id = ${ticketMessages.emailMessageId})`,
      ),
    )
    .returning({ id: ticketMessages.id });
  // Everyone in the source's conversation (its customer too) follows the target, unless already in it.
  await db.execute(sql`
    insert into ${ticketParticipants} (organization_id, ticket_id, email, name, role, added_via, added_by_user_id)
    select p.organization_id, ${target.id}, p.email, p.name, 'follower', p.added_via, ${input.actorId}
    from ${ticketParticipants} p
    where p.ticket_id = ${source.id} and p.removed_at is null
    on conflict (ticket_id, email) do nothing`);
  await db
    .update(tickets)
    .set({ status: 'closed', closedAt: new Date(), mergedIntoId: target.id, updatedAt: new Date() })
    .where(and(eq(tickets.id, source.id), ne(tickets.status, 'closed')));
  await db.update(tickets).set({ updatedAt: new Date() }).where(eq(tickets.id, target.id));
  await recordActivity(db, source.id, input.actorId, 'merged', {
    mergedIntoId: target.id,
    mergedIntoNumber: target.ticketNumber,
  });
  await recordActivity(db, target.id, input.actorId, 'merged', {
    mergedFromId: source.id,
    mergedFromNumber: source.ticketNumber,
  });
  return {
    merged: true,
    target: { id: target.id, ticketNumber: target.ticketNumber },
    movedMessages: moved.length,
  };
}
