import type { Tx } from '../db/client.js';
import { uuidFromName } from '../db/ids.js';
import { senderAddress } from '../db/queries/mailboxes.js';
import { managerAddresses, queueEmail, ticketFacts } from '../db/queries/outbound-mail.js';
import { recordBreachOnce, setTicketSlaDeadline } from '../db/queries/sla-breaches.js';
import { findTicket } from '../db/queries/tickets.js';
import { queueWebhookEvent } from '../db/queries/webhooks.js';
import { escalationMail, type MailContent, type TicketFacts, warningMail } from '../mail/templates.js';
import type { SlaBreachInput, SlaEventInput } from '../workflows/contracts.js';
import type { ActivityDeps } from './context.js';

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
    fromAddress: await senderAddress(tx, input.organizationId, deps.defaultFrom, ticket.mailboxId),
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
        const lateByMs = Math.max(0, new Date(input.detectedAt).getTime() - deadline.getTime());
        await recordBreachOnce(tx, {
          organizationId: input.organizationId,
          ticketId: input.ticketId,
          kind: input.kind,
          deadline: input.deadline,
          detectedAt: input.detectedAt,
          lateByMs,
        });
        const storesDeadline = input.nextDeadline !== undefined;
        if (storesDeadline) {
          await setTicketSlaDeadline(
            tx,
            input.organizationId,
            input.ticketId,
            input.nextDeadline ? new Date(input.nextDeadline) : null,
          );
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

    /** Warns the assignee and the managers (and the `sla.warning` webhooks) once before a deadline. */
    async recordSlaWarning(input: SlaEventInput): Promise<{ outboundId: string | null }> {
      return db.withTenant({ organizationId: input.organizationId }, async (tx) => {
        const deadline = new Date(input.deadline);
        await queueWebhookEvent(tx, {
          // One event per ticket, SLA and deadline, however often the activity runs.
          eventId: uuidFromName('sla-warning', `${input.ticketId}:${input.kind}:${deadline.getTime()}`),
          type: 'sla.warning',
          ticketId: input.ticketId,
          action: 'sla_warning',
          actorId: null,
          details: { slaKind: input.kind, slaDeadline: input.deadline },
          at: new Date(input.detectedAt),
        });
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
        setTicketSlaDeadline(
          tx,
          input.organizationId,
          input.ticketId,
          input.deadline ? new Date(input.deadline) : null,
        ),
      );
    },
  };
}
