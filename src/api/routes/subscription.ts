import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { getSubscriptionOverview } from '../../db/queries/subscriptions.js';
import { authErrors, errors, Nullable } from '../schemas/common.js';

const Limit = Nullable(Type.Integer({ minimum: 0, description: 'null: unlimited' }));
const Count = Type.Integer({ minimum: 0 });
const Day = Type.String({ format: 'date' });

const Subscription = Type.Object({
  plan: Type.Object({
    id: Type.String(),
    name: Type.String(),
    priceCentsPerMonth: Count,
    limits: Type.Object({ agents: Limit, mailboxes: Limit, ticketsPerMonth: Limit }),
  }),
  period: Type.Object(
    { start: Day, end: Day },
    { description: 'The current calendar month (UTC); end is exclusive' },
  ),
  usage: Type.Object({
    agents: Type.Integer({ description: 'Agents, admins and owners now' }),
    mailboxes: Type.Integer({ description: 'Mailboxes now' }),
    ticketsCreated: Type.Integer({ description: 'Tickets created this period, by any channel' }),
    ticketsOverLimit: Type.Integer({
      description: 'Of those, created beyond the monthly limit (email is never refused)',
    }),
    inboundEmails: Type.Integer({ description: 'Emails received this period' }),
    outboundEmails: Type.Integer({ description: 'Emails sent this period' }),
  }),
});

export const subscriptionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/subscription',
    {
      schema: {
        tags: ['subscription'],
        summary: 'The organisation’s plan, its limits and this month’s usage',
        description:
          'Plans change through the operator CLI (`set-plan`). Over a limit, new agents, mailboxes and ' +
          'agent-created tickets answer 402 `plan_limit_exceeded`.',
        response: { 200: Subscription, ...errors(...authErrors) },
      },
    },
    async (request) =>
      request.inTenant((tx) => getSubscriptionOverview(tx, request.principal.organizationId)),
  );
};
