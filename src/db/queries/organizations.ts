import { eq } from 'drizzle-orm';
import { DEFAULT_SLA_TIMES } from '../../domain/sla-defaults.js';
import type { Database, Queryable } from '../client.js';
import {
  cannedResponses,
  type OrganizationSettings,
  organizationSubscriptions,
  organizations,
  slaPolicies,
  ticketPriorityEnum,
} from '../schema/index.js';
import { recordAudit } from './audit-logs.js';
import { DEFAULT_PLAN_ID } from './subscriptions.js';

const STARTER_CANNED_RESPONSES = [
  {
    title: 'Greeting',
    shortcut: '/greeting',
    category: 'general',
    content: 'Hello {{customer.name}},\n\nthank you for getting in touch about ticket #{{ticket.number}}.',
  },
  {
    title: 'Need more details',
    shortcut: '/details',
    category: 'general',
    content: 'Could you tell us the steps that lead to the problem, and what you expected to happen?',
  },
  {
    title: 'Closing',
    shortcut: '/closing',
    category: 'general',
    content:
      'We consider this solved; simply reply if anything is still not right.\n\nBest regards,\n{{agent.name}}',
  },
];

/**
 * A new organisation ready to work, in one transaction: the free plan, a default SLA policy per priority
 * (the seed's DEFAULT_SLA_TIMES, running 24/7 until business hours are set) and a few canned responses.
 * Admin work: call with adminDb.
 */
export async function createOrganization(
  db: Queryable,
  input: { name: string; slug: string; settings?: OrganizationSettings },
) {
  return db.transaction(async (tx) => {
    const [org] = await tx
      .insert(organizations)
      .values({ name: input.name, slug: input.slug, settings: input.settings ?? {}, plan: DEFAULT_PLAN_ID })
      .returning();
    await tx.insert(organizationSubscriptions).values({ organizationId: org!.id, planId: DEFAULT_PLAN_ID });
    await tx.insert(slaPolicies).values(
      ticketPriorityEnum.enumValues.map((priority) => ({
        organizationId: org!.id,
        name: `Default ${priority}`,
        priority,
        firstResponseTime: DEFAULT_SLA_TIMES[priority].firstResponseTime,
        resolutionTime: DEFAULT_SLA_TIMES[priority].resolutionTime,
        isDefault: true,
      })),
    );
    await tx
      .insert(cannedResponses)
      .values(STARTER_CANNED_RESPONSES.map((c) => ({ ...c, organizationId: org!.id })));
    return org!;
  });
}

/** The organisation's row, or undefined. */
export async function findOrganization(db: Queryable, organizationId: string) {
  const [org] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
  return org;
}

/** Renames the organisation (when `name` is given) and replaces its settings; the row after. */
export async function updateOrganization(
  db: Queryable,
  organizationId: string,
  { name, settings }: { name?: string; settings: OrganizationSettings },
) {
  const [org] = await db
    .update(organizations)
    .set({ ...(name === undefined ? {} : { name }), settings, updatedAt: new Date() })
    .where(eq(organizations.id, organizationId))
    .returning();
  return org!;
}

export async function findOrganizationBySlug(db: Queryable, slug: string) {
  const [org] = await db.select().from(organizations).where(eq(organizations.slug, slug));
  return org;
}

/**
 * The operator switches an organisation off (or on again): while off, every token and session of it is
 * refused at the next request. Audited with no actor: the operator has no account.
 */
export async function setOrganizationActive(db: Database, organizationId: string, isActive: boolean) {
  return db.transaction(async (tx) => {
    const [org] = await tx
      .update(organizations)
      .set({ isActive, updatedAt: new Date() })
      .where(eq(organizations.id, organizationId))
      .returning();
    await recordAudit(tx, {
      organizationId,
      actorId: null,
      action: isActive ? 'organization.activated' : 'organization.deactivated',
      targetType: 'organization',
      targetId: organizationId,
      after: { isActive },
    });
    return org!;
  });
}

/**
 * What resolving a ticket sets off: the satisfaction survey's delay (absent: no survey) and whether the
 * customer gets a resolution notice. Read when resolving, so a settings change applies at once.
 */
export async function resolveSettings(
  db: Queryable,
  organizationId: string,
): Promise<{ surveyDelayMinutes?: number; resolutionNotice: boolean }> {
  const [org] = await db
    .select({ settings: organizations.settings })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  const delay = org?.settings?.satisfactionSurvey?.delayMinutes;
  return {
    ...(delay === undefined ? {} : { surveyDelayMinutes: delay }),
    resolutionNotice: org?.settings?.resolutionNotice ?? false,
  };
}
