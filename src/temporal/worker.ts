import { fileURLToPath } from 'node:url';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../activities/index.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface TicketWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Tuning (cache size, concurrency) passed through to the SDK. */
  tuning?: Pick<
    WorkerOptions,
    | 'maxCachedWorkflows'
    | 'maxConcurrentActivityTaskExecutions'
    | 'maxConcurrentLocalActivityExecutions'
    | 'maxConcurrentWorkflowTaskExecutions'
  >;
}

/**
 * Ticket workflows kept in memory between their tasks. The SDK's default grows with the heap limit (about
 * 2,300 on a 4 GiB heap) and memory with it; an evicted ticket replays its short history on its next task
 * (bench/engine.ts --memory measures both).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 1_000;

/** The ticket worker: every ticket workflow and its activities, bound to their dependencies. */
export function createTicketWorker({
  connection,
  namespace,
  taskQueue,
  deps,
  tuning,
}: TicketWorkerOptions): Promise<Worker> {
  return Worker.create({
    maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS,
    ...tuning,
    connection,
    namespace,
    taskQueue,
    workflowsPath,
    activities: createActivities(deps),
  });
}
