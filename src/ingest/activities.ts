import { Context } from '@temporalio/activity';
import {
  type MailboxReaderDeps,
  type ReaderExit,
  type ReaderOptions,
  type ReaderProgress,
  readMailbox,
} from './imap-reader.js';
import type { IngestOutcome } from './pipeline.js';

export interface IngestActivityDeps extends MailboxReaderDeps {
  /** Reader tuning (poll interval, IDLE, batch size, backoff, run length). */
  reader?: Partial<Omit<ReaderOptions, 'reconnect'>> & { reconnect?: Partial<ReaderOptions['reconnect']> };
  /** Watches every outcome (tests, benchmarks). */
  onOutcome?: (event: { mailboxId: string; uid: number; outcome: IngestOutcome }) => void;
}

export interface ReadMailboxResult {
  exit: Exclude<ReaderExit, 'aborted'>;
  /** Messages handed to the pipeline by this run. */
  processed: number;
}

/** Activities of the ingest worker (task queue `insightdesk-ingest`), bound to their dependencies. */
export function createIngestActivities(deps: IngestActivityDeps) {
  return {
    /**
     * Reads one mailbox for as long as the reader runs (up to its maxRunMs), heartbeating all along: the
     * heartbeat is the lease that keeps other workers away, and the channel that delivers cancellation
     * (workflow cancelled, worker shutting down, heartbeat timed out).
     */
    async readMailbox({ mailboxId }: { mailboxId: string }): Promise<ReadMailboxResult> {
      const ctx = Context.current();
      const state: { progress: ReaderProgress | null } = { progress: null };
      const beat = () => ctx.heartbeat(state.progress);
      const every = Math.min(5_000, Math.max(200, (ctx.info.heartbeatTimeoutMs ?? 30_000) / 4));
      const timer = setInterval(beat, every);
      beat();
      try {
        const exit = await readMailbox({ ...deps, log: deps.log ?? ctx.log }, mailboxId, {
          ...deps.reader,
          signal: ctx.cancellationSignal,
          onProgress: (p) => {
            state.progress = p;
          },
          onOutcome: deps.onOutcome && ((outcome, uid) => deps.onOutcome?.({ mailboxId, uid, outcome })),
        });
        // Stopped because cancellation was requested: report it as such (this rejects).
        if (exit === 'aborted') await ctx.cancelled;
        return { exit: exit === 'aborted' ? 'rotated' : exit, processed: state.progress?.processed ?? 0 };
      } finally {
        clearInterval(timer);
      }
    },
  };
}

export type IngestActivities = ReturnType<typeof createIngestActivities>;
