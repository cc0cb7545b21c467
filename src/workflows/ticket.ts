import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { closedRefusal } from '../domain/ticket-rules.js';
import type {
  AgentReplyInput,
  AgentReplyResult,
  ChangeResult,
  CustomerMessageInput,
  EscalationDigestInput,
  MergeInput,
  MergeResult,
  OpenTicketInput,
  SplitInput,
  SplitResult,
  TicketChanges,
  TicketSummary,
} from './contracts.js';
import { escalationDigestWorkflow, escalationDigestWorkflowId } from './escalation-digest.js';
import { MAIL_DELIVERY } from './mail-options.js';
import {
  applyAgentReply,
  applyCustomerMessage,
  applyMessageMoved,
  applyPolicy,
  applyStatus,
  type DueEvent,
  dueEvents,
  hasWorkLeft,
  initialSlaState,
  markBreached,
  markSurveySent,
  markWarned,
  nextDeadline,
  nextWakeUp,
  scheduleSurvey,
  type TicketSlaState,
  transitionError,
} from './ticket-state.js';

/** One workflow per ticket: `ticket-<ticket id>`. */
export const ticketWorkflowId = (ticketId: string) => `ticket-${ticketId}`;

/** Resolves once the ticket row exists (callers that opened a ticket wait on it for the number). */
export const ticketOpenedUpdate = defineUpdate<TicketSummary>('ticketOpened');
export const agentReplyUpdate = defineUpdate<AgentReplyResult, [AgentReplyInput]>('agentReply');
export const changeTicketUpdate = defineUpdate<ChangeResult, [TicketChanges]>('changeTicket');
/** Moves the conversation into another ticket and closes this one; its workflow then ends. */
export const mergeTicketUpdate = defineUpdate<MergeResult, [MergeInput]>('mergeTicket');
/** Moves one message into a new ticket, whose own workflow this one starts; this ticket stays open. */
export const splitMessageUpdate = defineUpdate<SplitResult, [SplitInput]>('splitMessage');
/** A customer's message (email reply, web form); durable once accepted, so ingest may acknowledge it. */
export const customerMessageSignal = defineSignal<[CustomerMessageInput]>('customerMessage');
export const slaStateQuery = defineQuery<TicketSlaState | null>('slaState');

export interface TicketWorkflowArgs {
  open: OpenTicketInput;
  /** State carried over by continue-as-new. */
  carried?: { state: TicketSlaState; summary: TicketSummary; storedDeadline: number | null };
  /** Continue as new past this many history events (the server may suggest it earlier). */
  historyLimit?: number;
}

// Database writes are short: as local activities they run inside the workflow task, which saves the
// server a schedule/complete round trip per write (the SLA benchmark's breach throughput doubled).
const tickets = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
const mail = proxyActivities<Activities>(MAIL_DELIVERY);

