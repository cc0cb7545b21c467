import { isGrpcServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

/**
 * How far a cause chain is followed. Drizzle, postgres.js and the Temporal client wrap the error that
 * decides as `cause`, two or three levels deep; the limit only guards against a chain that loops.
 */
const MAX_CAUSE_DEPTH = 10;

/** The error and then each of its causes, outermost first (objects only: a string has no code). */
export function* causeChain(error: unknown): Generator<object> {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current && typeof current === 'object'; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

/** The innermost cause of `error` (the error itself when it has none): where a refusal's reason is. */
export function innermostCause(error: unknown): unknown {
  let innermost = error;
  for (const link of causeChain(error)) innermost = link;
  return innermost;
}

const codeOf = (link: object): unknown => (link as { code?: unknown }).code;

/** Whether any error in the chain carries a string code that `matches`. */
function someCode(error: unknown, matches: (code: string) => boolean): boolean {
  for (const link of causeChain(error)) {
    const code = codeOf(link);
    if (typeof code === 'string' && matches(code)) return true;
  }
  return false;
}

/** postgres.js and Node socket codes for a server that is down, restarting or unreachable. */
export const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/** Local resource trouble (disk full, I/O error, too many open files) and imapflow's lost connection. */
const RESOURCE_ERROR_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EIO', 'EMFILE', 'NoConnection']);

/** The PostgreSQL SQLSTATE classes and codes the code base tells apart. */
export const SQLSTATE = {
  /** Class 22: a value PostgreSQL cannot store or compare (out of range, an impossible date, bad text). */
  dataException: /^22[0-9A-Z]{3}$/,
  /** Class 08 (connection exception), 57P01-57P03 (shutting down, crashed, starting up). */
  serverUnavailable: /^(08[0-9A-Z]{3}|57P0[123])$/,
  /** Classes 08 (connection), 40 (transaction rollback), 53 (insufficient resources), 57 (operator intervention). */
  retryable: /^(?:08|40|53|57)[0-9A-Z]{3}$/,
  uniqueViolation: '23505',
} as const;

const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;
/** gRPC statuses a later attempt can pass: DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE. */
const GRPC_TRANSIENT: ReadonlySet<number> = new Set([4, 8, 10, 13, 14]);

/**
 * Whether an error means PostgreSQL or Temporal is unreachable right now rather than that the request is
 * wrong: the API answers 503 so clients retry (replies with their Idempotency-Key), instead of a 500.
 */
export function isOutage(error: unknown): boolean {
  for (const link of causeChain(error)) {
    if (link instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
    if (isGrpcServiceError(link))
      return link.code === GRPC_UNAVAILABLE || link.code === GRPC_DEADLINE_EXCEEDED;
    const code = codeOf(link);
    if (
      typeof code === 'string' &&
      (CONNECTION_ERROR_CODES.has(code) || SQLSTATE.serverUnavailable.test(code))
    ) {
      return true;
    }
  }
  return false;
}

/**
 * Connection and resource trouble: retrying later can succeed (ingest never quarantines mail for it).
 * Wider than an outage: a rolled-back transaction or a full disk also passes on a later attempt.
 */
export function isTransient(error: unknown): boolean {
  let rpc = false;
  for (const link of causeChain(error)) {
    const code = codeOf(link);
    if (typeof code === 'string') {
      if (CONNECTION_ERROR_CODES.has(code) || RESOURCE_ERROR_CODES.has(code)) return true;
      if (SQLSTATE.retryable.test(code)) return true;
    }
    // A gRPC status decides for a Temporal call: INVALID_ARGUMENT (a payload too large) will not pass later.
    if (typeof code === 'number' && rpc) return GRPC_TRANSIENT.has(code);
    const name = (link as { name?: unknown }).name;
    if (name === 'ServiceError' || name === 'TransportError') rpc = true;
  }
  // A Temporal call that failed without a status: the server was not reached.
  return rpc;
}

/** Whether PostgreSQL refused a value of the request (SQLSTATE class 22), also when wrapped as `cause`. */
export function isDataException(error: unknown): boolean {
  return someCode(error, (code) => SQLSTATE.dataException.test(code));
}

/** Whether a unique index refused the write, also when wrapped as `cause`. */
export function isUniqueViolation(error: unknown): boolean {
  return someCode(error, (code) => code === SQLSTATE.uniqueViolation);
}
