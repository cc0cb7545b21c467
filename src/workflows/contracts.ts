// The data that crosses between the ticket workflow, its activities and its callers (API, ingest).
// Plain JSON only: it is stored in workflow histories.
import type { TicketChannel, TicketPriority } from '../domain/vocabulary.js';
import type { SlaKind, SlaPolicyContext, TicketSlaState, TicketStatus } from './ticket-state.js';

export type { TicketChannel };

/** An attachment as stored in `ticket_messages.attachments` (the one definition; the schema reuses it). */
export interface MessageAttachment {
  id: string;
  filename: string;
  url: string;
  mimeType: string;
  size: number;
  /** Key of the bytes in Storage; `url` is used as the key when absent. */
  storageKey?: string;
  /** Content-ID (no angle brackets) of an inline image, referenced as `cid:<contentId>` in the HTML. */
  contentId?: string;
  /** Shown inside the HTML body (inline image) rather than listed as a file. */
  inline?: boolean;
}

export interface IncomingMessage {
  /** Shown to agents: for email, the text with quoted history and signature stripped. */
  content: string;
  /** The whole original text body, when it differs from `content`. */
  originalContent?: string | null;
  /** Sanitised HTML body, when the email had one. */
  contentHtml?: string | null;
  /** Message-ID of the email (threading and idempotency key). */
  emailMessageId?: string | null;
  attachments?: MessageAttachment[];
}

/** Someone an inbound email copied (To or Cc), who follows its ticket from then on. */
export interface FollowerInput {
  /** Lower case. */
  email: string;
  name: string;
}

/** The ledger entry written with the ticket or message an inbound email produced. */
export interface InboundRecord {
  messageKey: string;
  mailboxId?: string | null;
  fromAddress: string;
  subject: string;
  sizeBytes?: number;
}

export interface OpenTicketInput {
  ticketId: string;
  /** ISO instant the SLA clocks start from; the workflow sets it from its own clock when absent. */
  createdAt?: string;
  organizationId: string;
  customerId: string;
  title: string;
  description: string;
  priority: TicketPriority;
  channel: TicketChannel;
  tags?: string[];
  assigneeId?: string | null;
  /** The agent who opened it (API); null when the customer did (email, web). */
  createdById?: string | null;
  /** The first message of the conversation; absent for a ticket opened without one. */
  message?: IncomingMessage;
  /** Email the customer an acknowledgement with the ticket number. */
  acknowledge: boolean;
  inbound?: InboundRecord;
  /** A closed ticket this one continues (a reply to a closed ticket opens a new one). */
  relatedTicketId?: string | null;
  /** The people the opening email copied: they follow the ticket. */
  followers?: FollowerInput[];
}

export interface OpenedTicket {
  ticketNumber: number;
  createdAt: number;
  status: TicketStatus;
  priority: TicketPriority;
  policy: SlaPolicyContext;
  acknowledgementId: string | null;
  /** Agents' notifications to deliver (absent from histories recorded before there were any). */
  notificationIds?: string[];
  /** The first SLA deadline, stored with the ticket (absent from histories recorded before it was). */
  slaDeadline?: number | null;
}

export interface TicketSummary {
  ticketId: string;
  ticketNumber: number;
  status: TicketStatus;
  priority: TicketPriority;
}

export interface AgentReplyInput {
  authorId: string;
  content: string;
  /** An internal note stays inside the team: no email, no effect on the SLA clocks. */
  internal: boolean;
  attachments?: MessageAttachment[];
}

export interface AgentReplyResult {
  messageId: string;
  /** Our Message-ID of the email sent to the customer (null for internal notes). */
  emailMessageId: string | null;
}

export interface CustomerMessageInput extends IncomingMessage {
  senderId: string;
  inbound?: InboundRecord;
  /** People the email copied who do not follow the ticket yet (stored with the message). */
  followers?: FollowerInput[];
}

/** Merge this ticket into another of the organisation (which stays open with both conversations). */
export interface MergeInput {
  targetTicketId: string;
  actorId: string;
}

export interface MergeResult {
  target: { id: string; ticketNumber: number };
  /** Messages moved (an email stored in both stays once, in the target). */
  movedMessages: number;
}

/** Split one message of this ticket out into a new ticket of the organisation (this one stays open). */
export interface SplitInput {
  messageId: string;
  actorId: string;
  /** The new ticket's title; by default the message's email subject, else this ticket's title. */
  title?: string;
}

