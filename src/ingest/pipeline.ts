// One raw email in, one outcome out: a new ticket, a message in an existing ticket, a bounce note, an
// ignored auto-reply, or a quarantined message. Idempotent: the same email (same Message-ID, or the same
// bytes when it has none) yields the same outcome however often it is fed in, even while the first
// delivery is still in flight, because ticket ids are derived from the email and every write is keyed.
import { createHash } from 'node:crypto';
import type { DatabaseHandle } from '../db/client.js';
import { uuidFromName } from '../db/ids.js';
import { recordInboundEmail } from '../db/queries/inbound-emails.js';
import {
  addBounceNote,
  findMailboxOwner,
  findTicketByNumberFromParticipant,
  isInLedger,
  ticketsOfMessageIds,
} from '../db/queries/ingest.js';
import { organizationMailboxAddresses, verifiedAddresses } from '../db/queries/mailboxes.js';
import { ensureMember } from '../db/queries/members.js';
import type { inboundEmails } from '../db/schema/index.js';
import { extractTicketToken, normalizeSubjectForTitle } from '../domain/subject.js';
import type { Storage } from '../storage/storage.js';
import type { FollowerInput, InboundRecord, IncomingMessage } from '../workflows/contracts.js';
import { TicketCommandError, type TicketCommands } from '../workflows/contracts.js';
import { clean, formatSize, sizeColumn } from './clean.js';
import { followersOf, MAX_ADDRESS_LENGTH, MAX_NAME_LENGTH } from './followers.js';
import { describeError, type IngestLogger, silentLogger } from './log.js';
import { incomingMessage, MAX_CONTENT_BYTES, MAX_DESCRIPTION_BYTES } from './message-body.js';
import {
  type InboundEmail,
  type ParseLimits,
  parseInboundEmail,
  quarantineReason,
  UnparseableEmailError,
} from './parse.js';
import { classifyInbound } from './protection.js';
import { decideFromMatches, type ThreadingDecision, type ThreadMatch } from './threading.js';

export type IngestSource = { mailboxId: string } | { organizationId: string };

export type IngestOutcome =
  | { outcome: 'ticket_created'; messageKey: string; ticketId: string; relatedTicketId?: string }
  | { outcome: 'message_added'; messageKey: string; ticketId: string }
  /** Already ingested (or in flight from an earlier delivery): nothing was done. */
  | { outcome: 'duplicate'; messageKey: string }
  | { outcome: 'ignored'; messageKey: string; reason: string }
  | { outcome: 'bounce'; messageKey: string; ticketId: string | null }
  | { outcome: 'quarantined'; messageKey: string; reason: string };

export interface IngestOptions {
  /**
   * Size of the whole message when `raw` is only its beginning: the reader does not download mail over
   * the size limit, it passes the first bytes (the headers) so the message can be identified and
   * quarantined.
   */
  totalSize?: number;
}

export interface IngestPipelineDeps {
  db: DatabaseHandle;
  tickets: Pick<TicketCommands, 'open' | 'customerMessage' | 'isRunning'>;
  storage: Storage;
  limits: ParseLimits;
  /** Addresses we send from besides the mailboxes' own (e.g. MAIL_FROM): mail from them is a loop. */
  ourAddresses: readonly string[];
  /** Treat mail with a List-Id header as bulk (default true). */
  ignoreListMail?: boolean;
  log?: IngestLogger;
}

export interface IngestPipeline {
  ingest(raw: Buffer, source: IngestSource, options?: IngestOptions): Promise<IngestOutcome>;
  /** Keeps a message aside without looking into it (the reader's last resort for mail that keeps failing). */
  quarantine(raw: Buffer, source: IngestSource, reason: string): Promise<IngestOutcome>;
}

const MAX_REFERENCES = 50;
/** Referenced emails whose derived ticket is looked for in Temporal when no stored message matched. */
const MAX_PENDING_PROBES = 4;
const RECENT_LIMIT = 10_000;
const ADDRESS_CACHE_MS = 60_000;

