import { Type } from 'typebox';
import type { MessageWithSender, TicketWithPeople } from '../../db/queries/ticket-detail.js';
import { COUNT_CAP, COUNT_MODES, TICKET_SORTS } from '../../db/queries/tickets.js';
import {
  CLOCK_OUTCOMES,
  MESSAGE_TYPES,
  TICKET_CHANNELS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  USER_ROLES,
} from '../../domain/vocabulary.js';
import { sanitizeEmailHtml } from '../../ingest/sanitize.js';
import { Nullable, Person, Timestamp, Uuid } from './common.js';

export const TicketStatus = Type.Enum(TICKET_STATUSES);
export const TicketPriority = Type.Enum(TICKET_PRIORITIES);
const Tag = Type.String({ minLength: 1, maxLength: 50 });
export const Tags = Type.Array(Tag, { maxItems: 20 });

// Offset pagination gets slower with depth; past this, narrow the filters instead.
const MAX_PAGE = 500;
const MAX_LIMIT = 100;

const DateTime = Type.String({ format: 'date-time' });

/** The filters and sorting of `GET /tickets`; with `defaults` false, as a saved filter stores them. */
function ticketListFields(defaults: boolean) {
  const withDefault = <T>(value: T) => (defaults ? { default: value } : {});
  return {
    status: Type.Optional(
      Type.Array(TicketStatus, { description: 'Repeat to match several: ?status=open&status=pending' }),
    ),
    priority: Type.Optional(Type.Array(TicketPriority)),
    assigneeId: Type.Optional(Uuid),
    unassigned: Type.Optional(Type.Boolean()),
    customerId: Type.Optional(Uuid),
    mailboxId: Type.Optional(
      Type.String({ format: 'uuid', description: 'Tickets whose conversation came in through this mailbox' }),
    ),
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    categoryId: Type.Optional(
      Type.String({ format: 'uuid', description: 'This category or one of its subcategories' }),
    ),
    search: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Substring of title or description' }),
    ),
    dateFrom: Type.Optional(DateTime),
    dateTo: Type.Optional(DateTime),
    slaBreached: Type.Optional(Type.Boolean()),
    slaDueBefore: Type.Optional(DateTime),
    sort: Type.Optional(Type.Enum(TICKET_SORTS, withDefault('created'))),
    order: Type.Optional(Type.Enum(['asc', 'desc'], withDefault('desc'))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, ...withDefault(20) })),
  };
}

export const TicketListQuery = Type.Object(
  {
    ...ticketListFields(true),
    // Not a saved filter's field: it names one ticket (the merge picker's "#12").
    number: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The ticket of this number (#N)' }),
    ),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1 })),
    cursor: Type.Optional(
      Type.String({
        maxLength: 512,
        description:
          'Keyset pagination, fast at any depth: empty (`cursor=`) for the first page, then the previous ' +
          'answer’s `pagination.nextCursor`, with the same filters, sort and order; `page` is then ignored',
      }),
    ),
    count: Type.Optional(
      Type.Enum(COUNT_MODES, {
        description:
          `How to count the matches: \`exact\`, \`capped\` (at most ${COUNT_CAP.toLocaleString('en')}; ` +
          '`totalCapped` says there are more) or `none`. Default: exact with page numbers, capped with a cursor',
      }),
    ),
    savedFilter: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          'Apply a saved filter (GET /saved-filters); the other parameters given override its values',
      }),
    ),
  },
  { additionalProperties: false },
);

/** What a saved filter stores: `GET /tickets` parameters, without page or another saved filter. */
export const SavedTicketQuery = Type.Object(ticketListFields(false), {
  additionalProperties: false,
  description: 'GET /tickets parameters (as JSON: arrays for status and priority)',
});

export const TicketPaginationView = Type.Object({
  page: Type.Optional(Type.Integer({ description: 'Absent with a cursor' })),
  limit: Type.Integer(),
  total: Type.Optional(Type.Integer({ description: 'Absent with count=none' })),
  totalPages: Type.Optional(Type.Integer()),
  totalCapped: Type.Optional(
    Type.Boolean({ description: 'With count=capped: there are more matches than `total` (show "10,000+")' }),
  ),
  nextCursor: Type.Optional(
    Nullable(
      Type.String({ description: 'With a cursor: pass it as `cursor` for the next page; null on the last' }),
    ),
  ),
});

const Assignee = Type.Object({ id: Uuid, name: Type.String() });

