/** What ingest logs through: Temporal's activity logger and the process's pino logger (`ingestLogger`) both fit. */
export interface IngestLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
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
