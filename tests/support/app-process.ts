// An InsightDesk entry point (src/entry/worker.ts, ingest.ts, api.ts) as a child process under
// a minimal supervisor, as systemd's Restart=always would run it: crash runs SIGKILL it and start it again,
// and every exit nobody asked for is recorded (with the end of its output) and followed by a restart.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface UnplannedExit {
  at: Date;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the process printed. */
  output: string;
}

export interface AppProcess {
  readonly name: string;
  /** Spawns the process (no-op while it runs) and turns restarting on. */
  start(): void;
  /** SIGKILL, as a crash or an OOM kill; not restarted until `start()`. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful shutdown), supervisor off. */
  stop(): Promise<void>;
  running(): boolean;
  unplannedExits: UnplannedExit[];
  /** The last lines the process printed, for diagnostics. */
  output(): string;
}

/**
 * Supervises `node --import tsx <entry>` with `env` added to this process's environment. An unplanned
 * exit restarts it after `restartDelayMs`. With `logFile`, everything the process prints (every run of it)
 * is appended there, for reading a failed run afterwards.
 */
export function superviseAppProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  { restartDelayMs = 1_000, logFile }: { restartDelayMs?: number; logFile?: string } = {},
): AppProcess {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let wanted = false;
  let tail = '';
  const unplannedExits: UnplannedExit[] = [];
  const keep = (chunk: string) => {
    tail = (tail + chunk).slice(-6_000);
    if (logFile) appendFileSync(logFile, chunk);
  };

  const spawnChild = () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout?.setEncoding('utf8').on('data', keep);
    proc.stderr?.setEncoding('utf8').on('data', keep);
    exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        if (child === proc) child = undefined;
        if (wanted) {
          unplannedExits.push({ at: new Date(), code, signal, output: tail.slice(-2_000) });
          setTimeout(() => {
            if (wanted && !child) spawnChild();
          }, restartDelayMs);
        }
        resolve();
      }),
    );
  };
  process.once('exit', () => child?.kill('SIGKILL'));

  return {
    name,
    unplannedExits,
    start() {
      wanted = true;
      if (!child) spawnChild();
    },
    async kill9() {
      wanted = false;
      child?.kill('SIGKILL');
      await exited;
    },
    async stop() {
      wanted = false;
      child?.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    running: () => child !== undefined,
    output: () => tail,
  };
}
