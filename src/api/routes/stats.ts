import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { getSatisfactionStats } from '../../db/queries/csat.js';
import { getCategoryStats, getPeriodStats } from '../../db/queries/stats.js';
import { getTicketStats } from '../../db/queries/tickets.js';
import { DAY_MS, SLA_KINDS, TICKET_PRIORITIES, TICKET_STATUSES } from '../../domain/vocabulary.js';
import { invalidInput } from '../errors.js';
import { authErrors, errors, Nullable, Uuid } from '../schemas/common.js';

const DEFAULT_PERIOD_DAYS = 30;
const STATUSES = TICKET_STATUSES;
const PRIORITIES = TICKET_PRIORITIES;

/** One entry per key, so every status, priority and SLA kind is present, zero or not. */
function recordOf<K extends string, V>(keys: readonly K[], value: (key: K) => V): Record<K, V> {
  return Object.fromEntries(keys.map((k) => [k, value(k)])) as Record<K, V>;
}

const Count = Type.Integer({ minimum: 0 });
const StatusCounts = Type.Object({
  total: Count,
  byPriority: Type.Object(recordOf(PRIORITIES, () => Count)),
});
const Duration = Type.Object({
  medianMinutes: Nullable(Type.Number()),
  tickets: Type.Integer({ description: 'How many tickets the median is taken over' }),
});

const Stats = Type.Object({
  period: Type.Object({
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
  }),
  byStatus: Type.Object(
    recordOf(STATUSES, () => StatusCounts),
    {
      description: 'Live tickets now, by status and priority',
    },
  ),
  breached: Type.Object({
    openTickets: Type.Integer({ description: 'Breached tickets not yet resolved or closed' }),
    inPeriod: Type.Object(
      recordOf(SLA_KINDS, () => Count),
      { description: 'Breaches detected in the period' },
    ),
  }),
  firstResponse: Duration,
  resolution: Duration,
  satisfaction: Type.Object(
    {
      surveysSent: Count,
      responses: Count,
      averageRating: Nullable(Type.Number({ minimum: 1, maximum: 5 })),
      scorePercent: Nullable(
        Type.Number({ minimum: 0, maximum: 100, description: 'Share of answers rating 4 or 5' }),
      ),
    },
    { description: 'Satisfaction surveys sent and answered in the period (CSAT)' },
  ),
  byCategory: Type.Array(
    Type.Object({
      categoryId: Nullable(Uuid),
      name: Nullable(Type.String()),
      parentId: Nullable(Uuid),
      total: Count,
    }),
    {
      description:
        'Live tickets now, per category (each category, by name, then null for uncategorised); a parent’s count excludes its subcategories’',
    },
  ),
});

export const statsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/stats',
    {
      schema: {
        tags: ['stats'],
        summary: 'Ticket counts, SLA breaches, median response and resolution times, CSAT',
        description: `The period defaults to the last ${DEFAULT_PERIOD_DAYS} days.`,
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Stats, ...errors(...authErrors) },
      },
    },
    async (request) => {
      const to = request.query.to ? new Date(request.query.to) : new Date();
      const from = request.query.from
        ? new Date(request.query.from)
        : new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
      if (from >= to) throw invalidInput([{ field: 'querystring.from', message: 'must be before to' }]);
      const { organizationId } = request.principal;
      const { counts, period, byCategory, satisfaction } = await request.inTenant(async (tx) => ({
        counts: await getTicketStats(tx, organizationId),
        period: await getPeriodStats(tx, organizationId, { from, to }),
        byCategory: await getCategoryStats(tx, organizationId),
        satisfaction: await getSatisfactionStats(tx, organizationId, { from, to }),
      }));
      return {
        period: { from: from.toISOString(), to: to.toISOString() },
        byStatus: recordOf(STATUSES, (status) => ({
          total: counts[status]?.total ?? 0,
          byPriority: recordOf(PRIORITIES, (priority) => counts[status]?.byPriority[priority] ?? 0),
        })),
        breached: {
          openTickets: period.breachedOpenTickets,
          inPeriod: recordOf(SLA_KINDS, (kind) => period.breachesInPeriod[kind] ?? 0),
        },
        firstResponse: period.firstResponse,
        resolution: period.resolution,
        satisfaction,
        byCategory,
      };
    },
  );
};