export async function ticketWorkflow(args: TicketWorkflowArgs): Promise<TicketSummary> {
  const { ticketId, organizationId } = args.open;
  let state: TicketSlaState | null = args.carried?.state ?? null;
  let summary: TicketSummary | null = args.carried?.summary ?? null;
  let storedDeadline = args.carried?.storedDeadline ?? null;
  /** Bumped by every event, so the main loop re-plans its timer. */
  let version = 0;

  // Events change the ticket one at a time, in the order they arrived.
  let tail: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
  // Mail goes out in the background: an SMTP outage must not hold up the agent's request.
  const deliveries = new Set<Promise<void>>();
  const deliver = (outboundId: string | null | undefined) => {
    if (!outboundId) return;
    const delivery: Promise<void> = mail
      .deliverEmail({ outboundId, organizationId })
      // Only a permanent failure ends up here; the outbox row keeps the reason for the agents.
      .catch((error) => log.warn('email not delivered', { outboundId, error: String(error) }))
      .finally(() => deliveries.delete(delivery));
    deliveries.add(delivery);
  };
  // Agents' notifications: absent from results recorded before there were any, so old histories replay.
  const deliverAll = (outboundIds: string[] | undefined) => {
    for (const outboundId of outboundIds ?? []) deliver(outboundId);
  };
  // The digest outlives this ticket's workflow (closed, continued as new): it is the window's, not the ticket's.
  const startDigest = async (digest: EscalationDigestInput) => {
    try {
      await startChild(escalationDigestWorkflow, {
        workflowId: escalationDigestWorkflowId(digest.escalationId),
        args: [digest],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  };
  const opened = () => condition(() => state !== null);
  const current = () => state as TicketSlaState;

  setHandler(slaStateQuery, () => state);
  setHandler(ticketOpenedUpdate, async () => {
    await opened();
    return summary as TicketSummary;
  });

  // A closing ticket still runs until its last emails are out; nothing may change it meanwhile.
  const closedError = () => closedRefusal(state?.status);
  const validateOpen = (..._args: unknown[]) => {
    const error = closedError();
    if (error) throw new Error(error);
  };
  /** Inside a handler (a queued change may have closed the ticket since the validator ran). */
  const refuseIfClosed = () => {
    const error = closedError();
    if (error)
      throw ApplicationFailure.create({ message: error, type: 'InvalidRequest', nonRetryable: true });
  };

  setHandler(
    agentReplyUpdate,
    async (input) => {
      await opened();
      return serialized(async () => {
        refuseIfClosed();
        // The update id doubles as the idempotency key of the email: a retried request sends nothing twice.
        const updateId = currentUpdateInfo()!.id;
        const result = await tickets.addAgentMessage({
          ticketId,
          organizationId,
          idempotencyKey: updateId,
          ...input,
        });
        deliver(result.outboundId);
        deliverAll(result.notificationIds);
        if (!input.internal) state = applyAgentReply(current(), Date.now());
        version++;
        return { messageId: result.messageId, emailMessageId: result.emailMessageId };
      });
    },
    { validator: validateOpen },
  );

  setHandler(
    changeTicketUpdate,
    async (changes) => {
      await opened();
      return serialized(async () => {
        refuseIfClosed();
        const { notificationIds, customerNoticeId, ...result } = await tickets.applyTicketChanges({
          ticketId,
          organizationId,
          changes,
        });
        deliverAll(notificationIds);
        deliver(customerNoticeId);
        const now = Date.now();
        let next = current();
        if (result.policy) next = applyPolicy(next, result.priority, result.policy);
        if (result.status !== next.status) next = applyStatus(next, result.status, now);
        if (result.surveyDelayMinutes !== undefined)
          next = scheduleSurvey(next, now, result.surveyDelayMinutes);
        state = next;
        summary = {
          ticketId,
          ticketNumber: result.ticketNumber,
          status: result.status,
          priority: result.priority,
        };
        version++;
        return result;
      });
    },
    {
      validator: (changes) => {
        validateOpen();
        if (state && changes.status) {
          const error = transitionError(state.status, changes.status);
          if (error) throw new Error(error);
        }
      },
    },
  );

  setHandler(
    mergeTicketUpdate,
    async (input) => {
      await opened();
      return serialized(async () => {
        refuseIfClosed();
        const result = await tickets.mergeTicket({ ticketId, organizationId, ...input });
        // Closed like any other closing: the clocks stop and the workflow ends once its mail is out.
        state = applyStatus(current(), 'closed', Date.now());
        summary = { ...(summary as TicketSummary), status: 'closed' };
        version++;
        return result;
      });
    },
    { validator: validateOpen },
  );

  // The new ticket's workflow, started like any ticket's (its row exists: opening it finds it); it outlives this one.
  const startTicket = async (open: OpenTicketInput) => {
    try {
      await startChild(ticketWorkflow, {
        workflowId: ticketWorkflowId(open.ticketId),
        args: [{ open }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  };

  setHandler(
    splitMessageUpdate,
    async (input) => {
      await opened();
      return serialized(async () => {
        refuseIfClosed();
        const { opening, nextResponse, ticket } = await tickets.splitMessage({
          ticketId,
          organizationId,
          ...input,
        });
        await startTicket(opening);
        if (nextResponse) state = applyMessageMoved(current(), nextResponse, Date.now());
        version++;
        return { ticket };
      });
    },
    { validator: validateOpen },
  );

  setHandler(customerMessageSignal, async (input) => {
    await opened();
    await serialized(async () => {
      const { duplicate, notificationIds } = await tickets.addCustomerMessage({
        ticketId,
        organizationId,
        message: input,
      });
      deliverAll(notificationIds);
      const status = current().status;
      // The customer answering a resolved or pending ticket puts it back in the agents' queue.
      if (!duplicate && (status === 'resolved' || status === 'pending')) {
        const result = await tickets.applyTicketChanges({
          ticketId,
          organizationId,
          changes: { actorId: input.senderId, status: 'open', reason: 'customer replied' },
        });
        state = applyStatus(current(), result.status, Date.now());
        summary = { ...(summary as TicketSummary), status: result.status };
      }
      if (!duplicate) state = applyCustomerMessage(current(), Date.now());
      version++;
    });
  });

  if (!state) {
    // The clocks start on the workflow's time, which is also what its timers measure.
    const ticket = await tickets.openTicket({ createdAt: new Date(Date.now()).toISOString(), ...args.open });
    state = initialSlaState(ticket.createdAt, ticket.status, ticket.priority, ticket.policy);
    summary = {
      ticketId,
      ticketNumber: ticket.ticketNumber,
      status: ticket.status,
      priority: ticket.priority,
    };
    deliver(ticket.acknowledgementId);
    deliverAll(ticket.notificationIds);
    // Stored with the ticket; a history recorded before openTicket did that stores it below, as it did then.
    if (ticket.slaDeadline !== undefined) storedDeadline = ticket.slaDeadline;
  }

  const handleDue = async (event: DueEvent) => {
    const now = Date.now();
    if (event.type === 'auto_close') {
      const days = current().policy.autoCloseAfterDays;
      const result = await tickets.applyTicketChanges({
        ticketId,
        organizationId,
        changes: { actorId: null, status: 'closed', reason: `no reply from the customer for ${days} days` },
      });
      state = applyStatus(current(), result.status, now);
      summary = { ...(summary as TicketSummary), status: result.status };
      return;
    }
    if (event.type === 'survey') {
      const dueAt = new Date(event.at).toISOString();
      deliver((await tickets.sendSatisfactionSurvey({ ticketId, organizationId, dueAt })).outboundId);
      state = markSurveySent(current());
      return;
    }
    const input = {
      ticketId,
      organizationId,
      kind: event.kind,
      deadline: new Date(event.deadline).toISOString(),
      detectedAt: new Date(now).toISOString(),
    };
    if (event.type === 'breach') {
      const breached = markBreached(current(), event.kind, now);
      const after = nextDeadline(breached);
      const recorded = await tickets.recordSlaBreach({
        ...input,
        nextDeadline: after === null ? null : new Date(after).toISOString(),
      });
      deliver(recorded.outboundId);
      if (recorded.digest) await startDigest({ organizationId, ...recorded.digest });
      state = breached;
      // As with openTicket: histories from before recordSlaBreach stored the deadline store it below.
      if (recorded.nextDeadlineStored) storedDeadline = after;
    } else {
      deliver((await tickets.recordSlaWarning(input)).outboundId);
      state = markWarned(current(), event.kind);
    }
  };

  const historyLimit = args.historyLimit ?? 2_000;
  while (hasWorkLeft(current())) {
    await serialized(async () => {
      for (const event of dueEvents(current(), Date.now())) await handleDue(event);
      const deadline = nextDeadline(current());
      if (deadline !== storedDeadline) {
        await tickets.setSlaDeadline({
          ticketId,
          organizationId,
          deadline: deadline === null ? null : new Date(deadline).toISOString(),
        });
        storedDeadline = deadline;
      }
    });
    if (!hasWorkLeft(current())) break;

    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > historyLimit) {
      await condition(allHandlersFinished);
      await Promise.all(deliveries);
      return continueAsNew<typeof ticketWorkflow>({
        ...args,
        carried: { state: current(), summary: summary as TicketSummary, storedDeadline },
      });
    }

    const seen = version;
    const wake = nextWakeUp(current());
    if (wake === null) await condition(() => version !== seen);
    else await condition(() => version !== seen, Math.max(1, wake - Date.now()));
  }

  await condition(allHandlersFinished);
  await Promise.all(deliveries);
  return summary as TicketSummary;
}
