import { and, eq } from 'drizzle-orm';
import { DEFAULT_SLA_TIMES, type TicketPriority } from '../../workflows/sla-defaults.js';
import type { SlaPolicyContext } from '../../workflows/ticket-state.js';
import type { Queryable } from '../client.js';
import { type OrganizationSettings, organizations, type SlaPolicy, slaPolicies } from '../schema/index.js';
import { rowOfOrganization } from './scope.js';

const DEFAULT_AUTO_CLOSE_DAYS = 7;

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
