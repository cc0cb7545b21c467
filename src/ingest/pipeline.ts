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
  findTicketByNumber,
  isInLedger,
  ticketsOfMessageIds,
} from '../db/queries/ingest.js';
import { verifiedAddresses } from '../db/queries/mailboxes.js';
import { ensureMember } from '../db/queries/members.js';
import type { Attachment, inboundEmails } from '../db/schema/index.js';
import { extractTicketToken, normalizeSubjectForTitle } from '../mail/subject.js';
import type { Storage } from '../storage/storage.js';
import type { InboundRecord, IncomingMessage } from '../workflows/contracts.js';
import { TicketCommandError, type TicketCommands } from '../workflows/contracts.js';
import { describeError, type IngestLogger, silentLogger } from './log.js';
import {
  type InboundEmail,
  type ParseLimits,
  parseInboundEmail,
  quarantineReason,
  UnparseableEmailError,
} from './parse.js';
import { classifyInbound } from './protection.js';
import { decideFromMatches, type ThreadMatch } from './threading.js';

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

// Temporal refuses payloads over 2 MB: the texts that travel in the workflow start or signal are capped,
// and the complete email is then kept as an attachment.
const MAX_CONTENT_BYTES = 256 * 1024;
const MAX_ORIGINAL_BYTES = 256 * 1024;
const MAX_HTML_BYTES = 512 * 1024;
const MAX_DESCRIPTION_BYTES = 64 * 1024;
const MAX_REFERENCES = 50;
/** Referenced emails whose derived ticket is looked for in Temporal when no stored message matched. */
const MAX_PENDING_PROBES = 4;
const RECENT_LIMIT = 10_000;
const ADDRESS_CACHE_MS = 60_000;

/** Strips NUL (PostgreSQL text and jsonb refuse it) and cuts to `maxBytes` of UTF-8. */
function clean(text: string, maxBytes = Number.POSITIVE_INFINITY): { text: string; truncated: boolean } {
  const noNul = text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
  if (noNul.length * 3 <= maxBytes || Buffer.byteLength(noNul) <= maxBytes)
    return { text: noNul, truncated: false };
  const cut = Buffer.from(noNul)
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  return { text: cut, truncated: true };
}

const formatSize = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;

const sha256 = (raw: Buffer) => `sha256:${createHash('sha256').update(raw).digest('hex')}`;
/** A ticket opened by an email has an id derived from it, so every delivery of that email names the same one. */
const emailTicketId = (organizationId: string, messageKey: string) =>
  uuidFromName('email-ticket', `${organizationId}:${messageKey}`);
