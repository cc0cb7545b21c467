// The IMAP side of ingestion: one reader per mailbox (run inside the `readMailbox` activity, so Temporal
// keeps exactly one alive). It feeds every new message, in UID order, to the pipeline and moves the
// mailbox's progress (UIDVALIDITY + last UID) only after the pipeline returned, i.e. after Temporal
// durably accepted the ticket start or message signal. A crash therefore re-reads, never skips, and the
// pipeline recognises what it already handled.

import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FetchMessageObject, ImapFlow } from 'imapflow';
import { DEFAULTS } from '../config.js';
import type { DatabaseHandle } from '../db/client.js';
import { markMailboxVerified } from '../db/queries/mailboxes.js';
import type { Mailbox } from '../db/schema/index.js';
import { isTransient } from '../errors.js';
import { allowedAddresses, type HostPolicy, HostRefusedError } from '../net/host-policy.js';
import { conversationKeys, groupByConversation } from './batching.js';
import { loginProvesAddress } from './imap-verification.js';
import { describeError, type IngestLogger, silentLogger } from './log.js';
import type { IngestOutcome, IngestPipeline } from './pipeline.js';
import { createProgressStore, type Progress } from './progress-store.js';

export interface ReaderOptions {
  /** Look for new mail at least this often, IDLE or not (the poll for servers without IDLE). */
  pollIntervalMs: number;
  /** Use IMAP IDLE to hear about new mail at once (imapflow polls with NOOP when the server lacks it). */
  useIdle: boolean;
  /** Messages downloaded per round trip; progress is saved after each batch. */
  batchSize: number;
  /** Reconnect delays: doubled after each failure up to `maxMs`, back to `initialMs` once connected. */
  reconnect: { initialMs: number; maxMs: number };
  /** Return 'rotated' after this long (the activity ends and the workflow starts a fresh one). */
  maxRunMs: number;
  /**
   * The first time a folder is read (no UIDVALIDITY stored yet), leave mail already marked \Seen alone:
   * pointing a new mailbox at a used inbox must not turn its read history into tickets.
   */
  skipSeenOnFirstSync: boolean;
  /** A message whose ingestion failed this often with a non-transient error is quarantined. */
  maxAttempts: number;
  /** Emails of different conversations ingested at the same time (see batching.ts). */
  concurrency: number;
  connectionTimeoutMs: number;
}

export const DEFAULT_READER_OPTIONS: ReaderOptions = {
  pollIntervalMs: DEFAULTS.imapPollSeconds * 1000,
  useIdle: true,
  batchSize: 50,
  reconnect: { initialMs: 1_000, maxMs: 60_000 },
  maxRunMs: 60 * 60_000,
  skipSeenOnFirstSync: true,
  maxAttempts: 3,
  concurrency: 8,
  connectionTimeoutMs: 20_000,
};

export type ReaderExit = 'aborted' | 'rotated' | 'inactive';

export interface ReaderProgress {
  uidValidity: number | null;
  lastUid: number;
  /** Messages handed to the pipeline by this reader run. */
  processed: number;
  connected: boolean;
}

export interface MailboxReaderDeps {
  db: DatabaseHandle;
  pipeline: Pick<IngestPipeline, 'ingest' | 'quarantine'>;
  /** Messages over this size are not downloaded: only their first bytes go to the pipeline (quarantine). */
  maxEmailBytes: number;
  /** Which IMAP hosts the reader connects to (checked again at every connection: DNS can change). */
  hostPolicy: HostPolicy;
  log?: IngestLogger;
}

/** A failure to connect or log in, worded for the tenant (the mailbox's lastError). */
class ConnectError extends Error {
  override name = 'ConnectError';
}

/**
 * What the tenant sees of a failed connection: refused, timed out, reset, not IMAP, TLS trouble all read
 * the same, so a mailbox's settings cannot map which ports of a host are open. Only a real IMAP server's
 * refusal of the login is told apart (the tenant must be able to fix a wrong password).
 */
function connectError(error: unknown, mailbox: Mailbox, port: number): ConnectError {
  if (error instanceof HostRefusedError) return new ConnectError(error.message, { cause: error });
  if ((error as { authenticationFailed?: boolean } | null)?.authenticationFailed) {
    return new ConnectError('the IMAP server refused the login: check imapUser and imapPassword', {
      cause: error,
    });
  }
  return new ConnectError(`could not connect to an IMAP server at ${mailbox.imapHost}:${port}`, {
    cause: error,
  });
}