export interface SplitResult {
  ticket: { id: string; ticketNumber: number };
}

/** What the split activity hands the source's workflow. */
export interface SplitOutcome extends SplitResult {
  /** Starts the new ticket's workflow (its row exists already: opening it finds it). */
  opening: OpenTicketInput;
  /**
   * The moved message started the next-response clock (at `from`, epoch ms): it now counts from the next
   * unanswered customer message still here (`to`), or stops (null). Null: the clock is not the message's.
   */
  nextResponse: { from: number; to: number | null } | null;
}

export interface TicketChanges {
  actorId: string | null;
  status?: TicketStatus;
  priority?: TicketPriority;
  /** A user id to assign, null to unassign, absent to leave as is. */
  assigneeId?: string | null;
  tags?: string[];
  /** A category of the organisation, null to clear, absent to leave as is. */
  categoryId?: string | null;
  /** Why the system changed it (auto-close, customer reply). */
  reason?: string;
}

export interface ChangeResult extends TicketSummary {
  /** The SLA policy of the new priority, when the priority changed. */
  policy?: SlaPolicyContext;
  /** Minutes until the satisfaction survey, when this change resolved the ticket and surveys are on. */
  surveyDelayMinutes?: number;
}

/** What applying changes returns to the workflow: the result, and the agents' notifications to deliver. */
export interface AppliedChanges extends ChangeResult {
  notificationIds?: string[];
  /** The customer's resolution notice, when this change resolved the ticket and the notice is on. */
  customerNoticeId?: string;
}

export interface SurveyInput {
  ticketId: string;
  organizationId: string;
  /** ISO instant the survey was due; with the ticket it names the survey, so a retry sends it once. */
  dueAt: string;
}

export interface SlaEventInput {
  ticketId: string;
  organizationId: string;
  kind: SlaKind;
  /** ISO instant of the deadline concerned. */
  deadline: string;
  /** ISO instant the workflow noticed it. */
  detectedAt: string;
}

/** A ticket command the workflow refused (invalid transition, unknown assignee, closed ticket). */
export class TicketCommandError extends Error {
  override name = 'TicketCommandError';
}

/**
 * How the API and ingest talk to ticket workflows (built by src/temporal/tickets.ts). A refused command
 * rejects with a TicketCommandError; anything else (an outage) is rethrown as it came.
 */
export interface TicketCommands {
  /**
   * Starts the ticket's workflow (a second start for the same ticket id is a no-op) and, when asked,
   * waits for the ticket row so the caller can show its number.
   */
  open(input: OpenTicketInput, opts: { waitForTicket: boolean }): Promise<TicketSummary | null>;
  /** Durable once this resolves: the workflow will store the message even if every process dies now. */
  customerMessage(ticketId: string, message: CustomerMessageInput): Promise<void>;
  /** A reply or internal note; `requestId` makes a retried request a no-op. */
  agentReply(ticketId: string, input: AgentReplyInput, requestId?: string): Promise<AgentReplyResult>;
  change(ticketId: string, changes: TicketChanges): Promise<ChangeResult>;
  /** Merges the ticket into another: its workflow moves the conversation, closes it and ends. */
  merge(ticketId: string, input: MergeInput): Promise<MergeResult>;
  /** Splits a message out into a new ticket, through this ticket's workflow, which starts the new one's. */
  split(ticketId: string, input: SplitInput): Promise<SplitResult>;
  /** Whether the ticket's workflow runs: true as soon as it started, before it has written the ticket row. */
  isRunning(ticketId: string): Promise<boolean>;
  /** The live SLA clocks, or null when the ticket has no running workflow (closed). */
  slaState(ticketId: string): Promise<TicketSlaState | null>;
}

/** A breach, with the ticket's next deadline once it is recorded, stored in the same transaction. */
export interface SlaBreachInput extends SlaEventInput {
  nextDeadline?: string | null;
}

/** A waiting digest of the managers' escalations: mailed at `sendsAt` (ISO). */
export interface EscalationDigestInput {
  organizationId: string;
  escalationId: string;
  sendsAt: string;
}

export interface SlaBreachResult {
  /** The escalation mail to deliver now; null when the breach waits in a digest (or nobody is told). */
  outboundId: string | null;
  nextDeadlineStored?: boolean;
  /** This breach opened a digest: the ticket's workflow starts the digest's workflow. */
  digest?: Omit<EscalationDigestInput, 'organizationId'>;
}
