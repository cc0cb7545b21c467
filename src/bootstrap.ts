// What every entry point needs, built once from the validated config: the database (migrated), a
// Temporal connection (the local dev server when no address is configured), the mailer and storage.
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, type LogLevel, NativeConnection, Runtime } from '@temporalio/worker';
import { createFileMailer, createSmtpMailer, type Mailer } from './activities/mailer.js';
import { createFileStorage, type Storage } from './activities/storage.js';
import { type Config, ConfigError } from './config.js';
import { type DatabaseHandle, openDatabase } from './db/client.js';
import { startTemporalDevServer, type TemporalDevServer } from './temporal/dev-server.js';

export interface Infrastructure {
  config: Config;
  db: DatabaseHandle;
  temporal: {
    address: string;
    /** Set when we started the local dev server. */
    uiUrl?: string;
    client: Client;
    /** For workers. */
    native: NativeConnection;
  };
  mailer: Mailer;
  storage: Storage;
  /** Closes everything in reverse order of opening. */
  close(): Promise<void>;
}

/**
 * `shared`: this process is one of several (api, worker, ingest) that must meet on the same database and
 * Temporal server, so the embedded defaults (one process only) are refused, naming the variables to set.
 */
export async function openInfrastructure(
  config: Config,
  log: (msg: string) => void,
  mode: 'all-in-one' | 'shared' = 'shared',
): Promise<Infrastructure> {
  if (mode === 'shared') {
    const missing = [
      !config.databaseUrl && 'DATABASE_URL',
      !config.temporal.address && 'TEMPORAL_ADDRESS',
    ].filter(Boolean);
    if (missing.length) {
      throw new ConfigError(
        `${missing.join(' and ')} must be set when api, worker and ingest run as separate processes (npm start runs everything in one process without them)`,
      );
    }
  }
  installTemporalLogger(config.logLevel);
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const db = await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.databasePoolSize,
    });
    closers.push(() => db.close());
    await db.migrate();
    log(
      config.databaseUrl
        ? 'database: PostgreSQL, migrated'
        : `database: embedded PGlite in ${join(config.dataDir, 'pglite')}, migrated`,
    );

    let devServer: TemporalDevServer | undefined;
    let address = config.temporal.address;
    if (!address) {
      devServer = await startTemporalDevServer({
        dataDir: join(config.dataDir, 'temporal'),
        port: config.temporal.devServer.port,
        uiPort: config.temporal.devServer.uiPort,
        namespace: config.temporal.namespace,
        binary: config.temporal.devServer.binary,
        pathEnv: config.temporal.devServer.pathEnv,
      });
      closers.push(() => devServer?.stop());
      address = devServer.address;
      log(`temporal: local dev server on ${address}${devServer.uiUrl ? `, UI ${devServer.uiUrl}` : ''}`);
    }
    const connection = await Connection.connect({ address });
    closers.push(() => connection.close());
    const native = await NativeConnection.connect({ address });
    closers.push(() => native.close());
    const client = new Client({ connection, namespace: config.temporal.namespace });

    const mailer = config.mail.smtpUrl
      ? createSmtpMailer(config.mail.smtpUrl)
      : createFileMailer(join(config.dataDir, 'outbox'));
    closers.push(() => mailer.close());
    if (!config.mail.smtpUrl)
      log(`mail: no SMTP_URL, outgoing mail is written to ${join(config.dataDir, 'outbox')}`);

    return {
      config,
      db,
      temporal: { address, uiUrl: devServer?.uiUrl, client, native },
      mailer,
      storage: createFileStorage(join(config.dataDir, 'files')),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Runs `stop` once on SIGINT/SIGTERM, so servers finish requests and workers hand back their tasks. */
export function onShutdown(stop: () => Promise<void>) {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, shutting down`);
    stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

const TEMPORAL_LEVELS: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'WARN', // the SDK's info lines (bundles built, workers polling) are noise to an operator
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

/** The Temporal SDK logs through its own runtime, installed once per process before any worker. */
function installTemporalLogger(level: string) {
  try {
    Runtime.install({ logger: new DefaultLogger(TEMPORAL_LEVELS[level] ?? 'WARN') });
  } catch {
    // Already installed (a second openInfrastructure in the same process keeps the first logger).
  }
}
