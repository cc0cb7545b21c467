import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import type { Tx } from '../../db/client.js';
import { uuidFromName } from '../../db/ids.js';
import { ensureMember } from '../../db/queries/members.js';
import { findVisibleSavedFilter } from '../../db/queries/saved-filters.js';
import { requirePlanRoom } from '../../db/queries/subscriptions.js';
import { findTicketDetail, findTicketWithPeople } from '../../db/queries/ticket-detail.js';
import { ticketChangeRefusal } from '../../db/queries/ticket-rules.js';
import {
  findTicket,
  InvalidCursorError,
  listTickets,
  SEARCH_RANKED_MATCHES,
  searchTickets,
} from '../../db/queries/tickets.js';
import { describeSla } from '../../workflows/ticket-state.js';
import type { ApiDeps } from '../deps.js';
import { invalidInput, notFound, unprocessable } from '../errors.js';
import { IdempotencyHeaders, requireOpen } from '../route-helpers.js';
import { authErrors, errors, IdParams, Nullable, Timestamp, Uuid } from '../schemas/common.js';
import {
  MessageView,
  messageView,
  type SavedTicketQuery,
  SlaView,
  Tags,
  TicketListQuery,
  TicketPaginationView,
  TicketPriority,
  TicketStatus,
  TicketView,
  ticketView,
} from '../schemas/tickets.js';

const TicketList = Type.Object({ data: Type.Array(TicketView), pagination: TicketPaginationView });

const SearchResults = Type.Object({
  data: Type.Array(
    Type.Object({
      id: Uuid,
      ticketNumber: Type.Integer(),
      title: Type.String(),
      status: TicketStatus,
      priority: TicketPriority,
      createdAt: Timestamp,
      rank: Type.Number(),
      snippet: Type.String({ description: 'Matching words are wrapped in [[ and ]] (plain text, not HTML)' }),
    }),
  ),
});

const ActivityView = Type.Object({
  id: Uuid,
  action: Type.String(),
  user: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
  metadata: Type.Object({}, { additionalProperties: true }),
  createdAt: Timestamp,
});

const TicketDetailView = Type.Object({
  ...TicketView.properties,
  description: Type.String(),
  messages: Type.Array(MessageView),
  activities: Type.Array(ActivityView),
  sla: Nullable(SlaView),
});

