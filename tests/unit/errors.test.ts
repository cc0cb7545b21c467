import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import {
  causeChain,
  innermostCause,
  isDataException,
  isOutage,
  isTransient,
  isUniqueViolation,
} from '../../src/errors.js';

const coded = (code: string | number, cause?: unknown) =>
  Object.assign(new Error(`failed: ${code}`, { cause }), { code });
/** What Drizzle throws: its own error with the driver's as `cause`. */
const wrapped = (inner: unknown) => new Error('Failed query: select 1', { cause: inner });
/** A gRPC status error as @grpc/grpc-js produces it. */
const grpc = (code: number) => Object.assign(new Error(`grpc ${code}`), { code, details: 'x', metadata: {} });

describe('causeChain', () => {
  it('yields the error and each cause, outermost first', () => {
    const inner = coded('ECONNRESET');
    const middle = wrapped(inner);
    const outer = new Error('outer', { cause: middle });
    expect([...causeChain(outer)]).toEqual([outer, middle, inner]);
  });

  it('stops at a chain that loops back on itself', () => {
    const looped = new Error('a') as Error & { cause?: unknown };
    looped.cause = looped;
    expect([...causeChain(looped)].length).toBeLessThanOrEqual(10);
  });

  it('yields nothing for a value that is not an object', () => {
    expect([...causeChain('ECONNRESET')]).toEqual([]);
    expect([...causeChain(undefined)]).toEqual([]);
  });

  it('finds the innermost cause, or the error itself without one', () => {
    const inner = new Error('cannot change status from resolved to pending');
    expect(innermostCause(wrapped(wrapped(inner)))).toBe(inner);
    const alone = new Error('alone');
    expect(innermostCause(alone)).toBe(alone);
  });
});

describe('isOutage', () => {
  it('recognises a database that is down, also wrapped', () => {
    expect(isOutage(coded('ECONNREFUSED'))).toBe(true);
    expect(isOutage(wrapped(coded('CONNECTION_CLOSED')))).toBe(true);
    expect(isOutage(wrapped(coded('EHOSTUNREACH')))).toBe(true);
    expect(isOutage(wrapped(coded('57P01')))).toBe(true);
    expect(isOutage(wrapped(coded('08006')))).toBe(true);
  });

  it('recognises Temporal that cannot be reached', () => {
    expect(isOutage(new ServiceError('down', { cause: grpc(14) }))).toBe(true);
    expect(isOutage(grpc(4))).toBe(true);
    expect(isOutage(new WorkflowUpdateRPCTimeoutOrCancelledError('timed out'))).toBe(true);
  });

  it('does not take a wrong request for an outage', () => {
    expect(isOutage(grpc(3))).toBe(false);
    expect(isOutage(wrapped(coded('23505')))).toBe(false);
    expect(isOutage(wrapped(coded('22P02')))).toBe(false);
    expect(isOutage(wrapped(coded('40001')))).toBe(false);
    expect(isOutage(new Error('plain'))).toBe(false);
    expect(isOutage(null)).toBe(false);
  });
});

describe('isTransient', () => {
  it('counts connection and resource trouble as passing on a later attempt', () => {
    expect(isTransient(coded('ECONNRESET'))).toBe(true);
    expect(isTransient(wrapped(coded('ENOSPC')))).toBe(true);
    expect(isTransient(coded('NoConnection'))).toBe(true);
    expect(isTransient(wrapped(coded('40001')))).toBe(true);
    expect(isTransient(wrapped(coded('53300')))).toBe(true);
  });

  it('follows the gRPC status of a Temporal call', () => {
    expect(isTransient(new ServiceError('busy', { cause: coded(8) }))).toBe(true);
    expect(isTransient(new ServiceError('too large', { cause: coded(3) }))).toBe(false);
    // Failed without any status: the server was not reached.
    expect(isTransient(new ServiceError('no answer'))).toBe(true);
  });

  it('does not retry what will fail again', () => {
    expect(isTransient(wrapped(coded('23505')))).toBe(false);
    expect(isTransient(coded(14))).toBe(false);
    expect(isTransient(new Error('unparseable message'))).toBe(false);
  });
});

describe('SQLSTATE checks', () => {
  it('tells a refused value and a duplicate apart, also wrapped', () => {
    expect(isDataException(wrapped(coded('22003')))).toBe(true);
    expect(isDataException(wrapped(coded('23505')))).toBe(false);
    expect(isUniqueViolation(wrapped(coded('23505')))).toBe(true);
    expect(isUniqueViolation(coded('23505'))).toBe(true);
    expect(isUniqueViolation(wrapped(coded('23503')))).toBe(false);
  });
});
