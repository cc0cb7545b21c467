/**
 * Proves the Temporal tooling from scripts/setup-tools.sh works for real (no mocks):
 * the dev-server launcher, a Worker bundling workflows from a path, and the time-skipping test server.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  quietTemporalRuntime,
  startDevServerForTests,
  startTimeSkippingEnv,
  type TestDevServer,
} from '../support/temporal.js';
import type { echo, sleeper } from '../support/workflows/echo.js';

quietTemporalRuntime();

const workflowsPath = fileURLToPath(new URL('../support/workflows/echo.ts', import.meta.url));

describe('temporal dev server launcher', () => {
  let server: TestDevServer | undefined;

  beforeAll(async () => {
    server = await startDevServerForTests({ namespace: 'tooling-test' });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('starts a server that a client can use and a worker can serve', async () => {
    const srv = server!;
    expect(srv.kind).toBe('cli');
    expect(srv.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(existsSync(path.join(srv.dataDir, 'temporal.sqlite'))).toBe(true);
    // Write-ahead log (DEV_SERVER_SQLITE_PRAGMAS): SQLite keeps the -wal file beside the store while it runs.
    expect(existsSync(path.join(srv.dataDir, 'temporal.sqlite-wal'))).toBe(true);

    const connection = await Connection.connect({ address: srv.address });
    try {
      const described = await connection.workflowService.describeNamespace({ namespace: 'tooling-test' });
      expect(described.namespaceInfo?.name).toBe('tooling-test');

      const client = new Client({ connection, namespace: 'tooling-test' });
      const nativeConnection = await NativeConnection.connect({ address: srv.address });
      try {
        const taskQueue = `tooling-${randomUUID()}`;
        const worker = await Worker.create({
          connection: nativeConnection,
          namespace: 'tooling-test',
          taskQueue,
          workflowsPath,
        });
        const result = await worker.runUntil(
          client.workflow.execute<typeof echo>('echo', {
            taskQueue,
            workflowId: `echo-${randomUUID()}`,
            args: ['hello'],
          }),
        );
        expect(result).toBe('echo: hello');
      } finally {
        await nativeConnection.close();
      }
    } finally {
      await connection.close();
    }
  });

  it('stops the server and frees its port', async () => {
    const srv = server!;
    server = undefined;
    await srv.stop();
    await srv.stop(); // idempotent
    expect(existsSync(srv.dataDir)).toBe(false);
    const connection = await Connection.connect({ address: srv.address, connectTimeout: 1_000 }).catch(
      (err: unknown) => err,
    );
    expect(connection).toBeInstanceOf(Error);
  });
});

describe('temporal time-skipping test server', () => {
  let env: TestWorkflowEnvironment | undefined;

  beforeAll(async () => {
    env = await startTimeSkippingEnv();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow that sleeps 2 hours in a few seconds of wall time', async () => {
    const testEnv = env!;
    expect(testEnv.supportsTimeSkipping).toBe(true);
    const taskQueue = `time-skipping-${randomUUID()}`;
    const worker = await Worker.create({
      connection: testEnv.nativeConnection,
      taskQueue,
      workflowsPath,
    });
    const twoHoursMs = 2 * 60 * 60 * 1000;
    const serverTimeBefore = await testEnv.currentTimeMs();
    const started = Date.now();
    const result = await worker.runUntil(
      testEnv.client.workflow.execute<typeof sleeper>('sleeper', {
        taskQueue,
        workflowId: `sleeper-${randomUUID()}`,
        args: [twoHoursMs],
      }),
    );
    const wallMs = Date.now() - started;
    expect(result).toBe(`slept ${twoHoursMs} ms`);
    expect(wallMs).toBeLessThan(30_000);
    expect((await testEnv.currentTimeMs()) - serverTimeBefore).toBeGreaterThanOrEqual(twoHoursMs);
  });
});
