import { DEFAULTS } from '../config.js';
import type { Tx } from '../db/client.js';
import { uuidFromName } from '../db/ids.js';
import { findEmailTemplate } from '../db/queries/email-templates.js';
import { fromSender, mailSender } from '../db/queries/mailboxes.js';
import {
  managerAddresses,
  organizationName,
  queueEmail,
  ticketFacts,
  ticketMailContext,
} from '../db/queries/outbound-mail.js';
import { recordBreachOnce, setTicketSlaDeadline } from '../db/queries/sla-breaches.js';
import { escalateBreach, markEscalationWritten, openDigest } from '../db/queries/sla-escalations.js';
import { findTicket } from '../db/queries/tickets.js';
import { queueWebhookEvent } from '../db/queries/webhooks.js';
import {
  escalationDigestMail,
  escalationMail,
  type MailContent,
  type TemplateText,
  type TicketFacts,
  warningMail,
} from '../mail/templates.js';
import type { SlaBreachInput, SlaBreachResult, SlaEventInput } from '../workflows/contracts.js';
import type { ActivityDeps } from './context.js';

/** A digest names this many breaches one by one, then says how many more there were. */
const DIGEST_LISTS_AT_MOST = 200;

async function queueSlaMail(
  tx: Tx,
  deps: ActivityDeps,
  input: SlaEventInput,
  kind: 'escalation' | 'sla_warning',
  recipients: (facts: TicketFacts) => Promise<string[]>,
  content: (facts: TicketFacts, own: TemplateText | null) => MailContent,
): Promise<string | null> {
  const ticket = await findTicket(tx, input.organizationId, input.ticketId);
  if (!ticket) return null;
  const template = kind === 'escalation' ? 'sla_escalation' : 'sla_warning';
  const { sender, facts, own } = await ticketMailContext(tx, ticket, template, deps.defaultFrom);
  const to = await recipients(facts);
  if (!to.length) return null;
  const mail = content(facts, own);
  const queued = await queueEmail(tx, {
    organizationId: input.organizationId,
    ticketId: input.ticketId,
    kind,
    // One mail per ticket, SLA and deadline: a retried activity or a replayed workflow finds this row.
    idempotencyKey: `${kind}:${input.ticketId}:${input.kind}:${Date.parse(input.deadline)}`,
    ...fromSender(sender),
    toAddresses: to,
    subject: mail.subject,
    textBody: mail.text,
    headers: mail.headers,
  });
  return queued.id;
}

export function createSlaActivities(deps: ActivityDeps) {
  const { db } = deps;
  const windowMs = deps.escalationWindowMs ?? DEFAULTS.escalationDigestWindowSeconds * 1000;
  return {
    /**
     * Records a breach once (ticket flag, activity row, escalation to the managers: a mail now, or a place
     * in the window's digest) and, when given, the ticket's next deadline: `nextDeadlineStored` tells the
     * workflow it need not store it itself. `digest` asks the workflow to start the digest's timer.
     */
    async recordSlaBreach(input: SlaBreachInput): Promise<SlaBreachResult> {
      return db.withTenant({ organizationId: input.organizationId }, async (tx) => {
        const deadline = new Date(input.deadline);
        const lateByMs = Math.max(0, new Date(input.detectedAt).getTime() - deadline.getTime());
        const breach = await recordBreachOnce(tx, {
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
        const stored = storesDeadline ? { nextDeadlineStored: true } : {};
        const escalation = await escalateBreach(tx, {
          organizationId: input.organizationId,
          breachId: breach.id,
          detectedAt: new Date(input.detectedAt),
          windowMs,
        });
        if (escalation.send === 'digest') {
          const opens = escalation.opensDigest && !escalation.written;
          const digest = { escalationId: escalation.escalationId, sendsAt: escalation.sendsAt.toISOString() };
          return { outboundId: null, ...stored, ...(opens ? { digest } : {}) };
        }
        const outboundId = await queueSlaMail(
          tx,
          deps,
          input,
          'escalation',
          () => managerAddresses(tx, input.organizationId),
          (facts, own) => escalationMail(facts, input.kind, deadline, lateByMs, own),
        );
        await markEscalationWritten(tx, escalation.escalationId, outboundId);
        return { outboundId, ...stored };
      });
    },

    /** Queues the digest of one window's breaches (once, however often it runs) to the managers. */
    async writeEscalationDigest(input: {
      organizationId: string;
      escalationId: string;
    }): Promise<{ outboundId: string | null }> {
      return db.withTenant({ organizationId: input.organizationId }, async (tx) => {
        const { escalation, items, total } = await openDigest(
          tx,
          input.organizationId,
          input.escalationId,
          DIGEST_LISTS_AT_MOST,
        );
        if (!escalation) return { outboundId: null };
        if (escalation.writtenAt) return { outboundId: escalation.outboundEmailId };
        const to = total ? await managerAddresses(tx, input.organizationId) : [];
        let outboundId: string | null = null;
        if (to.length) {
          const late = (b: { detectedAt: Date; deadline: Date }) =>
            Math.max(0, b.detectedAt.getTime() - b.deadline.getTime());
          const only =
            total === 1 ? await findTicket(tx, input.organizationId, items[0]!.ticketId) : undefined;
          // A window that caught one breach tells of it as the mail about one breach would.
          const mail = only
            ? escalationMail(
                await ticketFacts(tx, only),
                items[0]!.kind,
                items[0]!.deadline,
                late(items[0]!),
                await findEmailTemplate(tx, input.organizationId, 'sla_escalation'),
              )
            : escalationDigestMail(
                await organizationName(tx, input.organizationId),
                items.map((b) => ({ ...b, lateByMs: late(b) })),
                total,
                await findEmailTemplate(tx, input.organizationId, 'escalation_digest'),
              );
          const queued = await queueEmail(tx, {
            organizationId: input.organizationId,
            ticketId: only ? only.id : null,
            kind: 'escalation',
            idempotencyKey: `escalation-digest:${input.escalationId}`,
            ...fromSender(await mailSender(tx, input.organizationId, deps.defaultFrom, null)),
            toAddresses: to,
            subject: mail.subject,
            textBody: mail.text,
            headers: mail.headers,
          });
          outboundId = queued.id;
        }
        await markEscalationWritten(tx, input.escalationId, outboundId);
        return { outboundId };
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
          (facts, own) =>
            warningMail(facts, input.kind, deadline, deadline.getTime() - Date.parse(input.detectedAt), own),
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
