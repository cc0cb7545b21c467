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

/** The ticket worker: every ticket workflow and its activities, bound to their dependencies. */
export function createTicketWorker({
  connection,
  namespace,
  taskQueue,
  deps,
  tuning,
}: TicketWorkerOptions): Promise<Worker> {
  return Worker.create({
    ...tuning,
    connection,
    namespace,
    taskQueue,
    workflowsPath,
    activities: createActivities(deps),
  });
}
