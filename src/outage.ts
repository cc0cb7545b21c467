import { isGrpcServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

// postgres.js and Node socket codes for a server that is down, restarting or unreachable.
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);
// SQLSTATE class 08 (connection exception), 57P01-57P03 (shutting down, crashed, starting up).
const SQLSTATE_OUTAGE = /^(08...|57P0[123])$/;
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/**
 * Whether an error means PostgreSQL or Temporal is unreachable right now rather than that the request is
 * wrong: the API answers 503 so clients retry (replies with their Idempotency-Key), instead of a 500.
 */
export function isOutage(error: unknown): boolean {
  let current = error;
  // Drizzle and the Temporal client wrap the driver's error as `cause`; a few levels are enough.
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    if (current instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
    if (isGrpcServiceError(current)) {
      return current.code === GRPC_UNAVAILABLE || current.code === GRPC_DEADLINE_EXCEEDED;
    }
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || SQLSTATE_OUTAGE.test(code))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