export interface ReadMailboxRun extends Partial<Omit<ReaderOptions, 'reconnect'>> {
  reconnect?: Partial<ReaderOptions['reconnect']>;
  signal: AbortSignal;
  onProgress?: (progress: ReaderProgress) => void;
  /** Called with every outcome (tests and benchmarks watch the reader through it). */
  onOutcome?: (outcome: IngestOutcome, uid: number) => void;
}

/** Runs `task` for every item with at most `limit` in flight. */
async function runConcurrently<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

/** The first bytes of an oversized message: enough for its headers. */
const OVERSIZED_PREFIX_BYTES = 256 * 1024;

/**
 * Reads one mailbox until `signal` aborts, `maxRunMs` passes, or the mailbox is deactivated. Connection
 * problems never end it: it reconnects with exponential backoff. Bad mail never stops it either: the
 * pipeline quarantines what it cannot ingest, and a message that keeps failing is quarantined here.
 */
export async function readMailbox(
  deps: MailboxReaderDeps,
  mailboxId: string,
  run: ReadMailboxRun,
): Promise<ReaderExit> {
  const opts: ReaderOptions = {
    ...DEFAULT_READER_OPTIONS,
    ...Object.fromEntries(Object.entries(run).filter(([, v]) => v !== undefined)),
    reconnect: { ...DEFAULT_READER_OPTIONS.reconnect, ...run.reconnect },
  };
  const { db, pipeline } = deps;
  const log = deps.log ?? silentLogger;
  const { signal } = run;
  const deadline = Date.now() + opts.maxRunMs;
  const failures = new Map<string, number>();
  const progress: ReaderProgress = { uidValidity: null, lastUid: 0, processed: 0, connected: false };
  const report = () => run.onProgress?.({ ...progress });

  const store = createProgressStore(db, mailboxId, { skipSeenOnFirstSync: opts.skipSeenOnFirstSync, log });
  const { loadMailbox, recordError } = store;
  const syncProgress = store.sync;
  const isReadable = (m: Mailbox | undefined): m is Mailbox => !!m && m.isActive && !!m.imapHost;

  async function advance(state: Progress, uid: number): Promise<void> {
    if (uid <= state.lastUid) return;
    await store.advance(state, uid);
    state.lastUid = uid;
    progress.lastUid = uid;
    report();
  }

  /** Hands one message to the pipeline; after `maxAttempts` non-transient failures it is quarantined. */
  async function ingestOne(state: Progress, uid: number, raw: Buffer, totalSize: number) {
    const key = `${state.uidValidity}:${uid}`;
    try {
      const outcome = await pipeline.ingest(raw, { mailboxId }, { totalSize });
      failures.delete(key);
      return outcome;
    } catch (error) {
      if (isTransient(error)) throw error;
      const attempts = (failures.get(key) ?? 0) + 1;
      failures.set(key, attempts);
      log.error('ingesting an email failed', { mailboxId, uid, attempts, error: describeError(error) });
      if (attempts < opts.maxAttempts) throw error;
      const outcome = await pipeline.quarantine(
        raw,
        { mailboxId },
        `ingestion failed ${attempts} times: ${describeError(error)}`,
      );
      failures.delete(key);
      return outcome;
    }
  }

  async function processBatch(client: ImapFlow, state: Progress, batch: FetchMessageObject[]): Promise<void> {
    const skip = (m: FetchMessageObject) => state.firstSync && (m.flags?.has('\\Seen') ?? false);
    // Downloads first (one IMAP connection runs one command at a time), then the pipeline work.
    const wanted = batch.filter((m) => !skip(m) && (m.size ?? 0) <= deps.maxEmailBytes).map((m) => m.uid);
    const sources = new Map<number, Buffer>();
    if (wanted.length > 0) {
      for (const m of await client.fetchAll(wanted, { uid: true, source: true }, { uid: true })) {
        if (m.source) sources.set(m.uid, m.source);
      }
    }
    for (const m of batch) {
      if (skip(m) || (m.size ?? 0) <= deps.maxEmailBytes) continue;
      const head = await client.fetchOne(
        String(m.uid),
        { uid: true, source: { start: 0, maxLength: OVERSIZED_PREFIX_BYTES } },
        { uid: true },
      );
      if (head !== false && head.source) sources.set(m.uid, head.source);
    }
    // Skipped, and expunged meanwhile (no source): nothing to ingest, settled as they are.
    const settled = new Set(batch.filter((m) => skip(m) || !sources.has(m.uid)).map((m) => m.uid));
    const work = batch.filter((m) => !settled.has(m.uid));
    const accepted: number[] = [];
    let failure: { error: unknown } | null = null;
    try {
      const groups = groupByConversation(work, (m) => conversationKeys(sources.get(m.uid)!));
      await runConcurrently(groups, opts.concurrency, async (group) => {
        for (const m of group) {
          if (signal.aborted || failure) return;
          const raw = sources.get(m.uid)!;
          try {
            const outcome = await ingestOne(state, m.uid, raw, Math.max(m.size ?? 0, raw.length));
            run.onOutcome?.(outcome, m.uid);
            progress.processed++;
            accepted.push(m.uid);
            settled.add(m.uid);
          } catch (error) {
            failure ??= { error };
            return;
          }
        }
      });
    } finally {
      // Progress moves over the settled UIDs at the start of the batch only: whatever comes after a
      // failure (or a crash) is read again, and the pipeline recognises what it already accepted.
      let done = 0;
      for (const m of batch) {
        if (!settled.has(m.uid)) break;
        done = m.uid;
      }
      await advance(state, done);
      if (accepted.length > 0 && client.usable) {
        await client
          .messageFlagsAdd(accepted, ['\\Seen'], { uid: true })
          .catch((error) =>
            log.debug('could not flag messages \\Seen', { mailboxId, error: describeError(error) }),
          );
      }
    }
    if (failure) throw (failure as { error: unknown }).error;
  }

  /** Ingests everything above the last processed UID; returns when the folder holds nothing newer. */
  async function drain(client: ImapFlow, state: Progress): Promise<void> {
    while (!signal.aborted) {
      // `n:*` also returns the highest message when it is below n (RFC 3501), hence the filter.
      const listed = await client.fetchAll(
        `${state.lastUid + 1}:*`,
        { uid: true, size: true, flags: state.firstSync },
        { uid: true },
      );
      const pending = listed.filter((m) => m.uid > state.lastUid).sort((a, b) => a.uid - b.uid);
      if (pending.length === 0) break;
      for (let i = 0; i < pending.length && !signal.aborted; i += opts.batchSize) {
        await processBatch(client, state, pending.slice(i, i + opts.batchSize));
      }
    }
    state.firstSync = false;
  }

  /** The reader logged in as the address on a server of its domain: the address is the organisation's. */
  async function verifyByLogin(mailbox: Mailbox) {
    if (mailbox.verifiedAt || !loginProvesAddress(mailbox)) return;
    const outcome = await markMailboxVerified(db.adminDb, mailboxId);
    log.info('mailbox address verification by IMAP login', { mailboxId, address: mailbox.address, outcome });
  }

  async function session(mailbox: Mailbox, connected: () => void): Promise<ReaderExit | null> {
    const secure = mailbox.imapSecure;
    const port = mailbox.imapPort ?? (secure ? 993 : 143);
    // Resolved and checked now, and the connection goes to the address checked (TLS still verifies the
    // certificate for the host name): a name re-pointed at a private address after the API accepted it
    // (DNS rebinding) is refused here.
    const [address] = await allowedAddresses(mailbox.imapHost!, deps.hostPolicy).catch((error) => {
      throw connectError(error, mailbox, port);
    });
    const named = isIP(mailbox.imapHost!.replace(/^\[|\]$/g, '')) === 0;
    const client = new ImapFlow({
      host: address!,
      // TLS (SNI and the certificate check) still goes by the name the tenant gave.
      ...(named && address !== mailbox.imapHost ? { servername: mailbox.imapHost! } : {}),
      port,
      secure,
      auth: { user: mailbox.imapUser ?? mailbox.address, pass: mailbox.imapPassword ?? '' },
      logger: false,
      disableAutoIdle: true,
      // Servers without IDLE: imapflow's NOOP poll runs this often while we wait.
      maxIdleTime: opts.pollIntervalMs,
      connectionTimeout: opts.connectionTimeoutMs,
      greetingTimeout: opts.connectionTimeoutMs,
    });
    let wake: (() => void) | null = null;
    let dirty = false;
    let closed = false;
    client.on('exists', () => {
      dirty = true;
      wake?.();
    });
    client.on('mailboxOpen', () => {
      dirty = true;
      wake?.();
    });
    client.on('close', () => {
      closed = true;
      wake?.();
    });
    // Reported once per connection; the session then ends through 'close'.
    client.on('error', (error) =>
      log.debug('IMAP connection error', { mailboxId, error: describeError(error) }),
    );

    const waitForChange = async (until: number) => {
      if (dirty || closed || signal.aborted) return;
      if (opts.useIdle) {
        // Runs until the next command breaks it; its end is not what we wait for.
        client.idle().catch((error) => log.debug('IDLE ended', { mailboxId, error: describeError(error) }));
      }
      await new Promise<void>((resolve) => {
        const finish = () => {
          wake = null;
          clearTimeout(timer);
          signal.removeEventListener('abort', finish);
          resolve();
        };
        const timer = setTimeout(finish, Math.max(0, Math.min(opts.pollIntervalMs, until - Date.now())));
        wake = finish;
        signal.addEventListener('abort', finish, { once: true });
      });
    };

    try {
      await client.connect().catch((error) => {
        throw connectError(error, mailbox, port);
      });
      const opened = await client.mailboxOpen(mailbox.imapFolder);
      let selectedAt = Date.now();
      let state = await syncProgress(Number(opened.uidValidity));
      progress.connected = true;
      progress.uidValidity = state.uidValidity;
      progress.lastUid = state.lastUid;
      report();
      connected();
      await recordError(null);
      await verifyByLogin(mailbox);
      log.info('mailbox reader connected', {
        mailboxId,
        address: mailbox.address,
        folder: mailbox.imapFolder,
        uidValidity: state.uidValidity,
        lastUid: state.lastUid,
        idle: opts.useIdle && client.capabilities.has('IDLE'),
      });

      for (;;) {
        if (signal.aborted) return 'aborted';
        if (Date.now() >= deadline) return 'rotated';
        if (closed || !client.usable) throw new Error('IMAP connection closed');
        dirty = false;
        // A folder deleted and recreated under an open session can keep answering from the old one
        // (Dovecot does, STATUS included): selecting it again now and then sees it as it is.
        if (Date.now() - selectedAt >= opts.pollIntervalMs) {
          await client.mailboxOpen(mailbox.imapFolder);
          selectedAt = Date.now();
        }
        const current = client.mailbox ? Number(client.mailbox.uidValidity) : state.uidValidity;
        if (current !== state.uidValidity) {
          state = await syncProgress(current);
          progress.uidValidity = current;
        }
        await drain(client, state);
        if (signal.aborted) continue;
        // Cheap, and lets a mailbox switched off (or re-pointed) through the API take effect promptly.
        const fresh = await loadMailbox();
        if (!isReadable(fresh)) return 'inactive';
        if (
          fresh.imapHost !== mailbox.imapHost ||
          fresh.imapPort !== mailbox.imapPort ||
          fresh.imapUser !== mailbox.imapUser ||
          fresh.imapPassword !== mailbox.imapPassword ||
          fresh.imapFolder !== mailbox.imapFolder ||
          fresh.imapSecure !== mailbox.imapSecure
        ) {
          log.info('mailbox settings changed, reconnecting', { mailboxId });
          return null;
        }
        await waitForChange(deadline);
      }
    } finally {
      progress.connected = false;
      report();
      if (client.usable) {
        await Promise.race([client.logout().catch(() => undefined), sleep(2_000)]);
      }
      client.close();
    }
  }

  let delay = opts.reconnect.initialMs;
  while (!signal.aborted && Date.now() < deadline) {
    try {
      const mailbox = await loadMailbox();
      if (!isReadable(mailbox)) {
        log.info('mailbox inactive or without IMAP settings: reader stops', { mailboxId });
        return 'inactive';
      }
      const exit = await session(mailbox, () => {
        delay = opts.reconnect.initialMs;
      });
      if (exit) return exit;
    } catch (error) {
      if (signal.aborted) break;
      log.warn('mailbox reader lost its connection, reconnecting', {
        mailboxId,
        error: describeError(error instanceof ConnectError ? error.cause : error),
        retryInMs: delay,
      });
      // The operator's log has the details; the tenant's view only what cannot map the network.
      const shown = error instanceof ConnectError ? error.message : describeError(error);
      await recordError(shown).catch(() => undefined);
      // Up to 25 % jitter, so readers of many mailboxes on one server do not reconnect in lockstep.
      await sleep(delay * (0.75 + Math.random() * 0.25), undefined, { signal }).catch(() => undefined);
      delay = Math.min(delay * 2, opts.reconnect.maxMs);
    }
  }
  return signal.aborted ? 'aborted' : 'rotated';
}
