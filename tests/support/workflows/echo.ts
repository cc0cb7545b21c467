/**
 * Tiny workflows used by tests/integration/temporal-tooling.test.ts to prove the Temporal tooling works.
 * Bundled by the Worker through `workflowsPath`: import only from @temporalio/workflow here.
 */
import { sleep } from '@temporalio/workflow';

/** Returns its input, prefixed: proves a Worker picked the task up. */
export async function echo(message: string): Promise<string> {
  return `echo: ${message}`;
}

/** Sleeps for `durationMs` of workflow time, then reports it: proves time skipping. */
export async function sleeper(durationMs: number): Promise<string> {
  await sleep(durationMs);
  return `slept ${durationMs} ms`;
}
