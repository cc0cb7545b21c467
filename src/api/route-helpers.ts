// What several route files share: the role a route needs, request headers and checks.

import { Type } from 'typebox';
import { closedRefusal } from '../domain/ticket-rules.js';
import type { TicketStatus as Status } from '../domain/vocabulary.js';
import { conflict, notFound } from './errors.js';

/** Route config for what only admins and owners may do (the auth hook enforces `minimumRole`). */
export const adminOnly = { minimumRole: 'admin' } as const;

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Repeating a request with the same key repeats nothing',
    }),
  ),
});

/**
 * The ticket, refused when missing (404) or closed (409). The workflow refuses commands to a closed
 * ticket too, but only once it has finished; until then it would still accept a reply or a change.
 */
export function requireOpen<T extends { status: Status }>(ticket: T | undefined): T {
  if (!ticket) throw notFound('ticket');
  const refusal = closedRefusal(ticket.status);
  if (refusal) throw conflict(refusal);
  return ticket;
}
