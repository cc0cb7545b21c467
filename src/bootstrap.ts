// What every entry point needs, built once from the validated config: the database (migrated), a
// Temporal connection (the local dev server when no address is configured), the mailer and storage.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { ActivityDeps } from './activities/index.js';
import { type Config, ConfigError } from './config.js';
import { type DatabaseHandle, openDatabase } from './db/client.js';
import { startEmbeddedPostgres } from './db/embedded-postgres.js';
import { isOutage } from './errors.js';
import { findRunningInstance, type InstanceLock, lockDataDir } from './instance.js';
import type { Logger } from './logger.js';
import { createFileMailer, createSmtpMailer, type Mailer } from './mail/mailer.js';
import { step } from './process.js';
import { createFileStorage, type Storage } from './storage/storage.js';
import { createSurveyLinks, type SurveyLinks } from './surveys/signed-links.js';
import { startTemporalDevServer } from './temporal/dev-server.js';

export interface Infrastructure {
  config: Config;
  db: DatabaseHandle;
  database: {
    /** host:port, for messages. */
    address: string;
    /** Started by this process (npm start's PostgreSQL) or found through DATA_DIR. */
    embedded: boolean;
  };
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

type Mode = 'all-in-one' | 'shared';

/**
 * `all-in-one` (npm start): takes DATA_DIR (a second start refuses), checks its ports, and starts the
 * embedded PostgreSQL and the local Temporal dev server where DATABASE_URL/TEMPORAL_ADDRESS are unset.
 * `shared` (api, worker, ingest as processes of their own): they must meet on one database and one
 * Temporal server: DATABASE_URL and TEMPORAL_ADDRESS, or else those of the `npm start` running on the same
 * DATA_DIR.
 */
export async function openInfrastructure(
  config: Config,
  log: Logger,
  mode: Mode = 'shared',
): Promise<Infrastructure> {
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const services =
      mode === 'all-in-one' ? await startOwnServices(config, log, closers) : await sharedServices(config);
    const db = await openDatabase({ url: services.databaseUrl, poolSize: config.databasePoolSize });
    closers.push(() => db.close());
    await step(
      log,
      `database: migrating ${services.databaseAddress}`,
      () =>
        whenReachable(
          `PostgreSQL at ${services.databaseAddress}`,
          'DATABASE_URL',
          log,
          () => db.migrate(),
          isOutage,
        ),
      () => 'database: migrations applied',
    );

    let address = services.temporalAddress;
    let uiUrl: string | undefined = services.temporalUiUrl;
    if (!address) {
      const devServer = await step(
        log,
        'temporal: starting the local dev server',
        () =>
          startTemporalDevServer({
            dataDir: join(config.dataDir, 'temporal'),
            port: config.temporal.devServer.port,
            uiPort: config.temporal.devServer.uiPort,
            namespace: config.temporal.namespace,
            binary: config.temporal.devServer.binary,
            pathEnv: config.temporal.devServer.pathEnv,
            log: (line) => log.debug(line),
          }),
        (server) => `temporal: dev server on ${server.address}`,
      );
      closers.push(() => devServer.stop());
      address = devServer.address;
      uiUrl = devServer.uiUrl;
      await services.lock?.publish({
        temporalAddress: address,
        temporalUiUrl: uiUrl,
        children: [
          ...(services.children ?? []),
          ...(devServer.pid ? [{ name: 'temporal', pid: devServer.pid }] : []),
        ],
      });
    }
    const temporalAddress = address;
    const variable = 'TEMPORAL_ADDRESS';
    const connection = await whenReachable(`Temporal at ${temporalAddress}`, variable, log, () =>
      Connection.connect({ address: temporalAddress }),
    );
    closers.push(() => connection.close());
    const native = await whenReachable(`Temporal at ${temporalAddress}`, variable, log, () =>
      NativeConnection.connect({ address: temporalAddress }),
    );
    closers.push(() => native.close());
    const client = new Client({ connection, namespace: config.temporal.namespace });

    const mailer = config.mail.smtpUrl
      ? createSmtpMailer(config.mail.smtpUrl)
      : createFileMailer(join(config.dataDir, 'outbox'));
    closers.push(() => mailer.close());
    if (!config.mail.smtpUrl)
      log.info(`mail: no SMTP_URL, outgoing mail is written to ${join(config.dataDir, 'outbox')}`);

    return {
      config,
      db,
      database: { address: services.databaseAddress, embedded: services.embedded },
      temporal: { address: temporalAddress, uiUrl, client, native },
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

interface Services {
  databaseUrl: string;
  /** host:port, for messages (the URL may carry a password). */
  databaseAddress: string;
  embedded: boolean;
  /** Undefined: start the local dev server. */
  temporalAddress?: string;
  temporalUiUrl?: string;
  lock?: InstanceLock;
  children?: { name: string; pid: number }[];
}

const hostOf = (url: string) => new URL(url).host;

/** npm start: DATA_DIR locked, ports checked before anything starts, then the embedded database. */
async function startOwnServices(
  config: Config,
  log: Logger,
  closers: (() => Promise<void> | void)[],
): Promise<Services> {
  const { lock, stale } = await lockDataDir(config.dataDir, 'npm start');
  closers.push(() => lock.release());
  await stopLeftoverChildren(stale?.children ?? [], log);
  await assertPortsFree([
    { variable: 'API_PORT', host: config.api.host, port: config.api.port },
    ...(config.databaseUrl
      ? []
      : [{ variable: 'EMBEDDED_POSTGRES_PORT', host: '127.0.0.1', port: config.embeddedPostgresPort }]),
    ...(config.temporal.address
      ? []
      : [
          { variable: 'TEMPORAL_DEV_PORT', host: '127.0.0.1', port: config.temporal.devServer.port },
          { variable: 'TEMPORAL_UI_PORT', host: '127.0.0.1', port: config.temporal.devServer.uiPort },
        ]),
  ]);
  if (existsSync(join(config.dataDir, 'pglite'))) {
    log.warn(
      `database: ${join(config.dataDir, 'pglite')} holds data of an earlier InsightDesk (PGlite), which is no longer read; this start uses PostgreSQL in ${join(config.dataDir, 'postgres')}. Delete the pglite folder when you no longer need it (its organisations and tickets are not carried over)`,
    );
  }
  if (config.databaseUrl) {
    await lock.publish({ databaseUrl: config.databaseUrl, temporalAddress: config.temporal.address });
    return {
      databaseUrl: config.databaseUrl,
      databaseAddress: hostOf(config.databaseUrl),
      embedded: false,
      temporalAddress: config.temporal.address,
      lock,
    };
  }
  const database = await step(
    log,
    `database: starting PostgreSQL in ${join(config.dataDir, 'postgres')}`,
    () => startEmbedded(config, log),
    (pg) => `database: PostgreSQL on ${pg.address}`,
  );
  closers.push(() => database.stop());
  const children = [{ name: 'postgres', pid: database.pid }];
  await lock.publish({ databaseUrl: database.url, temporalAddress: config.temporal.address, children });
  return {
    databaseUrl: database.url,
    databaseAddress: database.address,
    embedded: true,
    temporalAddress: config.temporal.address,
    lock,
    children,
  };
}

const startEmbedded = (config: Config, log: Logger) =>
  startEmbeddedPostgres({ dir: join(config.dataDir, 'postgres'), port: config.embeddedPostgresPort, log });

/** api, worker, ingest: the configured servers, else those of the npm start running on DATA_DIR. */
async function sharedServices(config: Config): Promise<Services> {
  const running = await findRunningInstance(config.dataDir);
  const databaseUrl = config.databaseUrl ?? running?.databaseUrl;
  const temporalAddress = config.temporal.address ?? running?.temporalAddress;
  const missing = [!databaseUrl && 'DATABASE_URL', !temporalAddress && 'TEMPORAL_ADDRESS'].filter(Boolean);
  if (!databaseUrl || !temporalAddress) {
    throw new ConfigError(
      `${missing.join(' and ')} must be set: api, worker and ingest as separate processes meet on one PostgreSQL and one Temporal server (or start npm start first with the same DATA_DIR, ${resolve(config.dataDir)}, and they use its servers)`,
    );
  }
  return {
    databaseUrl,
    databaseAddress: hostOf(databaseUrl),
    embedded: !config.databaseUrl,
    temporalAddress,
    temporalUiUrl: running?.temporalUiUrl,
  };
}

/**
 * The CLI's database: DATABASE_URL, else the running npm start's PostgreSQL (found through DATA_DIR),
 * else the embedded PostgreSQL started for the command's duration (DATA_DIR locked meanwhile).
 */
export async function openCliDatabase(
  config: Config,
  log: Logger,
): Promise<{ db: DatabaseHandle; close(): Promise<void> }> {
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    let url = config.databaseUrl ?? (await findRunningInstance(config.dataDir))?.databaseUrl;
    if (!url) {
      const { lock } = await lockDataDir(config.dataDir, 'the CLI');
      closers.push(() => lock.release());
      await assertPortsFree([
        { variable: 'EMBEDDED_POSTGRES_PORT', host: '127.0.0.1', port: config.embeddedPostgresPort },
      ]);
      const database = await startEmbedded(config, log);
      closers.push(() => database.stop());
      url = database.url;
    }
    const db = await openDatabase({ url, poolSize: 2 });
    closers.push(() => db.close());
    const target = url;
    await whenReachable(`PostgreSQL at ${hostOf(target)}`, 'DATABASE_URL', log, () => db.migrate(), isOutage);
    return { db, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The Temporal server the CLI talks to: TEMPORAL_ADDRESS, else the running npm start's. */
export async function cliTemporalAddress(config: Config): Promise<string> {
  const address = config.temporal.address ?? (await findRunningInstance(config.dataDir))?.temporalAddress;
  if (!address) {
    throw new ConfigError(
      `no Temporal server: start InsightDesk (npm start) with DATA_DIR=${config.dataDir}, or set TEMPORAL_ADDRESS to the running Temporal server`,
    );
  }
  return address;
}

/** Every port this start will listen on, checked before anything starts: one line per taken port. */
async function assertPortsFree(ports: { variable: string; host: string; port: number }[]) {
  const taken: string[] = [];
  for (const { variable, host, port } of ports) {
    if (port === 0) continue;
    const free = await new Promise<boolean>((resolveFree) => {
      const server = createServer();
      server.once('error', () => resolveFree(false));
      server.listen({ host, port, exclusive: true }, () => server.close(() => resolveFree(true)));
    });
    if (!free)
      taken.push(
        `port ${port} on ${host} is in use by another program; stop it or set ${variable} to a free port`,
      );
  }
  if (taken.length) throw new ConfigError(taken.join('\n'));
}

/** Servers a previous start launched and did not stop (it was killed): stopped before their ports are checked. */
async function stopLeftoverChildren(children: { name: string; pid: number }[], log: Logger) {
  for (const child of children) {
    // The pid may have been reused since: only a process still running that program is stopped.
    const command = await readFile(`/proc/${child.pid}/cmdline`, 'utf8').catch(() => '');
    if (!command.includes(child.name)) continue;
    log.info(`${child.name}: stopping the server a previous start left running (pid ${child.pid})`);
    process.kill(child.pid, child.name === 'postgres' ? 'SIGINT' : 'SIGTERM');
    for (let waited = 0; existsSync(`/proc/${child.pid}`); waited += 100) {
      if (waited > 30_000)
        throw new ConfigError(`${child.name} pid ${child.pid} did not stop; stop it and start again`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const START_PATIENCE_MS = 120_000;

/**
 * Runs `attempt` until it succeeds: a process started while PostgreSQL or Temporal is restarting (a
 * deploy, a host reboot) waits for it with backoff instead of exiting, and gives up after two minutes
 * with one line naming the address and the variable that sets it.
 */
async function whenReachable<T>(
  what: string,
  variable: string,
  log: Logger,
  attempt: () => Promise<T>,
  // A connection attempt only fails for want of a server (or a wrong address, found out in two minutes).
  retryable: (error: unknown) => boolean = () => true,
): Promise<T> {
  const giveUpAt = Date.now() + START_PATIENCE_MS;
  for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      return await attempt();
    } catch (error) {
      const reason = firstLine((error as Error).message);
      if (!retryable(error)) throw error;
      if (Date.now() + delay > giveUpAt) {
        throw new ConfigError(`${what} is not reachable (${reason}); start it, or fix ${variable}`);
      }
      log.warn(`${what} is not reachable yet (${reason}), retrying in ${delay / 1000} s`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

const firstLine = (text: string) => text.split('\n')[0]!.slice(0, 200);

/** What the ticket activities need from the process's infrastructure. */
export function activityDeps(infra: Infrastructure): ActivityDeps {
  return {
    db: infra.db,
    mailer: infra.mailer,
    storage: infra.storage,
    defaultFrom: infra.config.mail.defaultFrom,
    surveyLinks: infra.surveyLinks,
    escalationWindowMs: infra.config.mail.escalationWindowMs,
    notificationWindowMs: infra.config.mail.notificationWindowMs,
  };
}

/**
 * SURVEY_SIGNING_KEY, else a key generated once under DATA_DIR: enough for `npm start` and for
 * processes sharing a data folder; separate hosts must share SURVEY_SIGNING_KEY.
 */
async function surveySigningKey(config: Config, log: Logger): Promise<string> {
  if (config.surveys.signingKey) return config.surveys.signingKey;
  const path = join(config.dataDir, 'survey-signing-key');
  const existing = await readFile(path, 'utf8').catch(() => null);
  if (existing?.trim()) return existing.trim();
  await mkdir(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  // 'wx': when two processes start together, the second keeps the first one's key.
  await writeFile(path, key, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
  log.info(`surveys: no SURVEY_SIGNING_KEY, survey links are signed with the key in ${path}`);
  return (await readFile(path, 'utf8')).trim();
}
