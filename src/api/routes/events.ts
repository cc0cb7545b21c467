import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { personAsKnownBy } from '../../db/queries/members.js';
import { databaseNow, ticketEventsSince } from '../../db/queries/ticket-events.js';
import { findTicket } from '../../db/queries/tickets.js';
import { notFound } from '../errors.js';
import type { PresenceHub } from '../presence.js';
import { authErrors, errors, IdParams, NoContent } from '../schemas/common.js';

export interface EventStreamOptions {
  presence: PresenceHub;
  /** How often a stream looks for new activities (default 1 s). */
  pollMs?: number;
  /** How long a stream lasts before the browser reconnects (default five minutes). */
  lifetimeMs?: number;
}

// Activities commit a little after their `created_at` (the transaction's start): reading a few
// seconds back, and skipping ids already sent, misses none that commit late.
const OVERLAP_MS = 5_000;
const BATCH = 200;
const KEEPALIVE_MS = 15_000;
// A stream ends after this long and the browser's EventSource reconnects, authenticating again: a
// revoked session or a removed member stops receiving within that time.
const DEFAULT_STREAM_LIFETIME_MS = 5 * 60_000;

const PresenceBody = Type.Object(
  { state: Type.Enum(['viewing', 'typing']) },
  { additionalProperties: false },
);

/**
 * `GET /events`: server-sent events of the caller's organisation — `ticket` (an activity: a message,
 * a status change, an SLA breach…) and `presence` (who views or types in which ticket). Each stream
 * polls `ticket_activities` under `withTenant`, so RLS scopes it exactly as every other read.
 */
export const eventRoutes: FastifyPluginAsyncTypebox<EventStreamOptions> = async (app, options) => {
  const { presence } = options;
  const pollMs = options.pollMs ?? 1_000;
  const lifetimeMs = options.lifetimeMs ?? DEFAULT_STREAM_LIFETIME_MS;
  const streams = new Set<() => void>();
  // Open streams would keep a graceful shutdown waiting: they end first.
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  app.get(
    '/events',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Live changes of the organisation’s tickets and who is viewing them (text/event-stream)',
        description:
          'Events: `ticket` `{ ticketId, ticketNumber, action, userId, at }` for each new activity, and ' +
          '`presence` `{ <ticketId>: [{ userId, name, state }] }` whenever it changes. The stream ends ' +
          'after five minutes; EventSource reconnects by itself.',
        response: {
          // Each server-sent event: its name and its JSON data (a `retry:` line opens the stream).
          200: {
            description: 'A text/event-stream of `ticket` and `presence` events',
            content: {
              'text/event-stream': {
                schema: Type.Object({
                  event: Type.Optional(Type.Enum(['ticket', 'presence'])),
                  data: Type.Optional(Type.String({ description: 'The event as JSON' })),
                  id: Type.Optional(Type.String()),
                  retry: Type.Optional(Type.Integer()),
                }),
              },
            },
          },
          ...errors(...authErrors),
        },
      },
    },
    async (request, reply) => {
      const { organizationId } = request.principal;
      let since = await request.inTenant(databaseNow);
      const sent = new Map<string, number>();
      let lastPresence = '';
      let open = true;
      let wake: () => void = () => {};
      const end = () => {
        open = false;
        wake();
      };
      streams.add(end);
      request.raw.on('close', end);

      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-request-id': request.id,
        'x-accel-buffering': 'no',
      });
      const send = (event: string, data: unknown) =>
        out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      out.write('retry: 2000\n\n');

      const endsAt = Date.now() + lifetimeMs;
      let lastWrite = Date.now();
      try {
        while (open && Date.now() < endsAt) {
          const events = await request.inTenant((tx) =>
            ticketEventsSince(tx, organizationId, new Date(since.getTime() - OVERLAP_MS), BATCH),
          );
          for (const event of events) {
            const at = event.createdAt.getTime();
            if (at > since.getTime()) since = event.createdAt;
            if (sent.has(event.id)) continue;
            sent.set(event.id, at);
            send('ticket', {
              ticketId: event.ticketId,
              ticketNumber: event.ticketNumber,
              action: event.action,
              userId: event.userId,
              at: event.createdAt.toISOString(),
            });
            lastWrite = Date.now();
          }
          for (const [id, at] of sent) if (at < since.getTime() - OVERLAP_MS) sent.delete(id);

          const viewers = JSON.stringify(presence.snapshot(organizationId, Date.now()));
          if (viewers !== lastPresence) {
            out.write(`event: presence\ndata: ${viewers}\n\n`);
            lastPresence = viewers;
            lastWrite = Date.now();
          }
          if (Date.now() - lastWrite > KEEPALIVE_MS) {
            out.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, pollMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      } catch (error) {
        request.log.warn({ err: error }, 'event stream ended by an error');
      } finally {
        streams.delete(end);
        out.end();
      }
    },
  );

  app.put(
    '/tickets/:id/presence',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Tell colleagues you are viewing or typing in this ticket (repeat every 10 s)',
        description: 'Shown in the `presence` events of `GET /events` for 30 s after the last call.',
        params: IdParams,
        body: PresenceBody,
        response: { 204: NoContent, ...errors(...authErrors, 404) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      const person = await request.inTenant(async (tx) => {
        if (!(await findTicket(tx, organizationId, request.params.id))) throw notFound('ticket');
        return personAsKnownBy(tx, organizationId, userId);
      });
      presence.set(
        organizationId,
        request.params.id,
        { userId, name: person?.name ?? 'a colleague', state: request.body.state },
        Date.now(),
      );
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/tickets/:id/presence',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Stop showing you in this ticket',
        params: IdParams,
        response: { 204: NoContent, ...errors(...authErrors, 404) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      await request.inTenant(async (tx) => {
        if (!(await findTicket(tx, organizationId, request.params.id))) throw notFound('ticket');
      });
      presence.leave(organizationId, request.params.id, userId);
      return reply.code(204).send(null);
    },
  );
};
