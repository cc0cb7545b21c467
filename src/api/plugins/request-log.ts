import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify';
import type { Logger } from '../../logger.js';

// Belt and braces: the request serializer logs no headers or bodies, but a debug log of a request
// object must not print a token or a password either.
const REDACT = [
  'req.headers.authorization',
  'headers.authorization',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.imapPassword',
  '*.smtpPassword',
  '*.token',
];

/** Paths whose rest is a credential: the signed survey links `/csat/<id>.<hmac>`. */
const SECRET_PATH = /^(\/+csat\/)[^?#]*/i;
/** Query parameters that carry credentials: emailed links (`token`), OAuth (`code`, `state`, `*_token`). */
const SECRET_PARAM = /^(?:.*token|code|state|password|secret)$/i;
const REDACTED = '[redacted]';

/** The URL as it may be logged: secrets in the path and the query replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?');
  const path = (queryAt < 0 ? url : url.slice(0, queryAt)).replace(SECRET_PATH, `$1${REDACTED}`);
  if (queryAt < 0) return path;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const name = pair.split('=')[0] ?? '';
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A malformed escape: judge the raw name.
      }
      return SECRET_PARAM.test(decoded) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

/** What a request log line says about the request (Fastify's default fields, the URL redacted). */
function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/**
 * Fastify's logger: the process's pino instance (src/logger.ts, which redacts already), or pino options
 * (tests: info level for true) with the same redactions, or none.
 */
export function loggerOptions(
  logger: FastifyServerOptions['logger'] | Logger | undefined,
): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  if (!logger) return { logger: false };
  if (typeof logger === 'object' && 'child' in logger)
    return { loggerInstance: logger.child({ component: 'api' }) };
  const options = logger === true ? {} : logger;
  return {
    logger: {
      ...options,
      serializers: { ...options.serializers, req: serializeRequest },
      redact: { paths: REDACT, censor: REDACTED },
    },
  };
}

/** One line per request, when it is answered: method, URL (secrets redacted), status and duration. */
export class OneLinePerRequest extends LogController {
  override incomingRequest() {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
    const url = redactUrl(request.url);
    const line = {
      method: request.method,
      url,
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    };
    if (error) reply.log.error({ ...line, err: error }, `${request.method} ${url} ${reply.statusCode}`);
    else reply.log.info(line, `${request.method} ${url} ${reply.statusCode}`);
  }
}
