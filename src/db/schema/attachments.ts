import { relations } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { ticketMessages } from './messages.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';

/**
 * The files of messages. Written in the transaction that writes the message (whose `attachments`
 * jsonb is the same list, for reading a conversation in one query); `GET /attachments/:id` reads
 * this table. Bytes live in Storage under `<organization>/<sha256>`, so identical files of an
 * organisation share one stored copy however many messages carry them.
 */
export const attachments = pgTable(
  'attachments',
  {
    // Derived from the email or upload that carried the file, so a retried write finds its row.
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    messageId: uuid('message_id')
      .notNull()
      .references(() => ticketMessages.id, { onDelete: 'cascade' }),
    filename: text('filename').notNull(),
    mimeType: text('mime_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    sha256: text('sha256').notNull(),
    storageKey: text('storage_key').notNull(),
    /** Content-ID of an inline image, referenced as `cid:` from the HTML body. */
    contentId: text('content_id'),
    inline: boolean('inline').notNull().default(false),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    index('attachments_message_idx').on(table.messageId),
    index('attachments_org_sha256_idx').on(table.organizationId, table.sha256),
    ...createTenantPolicies('attachments'),
  ],
).enableRLS();

export const attachmentsRelations = relations(attachments, ({ one }) => ({
  organization: one(organizations, { fields: [attachments.organizationId], references: [organizations.id] }),
  message: one(ticketMessages, { fields: [attachments.messageId], references: [ticketMessages.id] }),
}));

export type AttachmentRow = typeof attachments.$inferSelect;
export type NewAttachmentRow = typeof attachments.$inferInsert;
