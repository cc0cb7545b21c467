import { and, eq } from 'drizzle-orm';
import { DEFAULT_SLA_TIMES, type TicketPriority } from '../../workflows/sla-defaults.js';
import type { SlaPolicyContext } from '../../workflows/ticket-state.js';
import type { Queryable } from '../client.js';
import { organizations, slaPolicies } from '../schema/index.js';

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
