// A ticket's participants: its customer and its followers. Written directly, not through the ticket's
// workflow: who is copied changes no SLA clock. Each addition or removal leaves an activity row.
import { and, asc, eq, isNull, ne, notExists, sql } from 'drizzle-orm';
import type { ParticipantSource } from '../../domain/vocabulary.js';
import type { FollowerInput } from '../../workflows/contracts.js';
import type { Queryable } from '../client.js';
import { mailboxes, ticketParticipants, userOrganizations, users } from '../schema/index.js';
import { addressName } from './members.js';
import { recordActivity } from './tickets.js';

/** The ticket's customer as its first participant (once), named as the organisation knows them. */
export async function addCustomerParticipant(
  db: Queryable,
  ticket: { id: string; organizationId: string; customerId: string },
  addedVia: ParticipantSource,
  addedByUserId: string | null,
): Promise<void> {
  const [person] = await db
    .select({
      email: users.email,
      name: sql<string>`coalesce(${userOrganizations.displayName}, ${users.name})`,
    })
    .from(users)
    .leftJoin(
      userOrganizations,
      and(
        eq(userOrganizations.userId, users.id),
        eq(userOrganizations.organizationId, ticket.organizationId),
      ),
    )
    .where(eq(users.id, ticket.customerId));
  await db
    .insert(ticketParticipants)
    .values({
      organizationId: ticket.organizationId,
      ticketId: ticket.id,
      email: person!.email.toLowerCase(),
      name: person!.name,
      role: 'customer',
      addedVia,
      addedByUserId,
    })
    .onConflictDoNothing({ target: [ticketParticipants.ticketId, ticketParticipants.email] });
}

/**
 * Followers named on an email of the ticket (`senderId` wrote it). Someone already there — the customer,
 * a follower, or one an agent removed — stays as they are, so a redelivered email adds nobody twice.
 */
export async function addEmailFollowers(
  db: Queryable,
  organizationId: string,
  ticketId: string,
  senderId: string,
  followers: readonly FollowerInput[],
): Promise<void> {
  if (followers.length === 0) return;
  const added = await db
    .insert(ticketParticipants)
    .values(
      followers.map((f) => ({
        organizationId,
        ticketId,
        email: f.email,
        name: f.name || addressName(f.email),
        role: 'follower' as const,
        addedVia: 'email' as const,
      })),
    )
    .onConflictDoNothing({ target: [ticketParticipants.ticketId, ticketParticipants.email] })
    .returning({ id: ticketParticipants.id, email: ticketParticipants.email });
  for (const p of added) {
    await recordActivity(db, ticketId, senderId, 'participant_added', {
      participantId: p.id,
      participantEmail: p.email,
      reason: 'copied on an email',
    });
  }
}

const participantColumns = {
  id: ticketParticipants.id,
  email: ticketParticipants.email,
  name: ticketParticipants.name,
  role: ticketParticipants.role,
  addedVia: ticketParticipants.addedVia,
  addedByUserId: ticketParticipants.addedByUserId,
  createdAt: ticketParticipants.createdAt,
};

const current = (organizationId: string, ticketId: string) =>
  and(
    eq(ticketParticipants.organizationId, organizationId),
    eq(ticketParticipants.ticketId, ticketId),
    isNull(ticketParticipants.removedAt),
  );

/** The ticket's current participants: the customer first, then followers in the order they came. */
export function listParticipants(db: Queryable, organizationId: string, ticketId: string) {
  return db
    .select(participantColumns)
    .from(ticketParticipants)
    .where(current(organizationId, ticketId))
    .orderBy(
      sql`${ticketParticipants.role} = 'follower'`,
      asc(ticketParticipants.createdAt),
      asc(ticketParticipants.id),
    );
}

export type Participant = Awaited<ReturnType<typeof listParticipants>>[number];

/**
 * Who an agent's reply to the ticket copies: its current followers, less `fromAddress` and any mailbox
 * of the organisation (mail to our own inbox would come back as a loop).
 */
export async function ccAddresses(
  db: Queryable,
  organizationId: string,
  ticketId: string,
  fromAddress: string,
): Promise<string[]> {
  const rows = await db
    .select({ email: ticketParticipants.email })
    .from(ticketParticipants)
    .where(
      and(
        current(organizationId, ticketId),
        eq(ticketParticipants.role, 'follower'),
        ne(ticketParticipants.email, fromAddress.toLowerCase()),
        notExists(
          db
            .select({ one: sql`1` })
            .from(mailboxes)
            .where(
              and(
                eq(mailboxes.organizationId, organizationId),
                eq(mailboxes.address, ticketParticipants.email),
              ),
            ),
        ),
      ),
    )
    .orderBy(asc(ticketParticipants.createdAt), asc(ticketParticipants.id));
  return rows.map((r) => r.email);
}

/**
 * An agent adds a follower; one an agent removed earlier comes back with the same id. Undefined when the
 * address takes part already.
 */
export async function addAgentFollower(
  db: Queryable,
  organizationId: string,
  ticketId: string,
  agentId: string,
  follower: FollowerInput,
): Promise<Participant | undefined> {
  const [row] = await db
    .insert(ticketParticipants)
    .values({
      organizationId,
      ticketId,
      email: follower.email,
      name: follower.name || addressName(follower.email),
      role: 'follower',
      addedVia: 'agent',
      addedByUserId: agentId,
    })
    .onConflictDoUpdate({
      target: [ticketParticipants.ticketId, ticketParticipants.email],
      set: {
        name: sql`excluded.name`,
        addedVia: sql`excluded.added_via`,
        addedByUserId: sql`excluded.added_by_user_id`,
        createdAt: sql`now()`,
        removedAt: null,
      },
      // Only a removed follower comes back; anyone present is left alone (and nothing is returned).
      setWhere: sql`${ticketParticipants.removedAt} is not null`,
    })
    .returning(participantColumns);
  if (row) {
    await recordActivity(db, ticketId, agentId, 'participant_added', {
      participantId: row.id,
      participantEmail: row.email,
      reason: 'added by an agent',
    });
  }
  return row;
}

/** The ticket's current participant `participantId`, its row locked until the transaction ends. */
export async function lockParticipant(
  db: Queryable,
  organizationId: string,
  ticketId: string,
  participantId: string,
) {
  const [row] = await db
    .select(participantColumns)
    .from(ticketParticipants)
    .where(and(current(organizationId, ticketId), eq(ticketParticipants.id, participantId)))
    .for('update');
  return row;
}

/** Removes a follower (kept as removed, so mail still copying them does not add them again). */
export async function removeFollower(
  db: Queryable,
  organizationId: string,
  ticketId: string,
  agentId: string,
  participant: Pick<Participant, 'id' | 'email'>,
): Promise<void> {
  await db
    .update(ticketParticipants)
    .set({ removedAt: sql`now()` })
    .where(and(current(organizationId, ticketId), eq(ticketParticipants.id, participant.id)));
  await recordActivity(db, ticketId, agentId, 'participant_removed', {
    participantId: participant.id,
    participantEmail: participant.email,
  });
}