/** The ledger's integer column; a message can be bigger than that. */
const sizeColumn = (bytes: number) => Math.min(bytes, 2 ** 31 - 1);

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

  let addressCache: { at: number; addresses: string[] } | null = null;
  async function ourAddresses(): Promise<string[]> {
    if (!addressCache || Date.now() - addressCache.at > ADDRESS_CACHE_MS) {
      // Verified only: claiming a customer's address must not turn their mail into "our own" (a loop).
      addressCache = {
        at: Date.now(),
        addresses: [...deps.ourAddresses, ...(await verifiedAddresses(admin))],
      };
    }
    return addressCache.addresses;
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

  async function storeAttachments(
    organizationId: string,
    messageKey: string,
    email: InboundEmail,
  ): Promise<Attachment[]> {
    const stored: Attachment[] = [];
    for (const [index, part] of email.attachments.entries()) {
      // Under the organisation's scope: its identical files share one copy, never another organisation's.
      const { key } = await storage.put(organizationId, part.content);
      // Derived from the email, so a repeat describes the same attachment with the same id.
      const id = uuidFromName('email-attachment', `${organizationId}:${messageKey}:${index}`);
      stored.push({
        id,
        filename: clean(part.filename, 1000).text,
        url: `/attachments/${id}`,
        mimeType: part.contentType,
        size: part.size,
        storageKey: key,
        ...(part.contentId ? { contentId: clean(part.contentId, 1000).text } : {}),
        ...(part.inline ? { inline: true } : {}),
      });
    }
    return stored;
  }

  async function message(
    organizationId: string,
    messageKey: string,
    email: InboundEmail,
    raw: Buffer,
  ): Promise<IncomingMessage> {
    const attachments = await storeAttachments(organizationId, messageKey, email);
    const content = clean(email.strippedText, MAX_CONTENT_BYTES);
    const original = clean(email.textBody, MAX_ORIGINAL_BYTES);
    const html = email.html === null ? null : clean(email.html, MAX_HTML_BYTES);
    const notes = email.rejectedAttachments.map(
      (a) =>
        `[Attachment "${clean(a.filename, 300).text}" (${formatSize(a.size)}) was not kept: ${a.reason}]`,
    );
    const unreadable = email.problems.includes('unreadable body');
    if (content.truncated || original.truncated || html?.truncated || unreadable) {
      // The whole email stays available, so nothing the customer wrote is lost.
      const { key } = await storage.put(organizationId, raw);
      const id = uuidFromName('email-attachment', `${organizationId}:${messageKey}:original`);
      attachments.push({
        id,
        filename: 'original-email.eml',
        url: `/attachments/${id}`,
        mimeType: 'message/rfc822',
        size: raw.length,
        storageKey: key,
      });
      notes.push(
        unreadable
          ? '[This email is malformed and its text could not be read; the complete email is attached as original-email.eml]'
          : '[This email was too long to show in full; the complete email is attached as original-email.eml]',
      );
    }
    const text = notes.length > 0 ? `${content.text}\n\n${notes.join('\n')}`.trim() : content.text;
    return {
      content: text,
      originalContent: original.text !== content.text ? original.text : null,
      contentHtml: html?.text ?? null,
      emailMessageId: messageKey,
      // Attachment is MessageAttachment plus storage details, which travel along to the stored message.
      attachments,
    };
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

  async function ingest(
    raw: Buffer,
    source: IngestSource,
    options: IngestOptions = {},
  ): Promise<IngestOutcome> {
    const where = await resolveOrganization(source);
    const { organizationId } = where;
    const totalSize = options.totalSize ?? raw.length;

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

    const classification = classifyInbound(email, {
      ourAddresses: where.address ? [where.address, ...(await ourAddresses())] : await ourAddresses(),
      honorListId: deps.ignoreListMail ?? true,
    });
    if (classification.kind === 'bounce') {
      return recordBounce(where, messageKey, email, classification.originalMessageIds, totalSize);
    }
    if (classification.kind !== 'normal') {
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

    const from = email.from!;
    const inReplyTo = email.inReplyTo.filter((id) => id !== messageKey);
    const references = [...email.references]
      .reverse()
      .filter((id) => id !== messageKey)
      .slice(0, MAX_REFERENCES);
    const candidates = [...new Set([...inReplyTo, ...references])];
    const matches = await threadMatches(organizationId, [messageKey, ...candidates]);
    // An earlier delivery of this very email already reached a ticket (its ledger row may still be in flight).
    if (matches.has(messageKey)) return { outcome: 'duplicate', messageKey };

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
      tokenMatch = (await findTicketByNumber(admin, organizationId, token)) ?? null;
    }
    const decision = decideFromMatches(messageIdMatches, tokenMatch);

    const senderId = await customerId(organizationId, from);
    const body = await message(organizationId, messageKey, email, raw);
    const inbound: InboundRecord = {
      messageKey,
      mailboxId: where.mailboxId,
      fromAddress: from.address,
      subject: clean(email.subject, 998).text,
      sizeBytes: sizeColumn(totalSize),
    };

    if (decision.action === 'append') {
      try {
        await deps.tickets.customerMessage(decision.ticketId, { ...body, senderId, inbound });
        remember(organizationId, messageKey, decision.ticketId);
        log.info('email added to ticket', { organizationId, messageKey, ticketId: decision.ticketId });
        return { outcome: 'message_added', messageKey, ticketId: decision.ticketId };
      } catch (error) {
        // The ticket closed (its workflow ended) after we looked: the reply opens a new ticket instead.
        if (!(error instanceof TicketCommandError)) throw error;
        return openTicket(decision.ticketId);
      }
    }
    return openTicket(decision.relatedTicketId ?? null);

    async function openTicket(relatedTicketId: string | null): Promise<IngestOutcome> {
      const ticketId = emailTicketId(organizationId, messageKey);
      const description = clean(email.strippedText || email.textBody, MAX_DESCRIPTION_BYTES).text;
      await deps.tickets.open(
        {
          ticketId,
          organizationId,
          customerId: senderId,
          title: clean(normalizeSubjectForTitle(email.subject)).text,
          description,
          priority: 'medium',
          channel: 'email',
          acknowledge: true,
          message: body,
          inbound,
          relatedTicketId,
        },
        { waitForTicket: false },
      );
      remember(organizationId, messageKey, ticketId);
      log.info('ticket opened from email', { organizationId, messageKey, ticketId, relatedTicketId });
      return relatedTicketId
        ? { outcome: 'ticket_created', messageKey, ticketId, relatedTicketId }
        : { outcome: 'ticket_created', messageKey, ticketId };
    }
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