const CreateTicketBody = Type.Object(
  {
    customer: Type.Object(
      {
        email: Type.String({ format: 'email', maxLength: 320 }),
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      },
      { additionalProperties: false },
    ),
    title: Type.String({ minLength: 1, maxLength: 255 }),
    description: Type.String({ minLength: 1, maxLength: 50_000 }),
    priority: Type.Optional(Type.Enum(['low', 'medium', 'high', 'urgent'], { default: 'medium' })),
    channel: Type.Optional(Type.Enum(['api', 'web'], { default: 'api' })),
    tags: Type.Optional(Tags),
    assigneeId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

const CreatedTicket = Type.Object({
  id: Uuid,
  ticketNumber: Type.Integer(),
  status: TicketStatus,
  priority: TicketPriority,
  customerId: Uuid,
});

const ChangeTicketBody = Type.Object(
  {
    status: Type.Optional(TicketStatus),
    priority: Type.Optional(TicketPriority),
    tags: Type.Optional(Tags),
    assigneeId: Type.Optional(Nullable(Uuid)),
    categoryId: Type.Optional(Nullable(Uuid)),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'null assigneeId unassigns; null categoryId clears the category',
  },
);

/** The assignee and category checks the workflow's activity makes too, answered as 422 before asking it. */
async function requireUsableChange(
  tx: Tx,
  organizationId: string,
  change: Parameters<typeof ticketChangeRefusal>[2],
) {
  const refusal = await ticketChangeRefusal(tx, organizationId, change);
  if (refusal) throw unprocessable(refusal);
}

// The read routes: everything they read goes through request.inTenant, which checks the bearer token.
const readOnlyInTenant = { tokenCheckedInTransaction: true };

export const ticketRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { tickets }) => {
  app.get(
    '/tickets',
    {
      config: readOnlyInTenant,
      schema: {
        tags: ['tickets'],
        summary: 'List tickets with filters, sorting and pagination (page numbers or a keyset cursor)',
        querystring: TicketListQuery,
        response: { 200: TicketList, ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const { savedFilter, ...given } = request.query;
      const { organizationId, userId } = request.principal;
      const date = (value: string | undefined) => (value === undefined ? undefined : new Date(value));
      const result = await request.inTenant(async (tx) => {
        let q = given;
        if (savedFilter) {
          const saved = await findVisibleSavedFilter(tx, organizationId, userId, savedFilter);
          if (!saved) throw notFound('saved filter');
          // Parameters in the URL win over the filter's; schema defaults (sort, limit, …) do not.
          const inUrl = new Set(new URL(request.url, 'http://localhost').searchParams.keys());
          const explicit = Object.fromEntries(Object.entries(given).filter(([key]) => inUrl.has(key)));
          q = { ...given, ...(saved.query as Static<typeof SavedTicketQuery>), ...explicit };
        }
        return listTickets(tx, {
          ...q,
          organizationId,
          dateFrom: date(q.dateFrom),
          dateTo: date(q.dateTo),
          slaDueBefore: date(q.slaDueBefore),
        }).catch((error) => {
          if (error instanceof InvalidCursorError)
            throw invalidInput([{ field: 'querystring.cursor', message: error.message }]);
          throw error;
        });
      });
      return { data: result.data.map(ticketView), pagination: result.pagination };
    },
  );

  app.get(
    '/tickets/search',
    {
      config: readOnlyInTenant,
      schema: {
        tags: ['tickets'],
        summary: 'Full-text search over titles and descriptions, best match first',
        description:
          `Best first among recent tickets: of the organisation's newest ${SEARCH_RANKED_MATCHES.toLocaleString('en')} ` +
          'tickets matching the words, the most relevant (ts_rank), newest first among equals. An older ' +
          'ticket is found by more specific words.',
        querystring: Type.Object(
          {
            q: Type.String({ minLength: 1, maxLength: 200, description: 'Words, "a phrase", or -excluded' }),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: SearchResults, ...errors(...authErrors) },
      },
    },
    async (request) => {
      const { q, limit } = request.query;
      const data = await request.inTenant((tx) =>
        searchTickets(tx, request.principal.organizationId, q, limit),
      );
      return { data };
    },
  );

  app.get(
    '/tickets/:id',
    {
      config: readOnlyInTenant,
      schema: {
        tags: ['tickets'],
        summary: 'A ticket with its conversation, timeline and live SLA clocks',
        params: IdParams,
        response: { 200: TicketDetailView, ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const ticket = await request.inTenant((tx) =>
        findTicketDetail(tx, request.principal.organizationId, id),
      );
      if (!ticket) throw notFound('ticket');
      const sla = ticket.status === 'closed' ? null : await tickets.slaState(id);
      return {
        ...ticketView(ticket),
        description: ticket.description,
        messages: ticket.messages.map(messageView),
        activities: ticket.activities.map((a) => ({ ...a, metadata: a.metadata ?? {} })),
        sla: sla && describeSla(sla, Date.now()),
      };
    },
  );

  app.post(
    '/tickets',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Open a ticket for a customer (by email) and start its SLA clocks',
        description:
          'The customer is found or created by email and acknowledged by email. With an Idempotency-Key, ' +
          'a repeated request answers with the ticket the first one opened. Over the plan’s tickets per ' +
          'month the request answers 402 (email from customers is never refused).',
        headers: IdempotencyHeaders,
        body: CreateTicketBody,
        response: { 201: CreatedTicket, ...errors(...authErrors, 402, 409, 422) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      const body = request.body;
      const key = request.headers['idempotency-key'];
      const ticketId = key ? uuidFromName('api-ticket', `${organizationId}:${userId}:${key}`) : randomUUID();
      const customer = await request.inTenant(async (tx) => {
        // A repeated request for a ticket that exists already opens nothing new.
        if (!key || !(await findTicket(tx, organizationId, ticketId)))
          await requirePlanRoom(tx, organizationId, 'ticketsPerMonth');
        await requireUsableChange(tx, organizationId, { assigneeId: body.assigneeId });
        const { user } = await ensureMember(tx, organizationId, { ...body.customer, role: 'customer' });
        return user;
      });
      const summary = await tickets.open(
        {
          ticketId,
          organizationId,
          customerId: customer.id,
          title: body.title,
          description: body.description,
          priority: body.priority ?? 'medium',
          channel: body.channel ?? 'api',
          tags: body.tags ?? [],
          assigneeId: body.assigneeId ?? null,
          createdById: userId,
          message: { content: body.description },
          acknowledge: true,
        },
        { waitForTicket: true },
      );
      const { ticketNumber, status, priority } = summary!;
      reply.header('location', `/tickets/${ticketId}`);
      return reply.code(201).send({ id: ticketId, ticketNumber, status, priority, customerId: customer.id });
    },
  );

  app.patch(
    '/tickets/:id',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Change status, priority, tags, assignee or category',
        description:
          'Each change goes through the ticket’s workflow, which moves its SLA clocks and records an ' +
          'activity. A transition the ticket does not allow (e.g. from closed) answers 409.',
        params: IdParams,
        body: ChangeTicketBody,
        response: { 200: TicketView, ...errors(...authErrors, 404, 409, 422) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { organizationId, userId } = request.principal;
      await request.inTenant(async (tx) => {
        requireOpen(await findTicketWithPeople(tx, organizationId, id));
        await requireUsableChange(tx, organizationId, request.body);
      });
      await tickets.change(id, { actorId: userId, ...request.body });
      const ticket = await request.inTenant((tx) => findTicketWithPeople(tx, organizationId, id));
      return ticketView(ticket!);
    },
  );
};
