import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { STAFF_ROLES } from '../../domain/vocabulary.js';
import type { Queryable } from '../client.js';
import {
  mailboxes,
  organizationSubscriptions,
  organizations,
  type SubscriptionPlan,
  subscriptionPlans,
  subscriptionUsage,
  userOrganizations,
} from '../schema/index.js';
import { recordAudit } from './audit-logs.js';

/** The plan of an organisation without a subscription row (createOrganization and the migration add one). */
export const DEFAULT_PLAN_ID = 'free';

/** Members who take a seat: everyone but customers. */
/** Members who take a seat of the plan: everyone who works tickets. */
const SEAT_ROLES = STAFF_ROLES;

export type PlanLimit = 'agents' | 'mailboxes' | 'ticketsPerMonth';

const limitColumn = {
  agents: 'maxAgents',
  mailboxes: 'maxMailboxes',
  ticketsPerMonth: 'maxTicketsPerMonth',
} as const satisfies Record<PlanLimit, keyof SubscriptionPlan>;

/** The plan's figure for a limit; null is unlimited. */
const allowance = (plan: SubscriptionPlan, limit: PlanLimit): number | null => plan[limitColumn[limit]];

const nouns: Record<PlanLimit, [one: string, many: string]> = {
  agents: ['agent', 'agents'],
  mailboxes: ['mailbox', 'mailboxes'],
  ticketsPerMonth: ['ticket per month', 'tickets per month'],
};

function describeLimit(limit: PlanLimit, plan: SubscriptionPlan, allowed: number, current: number): string {
  const allows = `The ${plan.name} plan allows ${allowed} ${nouns[limit][allowed === 1 ? 0 : 1]}`;
  if (limit === 'ticketsPerMonth') return `${allows}; this organisation has created ${current} this month`;
  return `${allows}; this organisation already has ${current}`;
}

/** A write the organisation's plan does not allow; the message names the limit, the plan and the figures. */
export class PlanLimitError extends Error {
  override name = 'PlanLimitError';
  readonly details: { limit: PlanLimit; plan: string; allowed: number; current: number };

  constructor(limit: PlanLimit, plan: SubscriptionPlan, allowed: number, current: number) {
    super(describeLimit(limit, plan, allowed, current));
    this.details = { limit, plan: plan.id, allowed, current };
  }
}

/** `YYYY-MM-01` of the UTC month an instant falls in: the key of that month's usage row. */
function periodStartOf(instant: Date): string {
  return `${instant.toISOString().slice(0, 7)}-01`;
}

/** First day of the month after the period (exclusive end). */
function periodEndOf(periodStart: string): string {
  const start = new Date(`${periodStart}T00:00:00Z`);
  return periodStartOf(new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)));
}

export async function listPlans(db: Queryable): Promise<SubscriptionPlan[]> {
  return db.select().from(subscriptionPlans).orderBy(asc(subscriptionPlans.priceCentsPerMonth));
}

export async function findPlan(db: Queryable, planId: string): Promise<SubscriptionPlan | undefined> {
  const [plan] = await db.select().from(subscriptionPlans).where(eq(subscriptionPlans.id, planId));
  return plan;
}

export async function getOrganizationPlan(db: Queryable, organizationId: string): Promise<SubscriptionPlan> {
  const [subscription] = await db
    .select({ planId: organizationSubscriptions.planId })
    .from(organizationSubscriptions)
    .where(eq(organizationSubscriptions.organizationId, organizationId));
  const planId = subscription?.planId ?? DEFAULT_PLAN_ID;
  const plan = await findPlan(db, planId);
  if (!plan) throw new Error(`subscription plan ${planId} is missing from the catalogue`);
  return plan;
}

async function countSeats(db: Queryable, organizationId: string): Promise<number> {
  return db.$count(
    userOrganizations,
    and(eq(userOrganizations.organizationId, organizationId), inArray(userOrganizations.role, SEAT_ROLES)),
  );
}

async function countMailboxes(db: Queryable, organizationId: string): Promise<number> {
  return db.$count(mailboxes, eq(mailboxes.organizationId, organizationId));
}

async function getUsage(db: Queryable, organizationId: string, periodStart: string) {
  const [usage] = await db
    .select()
    .from(subscriptionUsage)
    .where(
      and(
        eq(subscriptionUsage.organizationId, organizationId),
        eq(subscriptionUsage.periodStart, periodStart),
      ),
    );
  return {
    ticketsCreated: usage?.ticketsCreated ?? 0,
    ticketsOverLimit: usage?.ticketsOverLimit ?? 0,
    inboundEmails: usage?.inboundEmails ?? 0,
    outboundEmails: usage?.outboundEmails ?? 0,
  };
}

const usedOf: Record<PlanLimit, (db: Queryable, organizationId: string) => Promise<number>> = {
  agents: countSeats,
  mailboxes: countMailboxes,
  ticketsPerMonth: async (db, organizationId) =>
    (await getUsage(db, organizationId, periodStartOf(new Date()))).ticketsCreated,
};

/**
 * Refuses with PlanLimitError when the organisation has used up `limit`; call it in the transaction that
 * then adds the seat, mailbox or ticket. A transaction-scoped lock per organisation serialises these
 * checks, so two concurrent additions of seats or mailboxes cannot both take the last one. Tickets are
 * created later by their workflow, outside this transaction: concurrent requests at the boundary can
 * each pass, and the extra tickets are counted in `tickets_over_limit`.
 */