export const TicketView = Type.Object({
  id: Uuid,
  ticketNumber: Type.Integer(),
  title: Type.String(),
  status: TicketStatus,
  priority: TicketPriority,
  channel: Type.Enum(TICKET_CHANNELS),
  tags: Type.Array(Type.String()),
  categoryId: Nullable(Uuid),
  customer: Person,
  assignee: Nullable(Assignee),
  slaDeadline: Nullable(Timestamp),
  slaBreachedAt: Nullable(Timestamp),
  firstResponseAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  resolvedAt: Nullable(Timestamp),
  closedAt: Nullable(Timestamp),
  lastMessageAt: Nullable(
    Type.Unsafe<Date>({
      ...Timestamp,
      description: 'The latest reply, the customer’s or an agent’s (not internal notes); null before any',
    }),
  ),
});

type TicketRow = Pick<
  TicketWithPeople,
  | 'id'
  | 'ticketNumber'
  | 'title'
  | 'status'
  | 'priority'
  | 'channel'
  | 'tags'
  | 'categoryId'
  | 'slaDeadline'
  | 'slaBreached'
  | 'firstResponseAt'
  | 'createdAt'
  | 'updatedAt'
  | 'resolvedAt'
  | 'closedAt'
  | 'lastMessageAt'
> & {
  customer: { id: string; name: string; email: string };
  assignee: { id: string; name: string } | null;
};

export function ticketView(t: TicketRow) {
  return {
    id: t.id,
    ticketNumber: t.ticketNumber,
    title: t.title,
    status: t.status,
    priority: t.priority,
    channel: t.channel,
    tags: t.tags ?? [],
    categoryId: t.categoryId,
    customer: t.customer,
    assignee: t.assignee,
    slaDeadline: t.slaDeadline,
    slaBreachedAt: t.slaBreached,
    firstResponseAt: t.firstResponseAt,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    resolvedAt: t.resolvedAt,
    closedAt: t.closedAt,
    lastMessageAt: t.lastMessageAt,
  };
}

const AttachmentView = Type.Object({
  id: Type.String(),
  filename: Type.String(),
  mimeType: Type.String(),
  size: Type.Integer(),
  url: Type.String({ description: 'Download link (GET /attachments/{id})' }),
});

export const MessageView = Type.Object({
  id: Uuid,
  type: Type.Enum(MESSAGE_TYPES),
  internal: Type.Boolean({ description: 'An internal note: never shown or emailed to the customer' }),
  sender: Nullable(
    Type.Object({
      ...Person.properties,
      role: Type.Union([Type.Enum(USER_ROLES), Type.Null()], {
        description:
          'The sender’s role in the organisation: customer for the ticket’s customer and its followers, ' +
          'agent/admin/owner for staff; null when they are no longer a member',
      }),
    }),
  ),
  content: Type.String({ description: 'Plain text; escape it before rendering' }),
  contentHtml: Nullable(Type.String({ description: 'Sanitised HTML, safe to render' })),
  attachments: Type.Array(AttachmentView),
  createdAt: Timestamp,
});

export function messageView(
  m: Pick<
    MessageWithSender,
    'id' | 'type' | 'sender' | 'content' | 'contentHtml' | 'attachments' | 'createdAt'
  >,
) {
  return {
    id: m.id,
    type: m.type,
    internal: m.type === 'internal_note',
    sender: m.sender,
    content: m.content,
    // Sanitised at ingest already; sanitising again here means no writer can ever hand raw HTML to agents.
    contentHtml: m.contentHtml === null ? null : sanitizeEmailHtml(m.contentHtml),
    attachments: (m.attachments ?? []).map((a) => ({
      id: a.id,
      filename: a.filename,
      mimeType: a.mimeType,
      size: a.size,
      // The storage location stays private: files are fetched through the API, under its access checks.
      url: `/attachments/${encodeURIComponent(a.id)}`,
    })),
    createdAt: m.createdAt,
  };
}

const ClockView = Type.Object({
  outcome: Type.Enum(CLOCK_OUTCOMES),
  paused: Type.Boolean(),
  deadline: Nullable(Type.String({ format: 'date-time' })),
  remainingMinutes: Type.Number({ description: 'Business minutes left; negative when overdue' }),
  budgetMinutes: Type.Number(),
});

export const SlaView = Type.Object(
  {
    status: TicketStatus,
    priority: TicketPriority,
    businessHours: Type.Boolean(),
    nextDeadline: Nullable(Type.String({ format: 'date-time' })),
    breached: Type.Boolean(),
    clocks: Type.Object({
      first_response: ClockView,
      resolution: ClockView,
      next_response: Nullable(ClockView),
    }),
  },
  { description: 'Live SLA clocks from the ticket’s workflow; null once the ticket is closed' },
);
