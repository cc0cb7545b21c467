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
  const cluster = await startTestCluster();
  const name = `insightdesk_test_${process.pid}`;
  const databaseUrl = await createMigratedDatabase(cluster.serverUrl, name);
  project.provide('databaseUrl', databaseUrl);
  project.provide('databaseServerUrl', cluster.serverUrl);

  return async () => {
    await dropDatabase(cluster.serverUrl, name);
    await cluster.stop();
  };
}
