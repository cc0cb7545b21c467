import { relations } from 'drizzle-orm';
import { pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';
import { emailTemplateKindEnum } from './enums.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';
import { users } from './users.js';

/** An organisation's own wording of one of its emails; without a row the default of src/mail/templates.ts applies. */
export const emailTemplates = pgTable(
  'email_templates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    kind: emailTemplateKindEnum('kind').notNull(),
    /** Mustache source of the subject line (rendered to one line). */
    subject: text('subject').notNull(),
    /** Mustache source of the plain-text body. */
    body: text('body').notNull(),
    updatedById: uuid('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('email_templates_org_kind_idx').on(table.organizationId, table.kind),
    ...createTenantPolicies('email_templates'),
  ],
).enableRLS();

export const emailTemplatesRelations = relations(emailTemplates, ({ one }) => ({
  organization: one(organizations, {
    fields: [emailTemplates.organizationId],
    references: [organizations.id],
  }),
}));

export type EmailTemplate = typeof emailTemplates.$inferSelect;
