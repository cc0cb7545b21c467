// The staff's notification choices: who of an organisation may be emailed about its tickets, and each
// person's own switches on their membership.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type {
  NotificationPreferences,
  OrganizationNotificationDefaults,
} from '../../domain/notifications.js';
import { type NotificationEvent, STAFF_ROLES } from '../../domain/vocabulary.js';
import type { Queryable } from '../client.js';
import { organizations, userOrganizations, users } from '../schema/index.js';

export interface StaffAudience {
  defaults: OrganizationNotificationDefaults;
  /** The organisation's active staff (never its customers, never another organisation's people). */
  staff: {
    userId: string;
    email: string;
    displayName: string;
    preferences: NotificationPreferences;
  }[];
}

export async function notificationDefaults(
  db: Queryable,
  organizationId: string,
): Promise<OrganizationNotificationDefaults> {
  const [org] = await db
    .select({ settings: organizations.settings })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  const { emailOnNewTicket, emailOnTicketUpdate } = org?.settings?.notifications ?? {};
  return { emailOnNewTicket, emailOnTicketUpdate };
}

/** Both reads in one round trip (pipelined in the event's transaction): this runs on every new ticket and reply. */
export async function staffAudience(db: Queryable, organizationId: string): Promise<StaffAudience> {
  const staffQuery = db
    .select({
      userId: users.id,
      email: users.email,
      displayName: userOrganizations.displayName,
      preferences: userOrganizations.notificationPreferences,
    })
    .from(userOrganizations)
    .innerJoin(users, eq(users.id, userOrganizations.userId))
    .where(
      and(
        eq(userOrganizations.organizationId, organizationId),
        inArray(userOrganizations.role, STAFF_ROLES),
        eq(users.isActive, true),
      ),
    );
  const [staff, defaults] = await Promise.all([staffQuery, notificationDefaults(db, organizationId)]);
  return { defaults, staff };
}

/** The person's own choices in the organisation; undefined when they are not a member. */
export async function ownNotificationPreferences(db: Queryable, organizationId: string, userId: string) {
  const [row] = await db
    .select({ preferences: userOrganizations.notificationPreferences })
    .from(userOrganizations)
    .where(and(eq(userOrganizations.organizationId, organizationId), eq(userOrganizations.userId, userId)));
  return row?.preferences;
}

/** Sets (true/false) or forgets (null: back to the organisation's default) the person's choices. */
export async function changeOwnNotificationPreferences(
  db: Queryable,
  organizationId: string,
  userId: string,
  changes: Partial<Record<NotificationEvent, boolean | null>>,
) {
  const entries = Object.entries(changes);
  const set = Object.fromEntries(entries.filter(([, on]) => on !== null));
  const forget = entries.filter(([, on]) => on === null).map(([event]) => event);
  const merged = sql`(${userOrganizations.notificationPreferences} || ${JSON.stringify(set)}::jsonb)`;
  const [row] = await db
    .update(userOrganizations)
    .set({ notificationPreferences: forget.reduce((value, event) => sql`${value} - ${event}::text`, merged) })
    .where(and(eq(userOrganizations.organizationId, organizationId), eq(userOrganizations.userId, userId)))
    .returning({ preferences: userOrganizations.notificationPreferences });
  return row?.preferences;
}
