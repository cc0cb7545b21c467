import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { openDatabase } from '../../src/db/client.js';
import { getFreePort } from './ports.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const clusterDir = `${repoRoot}data/test/pg`;

/** A server URL: TEST_DATABASE_URL when given, else the private cluster under data/test/pg. */
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
      if (!alreadyRunning) await run('bash', [script, 'stop', clusterDir]);
    },
  };
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
  const handle = await openDatabase({ url: url.toString(), dataDir: '', poolSize: 1 });
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
