import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { openDatabase } from '../../src/db/client.js';
import { getFreePort } from '../../src/net/free-port.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Where a test cluster lives: data/test/<name> in the checkout; as root, whose server runs as the
 * `postgres` user (who cannot enter a checkout under /root or in a private mktemp -d), a folder of
 * /tmp keyed by the checkout's path instead.
 */
function clusterPath(name: string): string {
  if (process.getuid?.() !== 0) return `${repoRoot}data/test/${name}`;
  const checkout = createHash('sha256').update(repoRoot).digest('hex').slice(0, 12);
  return join(tmpdir(), `insightdesk-test-${checkout}`, name);
}
const clusterDir = clusterPath('pg');

/** A server URL: TEST_DATABASE_URL when given, else the private cluster (see clusterPath). */
export async function startTestCluster(): Promise<{ serverUrl: string; stop(): Promise<void> }> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) return { serverUrl: given, stop: async () => {} };
  const script = `${repoRoot}scripts/pg-cluster.sh`;
  // A cluster someone else started (another test run, a developer's shell) is shared, not stopped.
  const alreadyRunning = await run('bash', [script, 'status', clusterDir]).then(
    () => true,
    () => false,
  );
  const { stdout } = await run('bash', [script, 'start', clusterDir, String(await getFreePort())]);
  return {
    serverUrl: stdout.trim(),
    stop: async () => {
      // Another run (a second terminal) may still have its database on the cluster: leave it to that run.
      // Projects tear down concurrently: the other one may have stopped the cluster already (refused).
      const othersLeft = await hasTestDatabases(stdout.trim()).catch(() => true);
      if (!alreadyRunning && !othersLeft) await run('bash', [script, 'stop', clusterDir]);
    },
  };
}

/**
 * A cluster of the caller's own (data/test/<name>, see clusterPath), for runs that stop and start PostgreSQL under their
 * processes' feet without disturbing other tests. `start(port)` again after `stop()` brings it back on the
 * same port, with its data.
 */
export function privateCluster(name: string) {
  const dir = clusterPath(name);
  const script = `${repoRoot}scripts/pg-cluster.sh`;
  return {
    async start(port: number): Promise<string> {
      return (await run('bash', [script, 'start', dir, String(port)])).stdout.trim();
    },
    async stop(): Promise<void> {
      await run('bash', [script, 'stop', dir]);
    },
  };
}

/** Whether any test run still has its database (`insightdesk_test_<pid>`) on the server. */
async function hasTestDatabases(serverUrl: string): Promise<boolean> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] =
      await admin`select count(*)::int as n from pg_database where datname like 'insightdesk\_test\_%'`;
    return (row?.n ?? 0) > 0;
  } finally {
    await admin.end();
  }
}

/** Creates a fresh, migrated database on the server and returns its URL. */
export async function createMigratedDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), poolSize: 1 });
  await handle.migrate();
  await handle.close();
  return url.toString();
}

export async function dropDatabase(serverUrl: string, name: string) {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}
