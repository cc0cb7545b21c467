import type { Queryable } from '../client.js';
import { inboundEmails } from '../schema/index.js';
import { countEmail } from './subscriptions.js';

/**
 * Adds an email to the organisation's ledger and counts it in the month's usage, both only the first
 * time its message key is seen (a redelivered email or a retried write changes nothing).
 */
export async function recordInboundEmail(
  db: Queryable,
  values: typeof inboundEmails.$inferInsert,
): Promise<void> {
  const [inserted] = await db
    .insert(inboundEmails)
    .values(values)
    .onConflictDoNothing({ target: [inboundEmails.organizationId, inboundEmails.messageKey] })
    .returning({ id: inboundEmails.id });
  if (inserted) await countEmail(db, values.organizationId, 'inbound');
}