const sha256 = (raw: Buffer) => `sha256:${createHash('sha256').update(raw).digest('hex')}`;
/** A ticket opened by an email has an id derived from it, so every delivery of that email names the same one. */
const emailTicketId = (organizationId: string, messageKey: string) =>
  uuidFromName('email-ticket', `${organizationId}:${messageKey}`);
export function createIngestPipeline(deps: IngestPipelineDeps): IngestPipeline {
  const { db, storage, limits } = deps;
  const log = deps.log ?? silentLogger;
  const admin = db.adminDb;

  // Tickets this process opened or wrote to moments ago, whose rows may not exist yet: a reply that
  // arrives in the same batch as the email it answers still finds its ticket, and a repeat is spotted.
  const recent = new Map<string, string>();
  const remember = (organizationId: string, messageId: string, ticketId: string) => {
    const key = `${organizationId}\n${messageId}`;
    recent.delete(key);
    recent.set(key, ticketId);
    if (recent.size > RECENT_LIMIT) recent.delete(recent.keys().next().value as string);
  };
  const recalled = (organizationId: string, messageId: string) =>
    recent.get(`${organizationId}\n${messageId}`);

  interface Receiver {
    organizationId: string;
    mailboxId: string | null;
    /** The receiving mailbox's own address (always one of ours, however fresh the mailbox). */
    address: string | null;
  }
  const mailboxCache = new Map<string, Receiver>();
  async function resolveOrganization(source: IngestSource): Promise<Receiver> {
    if ('organizationId' in source)
      return { organizationId: source.organizationId, mailboxId: null, address: null };
    let receiver = mailboxCache.get(source.mailboxId);
    if (!receiver) {
      const row = await findMailboxOwner(admin, source.mailboxId);
      if (!row) throw new Error(`mailbox ${source.mailboxId} not found`);
      receiver = { organizationId: row.organizationId, mailboxId: source.mailboxId, address: row.address };
      mailboxCache.set(source.mailboxId, receiver);
    }
    return receiver;
  }

  /** `load(key)`, asked again once its answer is ADDRESS_CACHE_MS old. */
  function remembered(load: (key: string) => Promise<string[]>) {
    const cache = new Map<string, { at: number; addresses: string[] }>();
    return async (key: string): Promise<string[]> => {
      let hit = cache.get(key);
      if (!hit || Date.now() - hit.at > ADDRESS_CACHE_MS) {
        hit = { at: Date.now(), addresses: await load(key) };
        cache.set(key, hit);
      }
      return hit.addresses;
    };
  }
  // Verified only: claiming a customer's address must not turn their mail into "our own" (a loop).
  const verified = remembered(async () => [...deps.ourAddresses, ...(await verifiedAddresses(admin))]);
  const ourAddresses = () => verified('');
  /** The organisation's own mailboxes, claimed or verified: never followers of its tickets. */
  const organizationAddresses = remembered((organizationId) =>
    organizationMailboxAddresses(admin, organizationId),
  );

  /** Who the email copied that may follow its ticket. */
  async function followers(where: Receiver, email: InboundEmail): Promise<FollowerInput[]> {
    const ours = [
      ...(where.address ? [where.address] : []),
      ...(await ourAddresses()),
      ...(await organizationAddresses(where.organizationId)),
    ];
    return followersOf(email, ours).map((f) => ({
      email: clean(f.address, MAX_ADDRESS_LENGTH).text,
      name: clean(f.name, MAX_NAME_LENGTH).text,
    }));
  }

  async function record(
    organizationId: string,
    values: Omit<typeof inboundEmails.$inferInsert, 'organizationId'>,
  ): Promise<void> {
    await db.withTenant({ organizationId }, (tx) => recordInboundEmail(tx, { organizationId, ...values }));
  }

  async function quarantine(
    raw: Buffer,
    where: Receiver,
    messageKey: string,
    reason: string,
    email: Pick<InboundEmail, 'from' | 'subject'> | null,
    totalSize: number,
  ): Promise<IngestOutcome> {
    const stored = await storage.put('quarantine', raw);
    await record(where.organizationId, {
      mailboxId: where.mailboxId,
      messageKey,
      fromAddress: email?.from ? clean(email.from.address, 998).text : null,
      subject: email ? clean(email.subject, 998).text : null,
      outcome: 'quarantined',
      reason,
      rawStorageKey: stored.key,
      sizeBytes: sizeColumn(totalSize),
    });
    log.warn('email quarantined', {
      organizationId: where.organizationId,
      mailboxId: where.mailboxId,
      messageKey,
      reason,
      rawStorageKey: stored.key,
    });
    return { outcome: 'quarantined', messageKey, reason };
  }

  /** Ticket and status of every message in the organisation carrying one of `ids` (inbound or ours). */
  async function threadMatches(organizationId: string, ids: string[]): Promise<Map<string, ThreadMatch[]>> {
    const found = new Map<string, ThreadMatch[]>();
    if (ids.length === 0) return found;
    const rows = await ticketsOfMessageIds(admin, organizationId, ids);
    for (const row of rows) {
      const list = found.get(row.messageId!) ?? [];
      list.push({ ticketId: row.ticketId, status: row.status });
      found.set(row.messageId!, list);
    }
    return found;
  }

  /**
   * A ticket opened moments ago by one of the referenced emails, whose workflow runs but whose rows are not
   * written yet (the ticket worker is behind) and which this process does not remember (it restarted).
   */
  async function pendingTicket(organizationId: string, referenced: string[]): Promise<string | null> {
    const ids = referenced.slice(0, MAX_PENDING_PROBES).map((id) => emailTicketId(organizationId, id));
    const running = await Promise.all(ids.map((id) => deps.tickets.isRunning(id)));
    return ids.find((_, i) => running[i]) ?? null;
  }

  async function alreadyIngested(organizationId: string, messageKey: string): Promise<boolean> {
    if (recalled(organizationId, messageKey)) return true;
    return isInLedger(admin, organizationId, messageKey);
  }

  /** The sender as a user (users are global) with at least a customer membership of the organisation. */
  async function customerId(
    organizationId: string,
    from: { address: string; name: string },
  ): Promise<string> {
    const email = clean(from.address.toLowerCase(), 320).text;
    const name = clean(from.name.trim(), 200).text;
    return admin.transaction(async (tx) => {
      const { user } = await ensureMember(tx, organizationId, { email, name, role: 'customer' });
      return user.id;
    });
  }

  async function recordBounce(
    where: Receiver,
    messageKey: string,
    email: InboundEmail,
    originalMessageIds: string[],
    size: number,
  ): Promise<IngestOutcome> {
    const { organizationId } = where;
    const matches = await threadMatches(organizationId, originalMessageIds.slice(0, MAX_REFERENCES));
    const ticketId =
      originalMessageIds.map((id) => matches.get(id)?.[0]?.ticketId).find((id) => id !== undefined) ?? null;
    const summary = clean(email.textBody, MAX_CONTENT_BYTES).text.trim();
    await db.withTenant({ organizationId }, async (tx) => {
      if (ticketId) {
        const content = `An email to the customer could not be delivered${email.from ? ` (report from ${email.from.address})` : ''}.${summary ? `\n\n${summary}` : ''}`;
        await addBounceNote(tx, ticketId, content, messageKey);
      }
      await recordInboundEmail(tx, {
        organizationId,
        mailboxId: where.mailboxId,
        messageKey,
        fromAddress: email.from?.address ?? null,
        subject: clean(email.subject, 998).text,
        outcome: 'bounce',
        reason: ticketId ? null : 'the bounced email is not one of this organisation’s tickets',
        ticketId,
        sizeBytes: sizeColumn(size),
      });
    });
    log.info('bounce recorded', { organizationId, messageKey, ticketId });
    return { outcome: 'bounce', messageKey, ticketId };
  }

  /** Step 1, parse and clean: the email and its key, or the outcome when it goes no further. */
  async function parseAndClean(
    raw: Buffer,
    where: Receiver,
    totalSize: number,
  ): Promise<{ email: InboundEmail; messageKey: string } | IngestOutcome> {
    const { organizationId } = where;
    let email: InboundEmail;
    try {
      // Over the limit: read the headers only (a zero limit makes the parser skip the body).
      email = await parseInboundEmail(
        raw,
        totalSize > limits.maxTotalBytes ? { ...limits, maxTotalBytes: 0 } : limits,
      );
    } catch (error) {
      const messageKey = sha256(raw);
      if (await alreadyIngested(organizationId, messageKey)) return { outcome: 'duplicate', messageKey };
      const reason =
        error instanceof UnparseableEmailError
          ? `unparseable: ${error.message}`
          : `parse failed: ${describeError(error)}`;
      return quarantine(raw, where, messageKey, reason, null, totalSize);
    }
    const messageKey = clean(email.messageId, 998).text;
    if (await alreadyIngested(organizationId, messageKey)) return { outcome: 'duplicate', messageKey };

    const problem = totalSize > limits.maxTotalBytes ? 'too large' : quarantineReason(email);
    if (problem) {
      const reason = problem === 'too large' ? `too large (${formatSize(totalSize)})` : problem;
      return quarantine(raw, where, messageKey, reason, email, totalSize);
    }
    return { email, messageKey };
  }

  /** Step 2, classify: null for a customer's email, else the outcome of a bounce, auto-reply, bulk or loop. */
  async function classify(
    email: InboundEmail,
    where: Receiver,
    messageKey: string,
    totalSize: number,
  ): Promise<IngestOutcome | null> {
    const { organizationId } = where;
    const classification = classifyInbound(email, {
      ourAddresses: where.address ? [where.address, ...(await ourAddresses())] : await ourAddresses(),
      honorListId: deps.ignoreListMail ?? true,
    });
    if (classification.kind === 'bounce') {
      return recordBounce(where, messageKey, email, classification.originalMessageIds, totalSize);
    }
    if (classification.kind === 'normal') return null;
    const reason = `${classification.kind}: ${classification.reason}`;
    await record(organizationId, {
      mailboxId: where.mailboxId,
      messageKey,
      fromAddress: email.from?.address ?? null,
      subject: clean(email.subject, 998).text,
      outcome: 'ignored',
      reason,
      sizeBytes: sizeColumn(totalSize),
    });
    log.info('email ignored', { organizationId, messageKey, reason });
    return { outcome: 'ignored', messageKey, reason };
  }

  /** Step 3, thread: which ticket the email continues, or null when an earlier delivery already reached one. */
  async function thread(
    organizationId: string,
    messageKey: string,
    email: InboundEmail,
  ): Promise<ThreadingDecision | null> {
    const inReplyTo = email.inReplyTo.filter((id) => id !== messageKey);
    const references = [...email.references]
      .reverse()
      .filter((id) => id !== messageKey)
      .slice(0, MAX_REFERENCES);
    const candidates = [...new Set([...inReplyTo, ...references])];
    const matches = await threadMatches(organizationId, [messageKey, ...candidates]);
    // An earlier delivery of this very email already reached a ticket (its ledger row may still be in flight).
    if (matches.has(messageKey)) return null;

    const messageIdMatches = candidates.flatMap((id) => {
      const found = matches.get(id);
      if (found)
        return [...found].sort((a, b) => Number(a.status === 'closed') - Number(b.status === 'closed'));
      const pending = recalled(organizationId, id);
      return pending ? [{ ticketId: pending, status: 'open' }] : [];
    });
    if (messageIdMatches.length === 0 && candidates.length > 0) {
      // The thread's root (first in References) is the email that most likely opened the ticket.
      const root = email.references[0];
      const probed = [
        ...new Set([...inReplyTo, ...(root && root !== messageKey ? [root] : []), ...candidates]),
      ];
      const pending = await pendingTicket(organizationId, probed);
      if (pending) messageIdMatches.push({ ticketId: pending, status: 'open' });
    }
    let tokenMatch: ThreadMatch | null = null;
    const token = extractTicketToken(email.subject);
    if (token !== null && messageIdMatches.length === 0) {
      tokenMatch = await findTicketByNumberFromParticipant(admin, organizationId, token, email.from!.address);
    }
    return decideFromMatches(messageIdMatches, tokenMatch);
  }

  /** What step 5 hands to the ticket's workflow. */
  interface Delivery {
    organizationId: string;
    messageKey: string;
    email: InboundEmail;
    senderId: string;
    body: IncomingMessage;
    inbound: InboundRecord;
    followers: FollowerInput[];
  }

  /** Step 5a: the email opens a ticket (related to a closed one it answered, if any). */
  async function openTicket(d: Delivery, relatedTicketId: string | null): Promise<IngestOutcome> {
    const { organizationId, messageKey, email } = d;
    const ticketId = emailTicketId(organizationId, messageKey);
    const description = clean(email.strippedText || email.textBody, MAX_DESCRIPTION_BYTES).text;
    await deps.tickets.open(
      {
        ticketId,
        organizationId,
        customerId: d.senderId,
        title: clean(normalizeSubjectForTitle(email.subject)).text,
        description,
        priority: 'medium',
        channel: 'email',
        acknowledge: true,
        message: d.body,
        inbound: d.inbound,
        relatedTicketId,
        followers: d.followers,
      },
      { waitForTicket: false },
    );
    remember(organizationId, messageKey, ticketId);
    log.info('ticket opened from email', { organizationId, messageKey, ticketId, relatedTicketId });
    return relatedTicketId
      ? { outcome: 'ticket_created', messageKey, ticketId, relatedTicketId }
      : { outcome: 'ticket_created', messageKey, ticketId };
  }

  /** Step 5b: the email is a message of an existing ticket, or opens a new one when that ticket just closed. */
  async function appendToTicket(d: Delivery, ticketId: string): Promise<IngestOutcome> {
    const { organizationId, messageKey } = d;
    try {
      await deps.tickets.customerMessage(ticketId, {
        ...d.body,
        senderId: d.senderId,
        inbound: d.inbound,
        followers: d.followers,
      });
      remember(organizationId, messageKey, ticketId);
      log.info('email added to ticket', { organizationId, messageKey, ticketId });
      return { outcome: 'message_added', messageKey, ticketId };
    } catch (error) {
      // The ticket closed (its workflow ended) after we looked: the reply opens a new ticket instead.
      if (!(error instanceof TicketCommandError)) throw error;
      return openTicket(d, ticketId);
    }
  }

  async function ingest(
    raw: Buffer,
    source: IngestSource,
    options: IngestOptions = {},
  ): Promise<IngestOutcome> {
    const where = await resolveOrganization(source);
    const { organizationId } = where;
    const totalSize = options.totalSize ?? raw.length;

    const parsed = await parseAndClean(raw, where, totalSize);
    if ('outcome' in parsed) return parsed;
    const { email, messageKey } = parsed;
    const handled = await classify(email, where, messageKey, totalSize);
    if (handled) return handled;
    const decision = await thread(organizationId, messageKey, email);
    if (!decision) return { outcome: 'duplicate', messageKey };

    const from = email.from!;
    const delivery: Delivery = {
      organizationId,
      messageKey,
      email,
      senderId: await customerId(organizationId, from),
      // Step 4, store attachments.
      body: await incomingMessage(storage, organizationId, messageKey, email, raw),
      inbound: {
        messageKey,
        mailboxId: where.mailboxId,
        fromAddress: from.address,
        subject: clean(email.subject, 998).text,
        sizeBytes: sizeColumn(totalSize),
      },
      followers: await followers(where, email),
    };
    // Step 5, hand to the workflow.
    if (decision.action === 'append') return appendToTicket(delivery, decision.ticketId);
    return openTicket(delivery, decision.relatedTicketId ?? null);
  }

  return {
    ingest,
    async quarantine(raw, source, reason) {
      const where = await resolveOrganization(source);
      // Keyed like ingest() keys it, so the message is not ingested again later.
      const headers = await parseInboundEmail(raw, { ...limits, maxTotalBytes: 0 }).catch(() => null);
      const messageKey = headers ? clean(headers.messageId, 998).text : sha256(raw);
      if (await alreadyIngested(where.organizationId, messageKey))
        return { outcome: 'duplicate', messageKey };
      return quarantine(raw, where, messageKey, reason, headers, raw.length);
    },
  };
}
