import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { StaffRole } from '../../domain/vocabulary.js';
import type { Queryable } from '../client.js';
import { type OrganizationInvitation, organizationInvitations } from '../schema/index.js';

export type InvitationState = 'open' | 'accepted' | 'revoked' | 'expired';

/** What became of an invitation; an accepted one stays accepted after its expiry. */
export function invitationState(
  inv: Pick<OrganizationInvitation, 'acceptedAt' | 'revokedAt' | 'expiresAt'>,
  now = new Date(),
): InvitationState {
  if (inv.acceptedAt) return 'accepted';
  if (inv.revokedAt) return 'revoked';
  return inv.expiresAt.getTime() <= now.getTime() ? 'expired' : 'open';
}

/** An invitation as it may be shown and audited: everything but the token hash. */
export function invitationView(inv: OrganizationInvitation, now = new Date()) {
  const { tokenHash: _secret, organizationId: _org, ...visible } = inv;
  return { ...visible, state: invitationState(inv, now) };
}

const isOpen = and(isNull(organizationInvitations.acceptedAt), isNull(organizationInvitations.revokedAt));

export interface NewInvitation {
  organizationId: string;
  email: string;
  /** Admins invite agents and admins; owners are invited by the operator (CLI create-admin). */
  role: StaffRole;
  /** Null when the operator invites. */
  invitedBy: string | null;
  tokenHash: string;
  expiresAt: Date;
}

/**
 * Revokes the address's open invitation, if any, and stores the new one: the old token stops working.
 * Call it in one transaction; two concurrent invitations of one address meet on the open-email index.
 */
export async function replaceOpenInvitation(db: Queryable, input: NewInvitation) {
  const [replaced] = await db
    .update(organizationInvitations)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(organizationInvitations.organizationId, input.organizationId),
        eq(organizationInvitations.email, input.email),
        isOpen,
      ),
    )
    .returning();
  const [created] = await db.insert(organizationInvitations).values(input).returning();
  return { replaced, created: created! };
}

export function listInvitations(db: Queryable, organizationId: string) {
  return db
    .select()
    .from(organizationInvitations)
    .where(eq(organizationInvitations.organizationId, organizationId))
    .orderBy(desc(organizationInvitations.createdAt), desc(organizationInvitations.id));
}

export async function findInvitation(db: Queryable, organizationId: string, id: string) {
  const [found] = await db
    .select()
    .from(organizationInvitations)
    .where(
      and(eq(organizationInvitations.organizationId, organizationId), eq(organizationInvitations.id, id)),
    );
  return found;
}

/** Revokes an invitation that is neither accepted nor revoked; undefined when there was none such. */
export async function revokeInvitation(db: Queryable, organizationId: string, id: string) {
  const [revoked] = await db
    .update(organizationInvitations)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(organizationInvitations.organizationId, organizationId),
        eq(organizationInvitations.id, id),
        isOpen,
      ),
    )
    .returning();
  return revoked;
}

/**
 * Who a token invites: the organisation is not known before, so callers run this on the owner
 * connection (like the API token lookup) and everything else in that organisation's tenant.
 */
export async function findInvitationByTokenHash(db: Queryable, tokenHash: string) {
  const [found] = await db
    .select()
    .from(organizationInvitations)
    .where(eq(organizationInvitations.tokenHash, tokenHash));
  return found;
}

/**
 * Marks the invitation accepted if it is still usable, in one conditional update: of two concurrent
 * acceptances exactly one gets the row. Undefined when it was used, revoked or had expired.
 */
export async function claimInvitation(db: Queryable, organizationId: string, id: string) {
  const [claimed] = await db
    .update(organizationInvitations)
    .set({ acceptedAt: sql`now()` })
    .where(
      and(
        eq(organizationInvitations.organizationId, organizationId),
        eq(organizationInvitations.id, id),
        isOpen,
        gt(organizationInvitations.expiresAt, sql`now()`),
      ),
    )
    .returning();
  return claimed;
}

export async function recordAcceptedBy(db: Queryable, id: string, userId: string) {
  const [accepted] = await db
    .update(organizationInvitations)
    .set({ acceptedBy: userId })
    .where(eq(organizationInvitations.id, id))
    .returning();
  return accepted!;
}
