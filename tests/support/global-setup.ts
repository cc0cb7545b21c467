import type { TestProject } from 'vitest/node';
import { createMigratedDatabase, dropDatabase, startTestCluster } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated database for this run; tests isolate themselves by creating their own organisation. */
    databaseUrl: string;
    /** The server's superuser URL, for tests that need a database of their own. */
    databaseServerUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const cluster = await startTestCluster().catch(failed('starting the test PostgreSQL cluster'));
  const name = `insightdesk_test_${process.pid}`;
  const databaseUrl = await createMigratedDatabase(cluster.serverUrl, name).catch(
    failed(`creating and migrating the test database ${name}`),
  );
  project.provide('databaseUrl', databaseUrl);
  project.provide('databaseServerUrl', cluster.serverUrl);

  return async () => {
    await dropDatabase(cluster.serverUrl, name);
    await cluster.stop();
  };
}

/** Says what failed (with the command's own output) before vitest reports an empty run. */
function failed(what: string) {
  return (error: Error & { stderr?: string }): never => {
    const output = error.stderr?.trim();
    console.error(`\nglobal set-up failed while ${what}: ${error.message}${output ? `\n${output}` : ''}\n`);
    throw error;
  };
}
