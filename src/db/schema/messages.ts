import { relations } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { MessageAttachment } from '../../workflows/contracts.js';
import { timestamptz } from './columns.js';
import { messageTypeEnum } from './enums.js';
import { createTicketChildPolicies } from './rls.js';
import { tickets } from './tickets.js';
import { users } from './users.js';

export type Attachment = MessageAttachment;

export const ticketMessages = pgTable(
  'ticket_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    senderId: uuid('sender_id').references(() => users.id),
    /** What agents read: for email, the text without quoted history and signature. */
    content: text('content').notNull(),
    /** The full original text body, kept when `content` was stripped from it. */
    originalContent: text('original_content'),
    /** Sanitised HTML body of an email, safe to render. */
    contentHtml: text('content_html'),
    type: messageTypeEnum('type').notNull().default('reply'),
    attachments: jsonb('attachments').$type<Attachment[]>().default([]),
    /** Message-ID of the inbound or outbound email, for threading replies. */
    emailMessageId: text('email_message_id'),
    isEdited: boolean('is_edited').notNull().default(false),
    editedAt: timestamptz('edited_at'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    index('messages_ticket_created_idx').on(table.ticketId, table.createdAt),
    index('messages_email_id_idx').on(table.emailMessageId),
    // An email (inbound or outbound) is one message of a ticket, however often it is delivered.
    uniqueIndex('messages_ticket_email_id_unique').on(table.ticketId, table.emailMessageId),
    ...createTicketChildPolicies('ticket_messages'),
  ],
).enableRLS();

export const ticketMessagesRelations = relations(ticketMessages, ({ one }) => ({
  ticket: one(tickets, { fields: [ticketMessages.ticketId], references: [tickets.id] }),
  sender: one(users, { fields: [ticketMessages.senderId], references: [users.id] }),
}));

export type TicketMessage = typeof ticketMessages.$inferSelect;
export type NewTicketMessage = typeof ticketMessages.$inferInsert;
