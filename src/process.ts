// How every entry point (npm start, api, worker, ingest, cli) starts, reports and stops: one logger,
// configuration errors as one line, SIGINT/SIGTERM stopping in order within a bounded time, and a
// crash logged once and exiting non-zero.
import { type Config, ConfigError, loadConfig } from './config.js';
import { createLogger, installTemporalLogger, type Logger } from './logger.js';

/** How long a stop may take before the process exits anyway (non-zero, naming what hung). */
const STOP_TIMEOUT_MS = 30_000;

let stopper: (() => Promise<void>) | undefined;
let stopping: Promise<void> | undefined;
let processLog: Logger | undefined;
let processName = 'insightdesk';
let logFd: 1 | 2 = 1;

/** Registers what stops this process (last registration wins: it is the whole process's stop). */
export function onShutdown(stop: () => Promise<void>) {
  stopper = stop;
}

export function isStopping() {
  return stopping !== undefined;
}

async function stopWithin(log: Logger): Promise<boolean> {
  stopping ??= (stopper ?? (async () => {}))();
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    stopping.then(
      () => true,
      (error) => {
        log.error({ err: error }, `error while stopping: ${(error as Error).message}`);
        return false;
      },
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => {
        log.error(`not stopped after ${STOP_TIMEOUT_MS / 1000} s, exiting anyway`);
        resolve(false);
      }, STOP_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  return finished;
}

let failing: Promise<never> | undefined;

/** Logs the failure once, stops what was started, and exits non-zero. */
export function fail(error: unknown): Promise<never> {
  // A crash often surfaces twice (a rejected promise and the worker's run() after it): one report.
  failing ??= report(error);
  return failing;
}

async function report(error: unknown): Promise<never> {
  // Before the config is loaded (a bad LOG_LEVEL included), errors are logged at info.
  const log = processLog ?? createLogger({ level: 'info', name: processName, fd: logFd });
  if (error instanceof ConfigError) log.error(error.message);
  else log.error({ err: error }, `stopped by an error: ${(error as Error)?.message ?? String(error)}`);
  if (!stopping) await stopWithin(log);
  process.exit(1);
}

/**
 * Runs an entry point: config loaded and validated, the process's logger made (and Temporal's runtime
 * logger routed into it), signals handled. `start` returns once the process is up; the process then
 * lives until a signal or `fail`.
 */
export function runEntryPoint(
  name: string,
  start: (config: Config, log: Logger) => Promise<void>,
  options: { fd?: 1 | 2 } = {},
) {
  let began = 0;
  const signal = (received: NodeJS.Signals) => {
    const log = processLog!;
    if (stopping) {
      // Ctrl-C signals the whole process group, and npm and tsx pass it on as well: the same keystroke
      // arrives two or three times. A signal well after the first one is someone insisting.
      if (Date.now() - began < 2_000) return;
      log.warn(`${received} received again, exiting without waiting`);
      process.exit(1);
    }
    began = Date.now();
    log.info(`${received} received, stopping`);
    void stopWithin(log).then((clean) => {
      if (clean) log.info(`stopped in ${seconds(began)}`);
      process.exit(clean ? 0 : 1);
    });
  };
  processName = name;
  logFd = options.fd ?? 1;
  process.on('uncaughtException', (error) => void fail(error));
  process.on('unhandledRejection', (error) => void fail(error));
  (async () => {
    const config = loadConfig();
    processLog = createLogger({ level: config.logLevel, name, fd: logFd });
    installTemporalLogger(processLog);
    process.on('SIGINT', signal);
    process.on('SIGTERM', signal);
    await start(config, processLog);
  })().catch(fail);
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Runs one long start-up step, saying what it does before and how long it took after. */
export async function step<T>(
  log: Logger,
  what: string,
  run: () => Promise<T>,
  done?: (result: T) => string,
) {
  const began = Date.now();
  log.info(`${what}…`);
  const result = await run();
  log.info(`${done ? done(result) : what}: done in ${seconds(began)}`);
  return result;
}
