/**
 * Test helpers for Temporal. Both need the tools installed by `bash scripts/setup-tools.sh`
 * (nothing is downloaded at test time, so they work offline and in CI).
 *
 * - startTimeSkippingEnv(): Java time-skipping test server (.tools/bin/temporal-test-server), for workflow
 *   tests that sleep for hours or days.
 * - startDevServerForTests(): a real `temporal server start-dev` (.tools/bin/temporal) on free ports with a
 *   throw-away SQLite store, for tests that need full server behaviour.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import {
  findTemporalBinary,
  findTimeSkippingServer,
  type StartTemporalDevServerOptions,
  startTemporalDevServer,
  type TemporalDevServer,
} from '../../src/temporal/dev-server.js';

/**
 * Installs the SDK Runtime with a quieter logger (default WARN: hides the per-worker INFO lines and webpack
 * bundle reports). Call once at the top of a test file, before any Worker, connection or test environment is
 * created; a no-op when the Runtime already exists (each vitest test file runs in its own process).
 */
export function quietTemporalRuntime(level: LogLevel = 'WARN'): void {
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // Already installed or instantiated in this process: keep it.
  }
}

const SETUP_HINT = 'Run `bash scripts/setup-tools.sh` to install the Temporal tooling into .tools/.';

/** Starts a TestWorkflowEnvironment backed by the local Java time-skipping test server. Call `teardown()`. */
export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const serverPath = findTimeSkippingServer();
  if (serverPath === undefined) {
    throw new Error(
      `Temporal time-skipping test server not found (.tools/bin/temporal-test-server). ${SETUP_HINT}`,
    );
  }
  // The server starts with time skipping locked: time only jumps inside env.sleep() and handle.result().
  // The SDK gives the JVM a fixed 5 s to answer, which a loaded machine misses now and then: try again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: serverPath } },
      });
    } catch (error) {
      if (attempt >= 4 || !/did not start within/.test((error as Error).message)) throw error;
    }
  }
}

export interface TestDevServer extends TemporalDevServer {
  /** Temporary directory holding the server's SQLite store; removed by `stop()`. */
  dataDir: string;
}

/**
 * Starts `temporal server start-dev` on free ports with a temporary data directory. `stop()` stops the server
 * and removes the directory. Never downloads anything: throws when the CLI is not installed.
 */
export async function startDevServerForTests(
  opts: Omit<StartTemporalDevServerOptions, 'dataDir'> = {},
): Promise<TestDevServer> {
  const pathEnv = opts.pathEnv ?? process.env.PATH ?? '';
  if (opts.binary === undefined && findTemporalBinary({ pathEnv }) === undefined) {
    throw new Error(`Temporal CLI not found (.tools/bin/temporal or PATH). ${SETUP_HINT}`);
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'insightdesk-temporal-'));
  let server: TemporalDevServer;
  try {
    server = await startTemporalDevServer({ ...opts, pathEnv, dataDir, sdkFallback: false });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...server,
    dataDir,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
