import { and, eq, sql } from 'drizzle-orm';
import type { SlaKind } from '../../domain/vocabulary.js';
import type { Queryable } from '../client.js';
import { slaBreaches, tickets } from '../schema/index.js';
import { recordActivity } from './tickets.js';

/**
 * Records that the ticket's `kind` deadline was missed, once per deadline: the breach row, the ticket's
 * flag (the first breach's time kept) and a `sla_breached` activity saying how late. `deadline` and `detectedAt` are ISO instants; `lateByMs` how long after the deadline
 * the breach was noticed. Returns the breach's id, and whether this call recorded it.
 */
export async function recordBreachOnce(
  db: Queryable,
  breach: {
    organizationId: string;
    ticketId: string;
    kind: SlaKind;
    deadline: string;
    detectedAt: string;
    lateByMs: number;
  },
): Promise<{ id: string; recorded: boolean }> {
  const deadline = new Date(breach.deadline);
  const [inserted] = await db
    .insert(slaBreaches)
    .values({
      organizationId: breach.organizationId,
      ticketId: breach.ticketId,
      kind: breach.kind,
      deadline,
      detectedAt: new Date(breach.detectedAt),
    })
    .onConflictDoNothing({ target: [slaBreaches.ticketId, slaBreaches.kind, slaBreaches.deadline] })
    .returning({ id: slaBreaches.id });
  if (!inserted) {
    const [existing] = await db
      .select({ id: slaBreaches.id })
      .from(slaBreaches)
      .where(
        and(
          eq(slaBreaches.ticketId, breach.ticketId),
          eq(slaBreaches.kind, breach.kind),
          eq(slaBreaches.deadline, deadline),
        ),
      );
    return { id: existing!.id, recorded: false };
  }
  await db
    .update(tickets)
    .set({ slaBreached: sql`coalesce(${tickets.slaBreached}, ${breach.detectedAt}::timestamptz)` })
    .where(and(eq(tickets.id, breach.ticketId), eq(tickets.organizationId, breach.organizationId)));
  await recordActivity(db, breach.ticketId, null, 'sla_breached', {
    slaKind: breach.kind,
    slaDeadline: breach.deadline,
    lateByMs: breach.lateByMs,
  });
  return { id: inserted.id, recorded: true };
}

/** The next deadline due, kept on the ticket for filters and sorting (null when no clock runs). */
export async function setTicketSlaDeadline(
  db: Queryable,
  organizationId: string,
  ticketId: string,
  deadline: Date | null,
): Promise<void> {
  await db
    .update(tickets)
    .set({ slaDeadline: deadline })
    .where(and(eq(tickets.id, ticketId), eq(tickets.organizationId, organizationId)));
}
