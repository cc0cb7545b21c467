/** What ingest logs through: Temporal's activity logger and the console logger below both fit. */
export interface IngestLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
type Level = (typeof LEVELS)[number];

/** One line per entry on stdout/stderr: `<level> <message> {json meta}`; entries below `level` are dropped. */
export function consoleLogger(level: string = 'info'): IngestLogger {
  const min = Math.max(0, LEVELS.indexOf(level as Level));
  const at =
    (name: Level, write: (line: string) => void) => (message: string, meta?: Record<string, unknown>) => {
      if (LEVELS.indexOf(name) < min) return;
      write(`${name} ${message}${meta && Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : ''}`);
    };
  return {
    debug: at('debug', console.log),
    info: at('info', console.log),
    warn: at('warn', console.warn),
    error: at('error', console.error),
  };
}

export const silentLogger: IngestLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** An error as a short string for logs and `mailboxes.last_error` (never includes credentials). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const response = (error as { responseText?: unknown }).responseText;
    return [
      error.message,
      typeof code === 'string' ? `(${code})` : '',
      typeof response === 'string' ? response : '',
    ]
      .filter(Boolean)
      .join(' ')
      .slice(0, 500);
  }
  return String(error).slice(0, 500);
}
