import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { getRatingCounts, getSatisfactionStats } from '../../db/queries/csat.js';
import {
  DURATION_EDGES_MINUTES,
  getCategoryStats,
  getPeriodStats,
  getReport,
} from '../../db/queries/stats.js';
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

const Period = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
});

const SATISFACTION = 'Satisfaction surveys sent and answered in the period (CSAT)';
const Satisfaction = Type.Object(
  {
    surveysSent: Count,
    responses: Count,
    averageRating: Nullable(Type.Number({ minimum: 1, maximum: 5 })),
    scorePercent: Nullable(
      Type.Number({ minimum: 0, maximum: 100, description: 'Share of answers rating 4 or 5' }),
    ),
  },
  { description: SATISFACTION },
);

const Stats = Type.Object({
  period: Period,
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
  satisfaction: Satisfaction,
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

const MAX_REPORT_DAYS = 366;

const Distribution = Type.Object({
  medianMinutes: Nullable(Type.Number()),
  tickets: Count,
  buckets: Type.Array(
    Type.Object({
      fromMinutes: Count,
      toMinutes: Nullable(Type.Integer({ description: 'Exclusive; null for the last, open-ended bucket' })),
      tickets: Count,
    }),
    { description: `Cut at ${DURATION_EDGES_MINUTES.join(', ')} minutes` },
  ),
});

const Report = Type.Object({
  period: Period,
  days: Type.Array(Type.Object({ date: Type.String({ format: 'date' }), opened: Count, resolved: Count }), {
    description: 'Every UTC day of the period, oldest first: tickets created and resolved that day',
  }),
  sla: Type.Array(
    Type.Object({
      priority: Type.Enum(PRIORITIES),
      policy: Nullable(Type.String({ description: 'The default policy of the priority, by name' })),
      met: Count,
      breached: Count,
      running: Type.Integer({ minimum: 0, description: 'Neither breached nor resolved yet' }),
    }),
    { description: 'The SLA outcome of the tickets created in the period, per priority and its policy' },
  ),
  firstResponse: Distribution,
  resolution: Distribution,
  satisfaction: Type.Object(
    {
      ...Satisfaction.properties,
      byRating: Type.Array(
        Type.Object({ rating: Type.Integer({ minimum: 1, maximum: 5 }), answers: Count }),
        {
          description: 'Answers received in the period per rating',
        },
      ),
    },
    { description: SATISFACTION },
  ),
});

/** The report's whole UTC days, `to` included; by default the last 30 days up to today. */
function reportPeriod(query: { from?: string; to?: string }) {
  const today = new Date().toISOString().slice(0, 10);
  const last = new Date(`${query.to ?? today}T00:00:00Z`);
  const first = query.from
    ? new Date(`${query.from}T00:00:00Z`)
    : new Date(last.getTime() - (DEFAULT_PERIOD_DAYS - 1) * DAY_MS);
  if (first > last) throw invalidInput([{ field: 'querystring.from', message: 'must not be after to' }]);
  if ((last.getTime() - first.getTime()) / DAY_MS >= MAX_REPORT_DAYS)
    throw invalidInput([
      { field: 'querystring.from', message: `must be at most ${MAX_REPORT_DAYS} days before to` },
    ]);
  return { from: first, to: new Date(last.getTime() + DAY_MS) };
}

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

  app.get(
    '/stats/report',
    {
      schema: {
        tags: ['stats'],
        summary: 'Per-day volumes, SLA outcomes per policy, time distributions and CSAT, for charts',
        description:
          `Whole UTC days from \`from\` to \`to\`, both included (default: the last ${DEFAULT_PERIOD_DAYS} days ` +
          `up to today), at most ${MAX_REPORT_DAYS} days.`,
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ format: 'date', description: 'First day, YYYY-MM-DD' })),
            to: Type.Optional(Type.String({ format: 'date', description: 'Last day, YYYY-MM-DD' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Report, ...errors(...authErrors) },
      },
    },
    async (request) => {
      const period = reportPeriod(request.query);
      const { organizationId } = request.principal;
      const { report, satisfaction, byRating } = await request.inTenant(async (tx) => ({
        report: await getReport(tx, organizationId, period),
        satisfaction: await getSatisfactionStats(tx, organizationId, period),
        byRating: await getRatingCounts(tx, organizationId, period),
      }));
      return {
        period: { from: period.from.toISOString(), to: period.to.toISOString() },
        ...report,
        satisfaction: { ...satisfaction, byRating },
      };
    },
  );
};
