import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { CLOSED_TICKET_REFUSAL } from '../domain/ticket-rules.js';
import { innermostCause } from '../errors.js';
import type {
  AgentReplyInput,
  AgentReplyResult,
  ChangeResult,
  CustomerMessageInput,
  MergeInput,
  MergeResult,
  OpenTicketInput,
  SplitInput,
  SplitResult,
  TicketChanges,
  TicketCommands,
  TicketSummary,
} from '../workflows/contracts.js';
import { TicketCommandError } from '../workflows/contracts.js';
import {
  agentReplyUpdate,
  changeTicketUpdate,
  customerMessageSignal,
  mergeTicketUpdate,
  slaStateQuery,
  splitMessageUpdate,
  ticketOpenedUpdate,
  ticketWorkflow,
  ticketWorkflowId,
} from '../workflows/ticket.js';
import type { TicketSlaState } from '../workflows/ticket-state.js';

/** Rejections carry the reason in the failure's cause chain; anything else is an outage, rethrown. */
function refusal(error: unknown): never {
  if (error instanceof WorkflowUpdateFailedError) {
    throw new TicketCommandError((innermostCause(error) as Error).message ?? error.message);
  }
  if (error instanceof WorkflowNotFoundError) throw new TicketCommandError(CLOSED_TICKET_REFUSAL);
  throw error;
}

/**
 * How the API and ingest talk to ticket workflows. Writes that change SLA state go through here, so the
 * workflow's clocks and the database never disagree. The exceptions change no clock and write directly:
 * bounce notes (db/queries/ingest.ts), tag renames and merges (db/queries/tags.ts) and a deleted
 * category cleared from its tickets (the foreign key); see the README's "How it fits together".
 */
export function createTicketCommands(client: Client, taskQueue: string): TicketCommands {
  const handle = (ticketId: string) => client.workflow.getHandle(ticketWorkflowId(ticketId));

  return {
    /**
     * Starts the ticket's workflow (a second start for the same ticket id is a no-op) and, when asked,
     * waits for the ticket row so the caller can show its number.
     */
    async open(input: OpenTicketInput, opts: { waitForTicket: boolean }): Promise<TicketSummary | null> {
      try {
        await client.workflow.start(ticketWorkflow, {
          workflowId: ticketWorkflowId(input.ticketId),
          taskQueue,
          args: [{ open: input }],
          // A ticket id is used once: a redelivered email must not revive a closed ticket's workflow.
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      if (!opts.waitForTicket) return null;
      return handle(input.ticketId).executeUpdate(ticketOpenedUpdate).catch(refusal);
    },

    /** Durable once this resolves: the workflow will store the message even if every process dies now. */
    async customerMessage(ticketId: string, message: CustomerMessageInput): Promise<void> {
      await handle(ticketId).signal(customerMessageSignal, message).catch(refusal);
    },

    /** A reply or internal note; `requestId` makes a retried request a no-op. */
    async agentReply(
      ticketId: string,
      input: AgentReplyInput,
      requestId?: string,
    ): Promise<AgentReplyResult> {
      return handle(ticketId)
        .executeUpdate(agentReplyUpdate, { args: [input], updateId: requestId })
        .catch(refusal);
    },

    async change(ticketId: string, changes: TicketChanges): Promise<ChangeResult> {
      return handle(ticketId)
        .executeUpdate(changeTicketUpdate, { args: [changes] })
        .catch(refusal);
    },

    async merge(ticketId: string, input: MergeInput): Promise<MergeResult> {
      return handle(ticketId)
        .executeUpdate(mergeTicketUpdate, { args: [input] })
        .catch(refusal);
    },

    async split(ticketId: string, input: SplitInput): Promise<SplitResult> {
      return handle(ticketId)
        .executeUpdate(splitMessageUpdate, { args: [input] })
        .catch(refusal);
    },

    /** Whether the ticket's workflow runs: true as soon as it started, before it has written the ticket row. */
    async isRunning(ticketId: string): Promise<boolean> {
      try {
        return (await handle(ticketId).describe()).status.name === 'RUNNING';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },

    /** The live SLA clocks, or null when the ticket has no running workflow (closed). */
    async slaState(ticketId: string): Promise<TicketSlaState | null> {
      try {
        return await handle(ticketId).query(slaStateQuery);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return null;
        throw error;
      }
    },
  };
}