export async function requirePlanRoom(
  db: Queryable,
  organizationId: string,
  limit: PlanLimit,
): Promise<void> {
  await db.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`plan-limits:${organizationId}`}, 0))`,
  );
  const plan = await getOrganizationPlan(db, organizationId);
  const allowed = allowance(plan, limit);
  if (allowed === null) return;
  const used = await usedOf[limit](db, organizationId);
  if (used >= allowed) throw new PlanLimitError(limit, plan, allowed, used);
}

const usageKey = [subscriptionUsage.organizationId, subscriptionUsage.periodStart];

/**
 * Counts a new ticket in the month it was created in, and as over the limit when the plan's monthly
 * allowance was already used. One upsert, so concurrent creations never lose a count; call it in the
 * transaction that inserts the ticket, so a rolled-back or repeated write counts nothing.
 */
export async function countTicketCreated(db: Queryable, organizationId: string, createdAt: Date) {
  const max = (await getOrganizationPlan(db, organizationId)).maxTicketsPerMonth;
  // In the update, column references are the row as it was before this ticket.
  const overLimit =
    max === null
      ? sql`${subscriptionUsage.ticketsOverLimit}`
      : sql`${subscriptionUsage.ticketsOverLimit} + (${subscriptionUsage.ticketsCreated} >= ${max})::int`;
  const [usage] = await db
    .insert(subscriptionUsage)
    .values({
      organizationId,
      periodStart: periodStartOf(createdAt),
      ticketsCreated: 1,
      ticketsOverLimit: max !== null && max < 1 ? 1 : 0,
    })
    .onConflictDoUpdate({
      target: usageKey,
      set: {
        ticketsCreated: sql`${subscriptionUsage.ticketsCreated} + 1`,
        ticketsOverLimit: overLimit,
        updatedAt: new Date(),
      },
    })
    .returning({
      ticketsCreated: subscriptionUsage.ticketsCreated,
      ticketsOverLimit: subscriptionUsage.ticketsOverLimit,
    });
  return usage!;
}

/** Counts one email received or sent this month; call it in the transaction that recorded it, once. */
export async function countEmail(db: Queryable, organizationId: string, direction: 'inbound' | 'outbound') {
  const column = direction === 'inbound' ? 'inboundEmails' : 'outboundEmails';
  await db
    .insert(subscriptionUsage)
    .values({ organizationId, periodStart: periodStartOf(new Date()), [column]: 1 })
    .onConflictDoUpdate({
      target: usageKey,
      set: { [column]: sql`${subscriptionUsage[column]} + 1`, updatedAt: new Date() },
    });
}

/** The organisation's plan, the current month and what it used of it (GET /subscription). */
export async function getSubscriptionOverview(db: Queryable, organizationId: string, now = new Date()) {
  const plan = await getOrganizationPlan(db, organizationId);
  const start = periodStartOf(now);
  return {
    plan: {
      id: plan.id,
      name: plan.name,
      priceCentsPerMonth: plan.priceCentsPerMonth,
      limits: {
        agents: plan.maxAgents,
        mailboxes: plan.maxMailboxes,
        ticketsPerMonth: plan.maxTicketsPerMonth,
      },
    },
    period: { start, end: periodEndOf(start) },
    usage: {
      agents: await countSeats(db, organizationId),
      mailboxes: await countMailboxes(db, organizationId),
      ...(await getUsage(db, organizationId, start)),
    },
  };
}

const planSnapshot = (plan: SubscriptionPlan) => ({
  planId: plan.id,
  maxAgents: plan.maxAgents,
  maxMailboxes: plan.maxMailboxes,
  maxTicketsPerMonth: plan.maxTicketsPerMonth,
});

/**
 * Moves an organisation to another plan (and keeps `organizations.plan`, its display copy, equal) with an
 * audit entry, in one transaction. A plan below current usage is allowed: what exists keeps working, new
 * seats, mailboxes and agent-created tickets are refused. The returned warnings say where usage is over.
 */
export async function changeOrganizationPlan(
  db: Queryable,
  input: { organizationId: string; plan: SubscriptionPlan; actorId: string | null },
): Promise<{ before: SubscriptionPlan; warnings: string[] }> {
  const { organizationId, plan, actorId } = input;
  return db.transaction(async (tx) => {
    const before = await getOrganizationPlan(tx, organizationId);
    await tx
      .insert(organizationSubscriptions)
      .values({ organizationId, planId: plan.id })
      .onConflictDoUpdate({
        target: organizationSubscriptions.organizationId,
        set: { planId: plan.id, updatedAt: new Date() },
      });
    await tx
      .update(organizations)
      .set({ plan: plan.id, updatedAt: new Date() })
      .where(eq(organizations.id, organizationId));
    await recordAudit(tx, {
      organizationId,
      actorId,
      action: 'subscription.plan_changed',
      targetType: 'subscription',
      targetId: organizationId,
      before: planSnapshot(before),
      after: planSnapshot(plan),
    });
    const warnings: string[] = [];
    for (const limit of Object.keys(limitColumn) as PlanLimit[]) {
      const allowed = allowance(plan, limit);
      const used = await usedOf[limit](tx, organizationId);
      if (allowed !== null && used > allowed) warnings.push(describeLimit(limit, plan, allowed, used));
    }
    return { before, warnings };
  });
}
