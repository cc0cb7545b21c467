import { and, eq, inArray } from 'drizzle-orm';
import type { DatabaseHandle, Tx } from '../db/client.js';
import { senderMailbox } from '../db/queries/mailboxes.js';
import { peopleAsKnownBy } from '../db/queries/organization-members.js';
import { organizations, slaPolicies, type Ticket, userOrganizations, users } from '../db/schema/index.js';
import { ADMIN_ROLES } from '../domain/vocabulary.js';
import type { Mailer } from '../mail/mailer.js';
import type { TicketFacts } from '../mail/templates.js';
import type { Storage } from '../storage/storage.js';
import type { SurveyLinks } from '../surveys/signed-links.js';
import { DEFAULT_SLA_TIMES, type TicketPriority } from '../workflows/sla-defaults.js';
import type { SlaPolicyContext } from '../workflows/ticket-state.js';

export interface ActivityDeps {
  db: DatabaseHandle;
  mailer: Mailer;
  /** Attachment bytes, read when a reply with attachments is sent. */
  storage: Storage;
  /** Sender for organisations without a mailbox. */
  defaultFrom: string;
  /** Signs the links of satisfaction surveys. */
  surveyLinks: SurveyLinks;
}

const DEFAULT_AUTO_CLOSE_DAYS = 7;

/** The organisation's default policy for a priority, else the seed's DEFAULT_SLA_TIMES, as the workflow needs it. */
export async function loadSlaPolicy(
  tx: Tx,
  organizationId: string,
  priority: TicketPriority,
): Promise<SlaPolicyContext> {
  const [org] = await tx
    .select({ settings: organizations.settings })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  const [policy] = await tx
    .select()
    .from(slaPolicies)
    .where(
      and(
        eq(slaPolicies.organizationId, organizationId),
        eq(slaPolicies.priority, priority),
        eq(slaPolicies.isDefault, true),
      ),
    )
    .limit(1);
  const settings = org?.settings ?? {};
  const defaults = DEFAULT_SLA_TIMES[priority];
  // The seed's default is business-hours-only, but without opening hours the clock runs 24/7.
  const businessHoursOnly = policy?.businessHoursOnly ?? true;
  return {
    firstResponseMinutes: policy?.firstResponseTime ?? defaults.firstResponseTime,
    resolutionMinutes: policy?.resolutionTime ?? defaults.resolutionTime,
    nextResponseMinutes: policy?.nextResponseTime ?? null,
    businessHours: businessHoursOnly ? (settings.businessHours ?? null) : null,
    autoCloseAfterDays: settings.autoCloseAfterDays ?? DEFAULT_AUTO_CLOSE_DAYS,
    warningRatio: settings.slaWarningRatio ?? null,
  };
}

/** The address the organisation's mail comes from: its first active mailbox, else the installation's. */
export async function senderAddress(tx: Tx, organizationId: string, defaultFrom: string): Promise<string> {
  // An unverified address is a mere claim: mail is never sent as it.
  return (await senderMailbox(tx, organizationId))?.address ?? defaultFrom;
}

export async function ticketFacts(tx: Tx, ticket: Ticket): Promise<TicketFacts> {
  const ids = [ticket.customerId, ...(ticket.assigneeId ? [ticket.assigneeId] : [])];
  const people = await peopleAsKnownBy(tx, ticket.organizationId, ids);
  const [org] = await tx
    .select({ name: organizations.name })
    .from(organizations)
    .where(eq(organizations.id, ticket.organizationId));
  const find = (id: string) => people.get(id)!;
  return {
    ticketNumber: ticket.ticketNumber,
    title: ticket.title,
    organizationName: org?.name ?? '',
    customer: find(ticket.customerId),
    assignee: ticket.assigneeId ? find(ticket.assigneeId) : null,
  };
}

/** Who hears about SLA trouble: the organisation's admins and owners, plus its escalation addresses. */
export async function managerAddresses(tx: Tx, organizationId: string): Promise<string[]> {
  const managers = await tx
    .select({ email: users.email })
    .from(userOrganizations)
    .innerJoin(users, eq(users.id, userOrganizations.userId))
    .where(
      and(eq(userOrganizations.organizationId, organizationId), inArray(userOrganizations.role, ADMIN_ROLES)),
    );
  const [org] = await tx
    .select({ settings: organizations.settings })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  const extra = org?.settings?.notifications?.escalationEmails ?? [];
  return [...new Set([...managers.map((m) => m.email.toLowerCase()), ...extra.map((e) => e.toLowerCase())])];
}
