// The one logger of every process (API, worker, ingest, CLI): pino, human-readable in a terminal
// (pino-pretty) and one JSON object per line otherwise. Temporal's Runtime logger and the ingest
// pipeline write through it too, so a process has one stream of lines.
import {
  Runtime,
  type Logger as TemporalLogger,
  type LogLevel as TemporalLogLevel,
} from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { IngestLogger } from './ingest/log.js';

export type { Logger };

/** Fields never written, wherever they appear in a logged object (one level deep or at the top). */
export const REDACTED_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'imapPassword',
  'smtpPassword',
  'token',
  'secret',
  'databaseUrl',
  'authorization',
];
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  ...REDACTED_FIELDS,
  ...REDACTED_FIELDS.map((field) => `*.${field}`),
];

export interface LoggerOptions {
  level: string;
  /** Process name on every line: `api`, `worker`, `ingest`, `cli`, `insightdesk` (npm start). */
  name: string;
  /** Where lines go: stdout (default) or stderr (the CLI, whose stdout is the command's answer). */
  fd?: 1 | 2;
  /** Pretty lines even when not a terminal (tests); default: whether the stream is a terminal. */
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const fd = options.fd ?? 1;
  const isTerminal = fd === 1 ? process.stdout.isTTY : process.stderr.isTTY;
  const settings = {
    level: options.level,
    name: options.name,
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  // Synchronous writes: a line logged just before process.exit() is never lost.
  if (options.pretty ?? isTerminal) {
    return pino(
      settings,
      pretty({
        destination: fd,
        sync: true,
        colorize: isTerminal,
        ignore: 'pid,hostname',
        translateTime: 'SYS:HH:MM:ss',
      }),
    );
  }
  return pino(settings, pino.destination({ fd, sync: true }));
}

/** The ingest pipeline's `(message, meta)` logger interface on top of pino's `(meta, message)`. */
export function ingestLogger(logger: Logger): IngestLogger {
  return {
    debug: (message, meta) => logger.debug(meta ?? {}, message),
    info: (message, meta) => logger.info(meta ?? {}, message),
    warn: (message, meta) => logger.warn(meta ?? {}, message),
    error: (message, meta) => logger.error(meta ?? {}, message),
  };
}

const TEMPORAL_LEVEL: Record<string, TemporalLogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'WARN',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

function temporalLogger(logger: Logger): TemporalLogger {
  const write = (level: TemporalLogLevel, message: string, meta?: Record<string, unknown>) => {
    const fields = meta ?? {};
    if (level === 'TRACE') logger.trace(fields, message);
    else if (level === 'DEBUG') logger.debug(fields, message);
    // The SDK's info lines (bundles built, workers polling, state changes) are noise to an operator.
    else if (level === 'INFO') logger.debug(fields, message);
    else if (level === 'WARN') logger.warn(fields, message);
    else logger.error(fields, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

/**
 * Routes the Temporal SDK's logs (workflow and activity loggers, and the native core's lines, which
 * it otherwise prints in colour straight to the console) into `logger`. Installed once per process,
 * before any connection; later calls keep the first logger. The SDK's own SIGINT/SIGTERM handling is
 * turned off: the process stops its workers itself, in order (see `onShutdown`).
 */
export function installTemporalLogger(logger: Logger) {
  const level = TEMPORAL_LEVEL[logger.level] ?? 'WARN';
  try {
    Runtime.install({
      logger: temporalLogger(logger.child({ component: 'temporal' })),
      shutdownSignals: [],
      telemetryOptions: { logging: { filter: { core: level, other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // Already installed (a second openInfrastructure in the same process keeps the first logger).
  }
}
