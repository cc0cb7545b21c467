import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { findTicket, recordActivity } from '../db/queries/tickets.js';
import { slaBreaches, tickets } from '../db/schema/index.js';
import type { SlaBreachInput, SlaEventInput } from '../workflows/contracts.js';
import { type ActivityDeps, managerAddresses, senderAddress, ticketFacts } from './context.js';
import { queueEmail } from './outbox.js';
import { escalationMail, type MailContent, type TicketFacts, warningMail } from './templates.js';

async function queueSlaMail(
  tx: Tx,
  deps: ActivityDeps,
  input: SlaEventInput,
  kind: 'escalation' | 'sla_warning',
  recipients: (facts: TicketFacts) => Promise<string[]>,
  content: (facts: TicketFacts) => MailContent,
): Promise<string | null> {
  const ticket = await findTicket(tx, input.organizationId, input.ticketId);
  if (!ticket) return null;
  const facts = await ticketFacts(tx, ticket);
  const to = await recipients(facts);
  if (!to.length) return null;
  const mail = content(facts);
  const queued = await queueEmail(tx, {
    organizationId: input.organizationId,
    ticketId: input.ticketId,
    kind,
    // One mail per ticket, SLA and deadline: a retried activity or a replayed workflow finds this row.
    idempotencyKey: `${kind}:${input.ticketId}:${input.kind}:${Date.parse(input.deadline)}`,
    fromAddress: await senderAddress(tx, input.organizationId, deps.defaultFrom),
    toAddresses: to,
    subject: mail.subject,
    textBody: mail.text,
    headers: mail.headers,
  });
  return queued.id;
}

export function createSlaActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /**
     * Records a breach once (ticket flag, activity row, escalation to the managers) and, when given, the
     * ticket's next deadline: `nextDeadlineStored` tells the workflow it need not store it itself.
     */
    async recordSlaBreach(
      input: SlaBreachInput,
    ): Promise<{ outboundId: string | null; nextDeadlineStored?: boolean }> {
      return db.withTenant({ organizationId: input.organizationId }, async (tx) => {
        const deadline = new Date(input.deadline);
        const detectedAt = new Date(input.detectedAt);
        const [inserted] = await tx
          .insert(slaBreaches)
          .values({
            organizationId: input.organizationId,
            ticketId: input.ticketId,
            kind: input.kind,
            deadline,
            detectedAt,
          })
          .onConflictDoNothing({ target: [slaBreaches.ticketId, slaBreaches.kind, slaBreaches.deadline] })
          .returning({ id: slaBreaches.id });
        const lateByMs = Math.max(0, detectedAt.getTime() - deadline.getTime());
        const storesDeadline = input.nextDeadline !== undefined;
        if (inserted || storesDeadline) {
          await tx
            .update(tickets)
            .set({
              ...(inserted
                ? { slaBreached: sql`coalesce(${tickets.slaBreached}, ${input.detectedAt}::timestamptz)` }
                : {}),
              ...(storesDeadline
                ? { slaDeadline: input.nextDeadline ? new Date(input.nextDeadline) : null }
                : {}),
            })
            .where(and(eq(tickets.id, input.ticketId), eq(tickets.organizationId, input.organizationId)));
        }
        if (inserted) {
          await recordActivity(tx, input.ticketId, null, 'sla_breached', {
            slaKind: input.kind,
            slaDeadline: input.deadline,
            lateByMs,
          });
        }
        const outboundId = await queueSlaMail(
          tx,
          deps,
          input,
          'escalation',
          () => managerAddresses(tx, input.organizationId),
          (facts) => escalationMail(facts, input.kind, deadline, lateByMs),
        );
        return { outboundId, ...(storesDeadline ? { nextDeadlineStored: true } : {}) };
      });
    },

    /** Warns the assignee and the managers once before a deadline. */
    async recordSlaWarning(input: SlaEventInput): Promise<{ outboundId: string | null }> {
      return db.withTenant({ organizationId: input.organizationId }, async (tx) => {
        const deadline = new Date(input.deadline);
        const outboundId = await queueSlaMail(
          tx,
          deps,
          input,
          'sla_warning',
          async (facts) => [
            ...new Set([
              ...(facts.assignee ? [facts.assignee.email] : []),
              ...(await managerAddresses(tx, input.organizationId)),
            ]),
          ],
          (facts) =>
            warningMail(facts, input.kind, deadline, deadline.getTime() - Date.parse(input.detectedAt)),
        );
        return { outboundId };
      });
    },

    async setSlaDeadline(input: {
      ticketId: string;
      organizationId: string;
      deadline: string | null;
    }): Promise<void> {
      await db.withTenant({ organizationId: input.organizationId }, (tx) =>
        tx
          .update(tickets)
          .set({ slaDeadline: input.deadline ? new Date(input.deadline) : null })
          .where(and(eq(tickets.id, input.ticketId), eq(tickets.organizationId, input.organizationId))),
      );
    },
  };
}
