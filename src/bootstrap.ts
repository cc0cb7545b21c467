// What every entry point needs, built once from the validated config: the database (migrated), a
// Temporal connection (the local dev server when no address is configured), the mailer and storage.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, type LogLevel, NativeConnection, Runtime } from '@temporalio/worker';
import type { ActivityDeps } from './activities/index.js';
import { createFileMailer, createSmtpMailer, type Mailer } from './activities/mailer.js';
import { createFileStorage, type Storage } from './activities/storage.js';
import { type Config, ConfigError } from './config.js';
import { type DatabaseHandle, openDatabase } from './db/client.js';
import { isOutage } from './outage.js';
import { createSurveyLinks, type SurveyLinks } from './surveys/signed-links.js';
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
  surveyLinks: SurveyLinks;
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
    await whenReachable('database', log, () => db.migrate(), isOutage);
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
    const connection = await whenReachable('temporal', log, () => Connection.connect({ address }));
    closers.push(() => connection.close());
    const native = await whenReachable('temporal', log, () => NativeConnection.connect({ address }));
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
      surveyLinks: createSurveyLinks(config.api.publicUrl, await surveySigningKey(config, log)),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

const START_PATIENCE_MS = 120_000;

/**
 * Runs `attempt` until it succeeds: a process started while PostgreSQL or Temporal is restarting (a
 * deploy, a host reboot) waits for it with backoff instead of exiting, and gives up after two minutes.
 */
async function whenReachable<T>(
  what: string,
  log: (msg: string) => void,
  attempt: () => Promise<T>,
  // A connection attempt only fails for want of a server (or a wrong address, found out in two minutes).
  retryable: (error: unknown) => boolean = () => true,
): Promise<T> {
  const giveUpAt = Date.now() + START_PATIENCE_MS;
  for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() + delay > giveUpAt || !retryable(error)) throw error;
      log(`${what}: not reachable yet (${(error as Error).message}), retrying in ${delay / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** What the ticket activities need from the process's infrastructure. */
export function activityDeps(infra: Infrastructure): ActivityDeps {
  return {
    db: infra.db,
    mailer: infra.mailer,
    storage: infra.storage,
    defaultFrom: infra.config.mail.defaultFrom,
    surveyLinks: infra.surveyLinks,
  };
}

/**
 * SURVEY_SIGNING_KEY, else a key generated once under DATA_DIR: enough for `npm start` and for
 * processes sharing a data folder; separate hosts must share SURVEY_SIGNING_KEY.
 */
async function surveySigningKey(config: Config, log: (msg: string) => void): Promise<string> {
  if (config.surveys.signingKey) return config.surveys.signingKey;
  const path = join(config.dataDir, 'survey-signing-key');
  const existing = await readFile(path, 'utf8').catch(() => null);
  if (existing?.trim()) return existing.trim();
  await mkdir(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  // 'wx': when two processes start together, the second keeps the first one's key.
  await writeFile(path, key, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
  log(`surveys: no SURVEY_SIGNING_KEY, survey links are signed with the key in ${path}`);
  return (await readFile(path, 'utf8')).trim();
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
