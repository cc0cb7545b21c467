import { and, asc, eq, ne } from 'drizzle-orm';
import {
  DEFAULT_AUTO_CLOSE_DAYS,
  DEFAULT_SLA_TIMES,
  type TicketPriority,
} from '../../domain/sla-defaults.js';
import type { SlaPolicyContext } from '../../domain/sla-policy.js';
import type { Queryable } from '../client.js';
import { type OrganizationSettings, organizations, type SlaPolicy, slaPolicies } from '../schema/index.js';
import {
  deleteRowOfOrganization,
  findRowOfOrganization,
  rowOfOrganization,
  updateRowOfOrganization,
} from './scope.js';

/** The organisation's default policy for a priority, else the seed's DEFAULT_SLA_TIMES, as the workflow needs it. */
export async function loadSlaPolicy(
  db: Queryable,
  organizationId: string,
  priority: TicketPriority,
): Promise<SlaPolicyContext> {
  const [org] = await db
    .select({ settings: organizations.settings })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  const [policy] = await db
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
  return policyContext(policy, org?.settings ?? {}, priority);
}

/** What the workflow's clocks need from a policy (or the built-in times) and the organisation's settings. */
function policyContext(
  policy: SlaPolicy | undefined,
  settings: OrganizationSettings,
  priority: TicketPriority,
): SlaPolicyContext {
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

/** One of the organisation's policies as the workflow would apply it (the preview's input); undefined if not theirs. */
export async function findSlaPolicyContext(db: Queryable, organizationId: string, id: string) {
  const [found] = await db
    .select({ policy: slaPolicies, settings: organizations.settings })
    .from(slaPolicies)
    .innerJoin(organizations, eq(organizations.id, slaPolicies.organizationId))
    .where(rowOfOrganization(slaPolicies, organizationId, id));
  if (!found) return undefined;
  const { policy, settings } = found;
  return { policy, context: policyContext(policy, settings ?? {}, policy.priority) };
}

type SlaPolicyFields = Omit<
  typeof slaPolicies.$inferInsert,
  'id' | 'organizationId' | 'createdAt' | 'updatedAt'
>;

/** The organisation's SLA policies by priority, then name. */
export function listSlaPolicies(db: Queryable, organizationId: string) {
  return db
    .select()
    .from(slaPolicies)
    .where(eq(slaPolicies.organizationId, organizationId))
    .orderBy(asc(slaPolicies.priority), asc(slaPolicies.name));
}

/** One of the organisation's SLA policies, or undefined. */
export const findSlaPolicy = (db: Queryable, organizationId: string, id: string) =>
  findRowOfOrganization(db, slaPolicies, organizationId, id);

/** The SLA policy, its row locked until the transaction ends, or undefined. */
export const lockSlaPolicy = (db: Queryable, organizationId: string, id: string) =>
  findRowOfOrganization(db, slaPolicies, organizationId, id, { forUpdate: true });

/** Makes room for a new default: the previous default of that priority (other than `keepId`) stops being one. */
export async function demoteOtherDefaultPolicies(
  db: Queryable,
  organizationId: string,
  priority: TicketPriority,
  keepId?: string,
) {
  await db
    .update(slaPolicies)
    .set({ isDefault: false, updatedAt: new Date() })
    .where(
      and(
        eq(slaPolicies.organizationId, organizationId),
        eq(slaPolicies.priority, priority),
        eq(slaPolicies.isDefault, true),
        keepId ? ne(slaPolicies.id, keepId) : undefined,
      ),
    );
}

/** Creates a policy; rejects with the unique violation when another default of its priority exists. */
export async function insertSlaPolicy(db: Queryable, organizationId: string, fields: SlaPolicyFields) {
  const [row] = await db
    .insert(slaPolicies)
    .values({ ...fields, organizationId })
    .returning();
  return row!;
}

/** Changes the policy; the row after, or undefined when it is not the organisation's. */
export const updateSlaPolicy = (
  db: Queryable,
  organizationId: string,
  id: string,
  changes: Partial<SlaPolicyFields>,
) => updateRowOfOrganization(db, slaPolicies, organizationId, id, changes);

/** Deletes the policy; the row deleted, or undefined. */
export const deleteSlaPolicy = (db: Queryable, organizationId: string, id: string) =>
  deleteRowOfOrganization(db, slaPolicies, organizationId, id);
