// The organisation's own wordings of its emails (src/mail/templates.ts has the defaults).
import { and, eq } from 'drizzle-orm';
import type { TemplateText } from '../../domain/mail-facts.js';
import type { EmailTemplateKind } from '../../domain/vocabulary.js';
import type { Queryable } from '../client.js';
import { type EmailTemplate, emailTemplates } from '../schema/index.js';

/** The organisation's wording of `kind`, or null when it sends the default. */
export async function findEmailTemplate(
  db: Queryable,
  organizationId: string,
  kind: EmailTemplateKind,
): Promise<EmailTemplate | null> {
  const [row] = await db
    .select()
    .from(emailTemplates)
    .where(and(eq(emailTemplates.organizationId, organizationId), eq(emailTemplates.kind, kind)));
  return row ?? null;
}

/** Every wording the organisation changed. */
export function listEmailTemplates(db: Queryable, organizationId: string) {
  return db.select().from(emailTemplates).where(eq(emailTemplates.organizationId, organizationId));
}

/** Stores the organisation's wording of `kind` (replacing an earlier one). */
export async function saveEmailTemplate(
  db: Queryable,
  organizationId: string,
  kind: EmailTemplateKind,
  text: TemplateText,
  updatedById: string | null,
) {
  const [row] = await db
    .insert(emailTemplates)
    .values({ organizationId, kind, ...text, updatedById })
    .onConflictDoUpdate({
      target: [emailTemplates.organizationId, emailTemplates.kind],
      set: { ...text, updatedById, updatedAt: new Date() },
    })
    .returning();
  return row!;
}

/** Goes back to the default wording; false when the organisation had none of its own. */
export async function deleteEmailTemplate(
  db: Queryable,
  organizationId: string,
  kind: EmailTemplateKind,
): Promise<boolean> {
  const rows = await db
    .delete(emailTemplates)
    .where(and(eq(emailTemplates.organizationId, organizationId), eq(emailTemplates.kind, kind)))
    .returning({ id: emailTemplates.id });
  return rows.length > 0;
}
