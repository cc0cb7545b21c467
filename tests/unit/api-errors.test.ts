import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ApiError, notFound } from '../../src/api/errors.js';
import { errorBody } from '../../src/api/plugins/errors.js';
import { TicketCommandError } from '../../src/workflows/contracts.js';

function validationError(
  context: string,
  validation: Partial<NonNullable<FastifyError['validation']>[number]>[],
) {
  return Object.assign(new Error('invalid'), {
    statusCode: 400,
    validationContext: context,
    validation: validation.map((v) => ({ instancePath: '', schemaPath: '', params: {}, ...v })),
  }) as FastifyError;
}

describe('errorBody', () => {
  it('names the field and the reason of each validation problem', () => {
    const error = validationError('body', [
      { keyword: 'required', params: { missingProperty: 'email' }, instancePath: '/customer' },
      { keyword: 'minLength', instancePath: '/title', message: 'must NOT have fewer than 1 characters' },
      { keyword: 'additionalProperties', params: { additionalProperty: 'colour' } },
      { keyword: 'enum', instancePath: '/tags/0', params: { allowedValues: ['a', 'b'] } },
    ]);
    expect(errorBody(error)).toEqual({
      status: 400,
      body: {
        error: {
          code: 'validation_failed',
          message:
            'body.customer.email is required; body.title must NOT have fewer than 1 characters; ' +
            'body.colour is not allowed; body.tags.0 must be one of a, b',
          details: [
            { field: 'body.customer.email', message: 'is required' },
            { field: 'body.title', message: 'must NOT have fewer than 1 characters' },
            { field: 'body.colour', message: 'is not allowed' },
            { field: 'body.tags.0', message: 'must be one of a, b' },
          ],
        },
      },
    });
  });

  it('keeps an ApiError’s status, code and details', () => {
    expect(errorBody(new ApiError(422, 'organization_required', 'choose', { organizations: [] }))).toEqual({
      status: 422,
      body: { error: { code: 'organization_required', message: 'choose', details: { organizations: [] } } },
    });
    expect(errorBody(notFound('ticket')).body).toEqual({
      error: { code: 'not_found', message: 'ticket not found' },
    });
  });

  it('answers a refused ticket command as a conflict with the workflow’s reason', () => {
    expect(errorBody(new TicketCommandError('cannot change status from resolved to pending'))).toEqual({
      status: 409,
      body: { error: { code: 'conflict', message: 'cannot change status from resolved to pending' } },
    });
  });

  it('passes client errors of Fastify and plugins through with a code for their status', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
    }) as FastifyError;
    expect(errorBody(tooLarge).body.error).toEqual({
      code: 'payload_too_large',
      message: 'Request body is too large',
    });
    const limited = Object.assign(new Error('Rate limit exceeded, retry in 1 minute'), { statusCode: 429 });
    expect(errorBody(limited).body.error.code).toBe('rate_limited');
  });

  it('answers a PostgreSQL data exception (SQLSTATE 22xxx), wrapped or not, as the caller’s 400', () => {
    const outOfRange = Object.assign(new Error('value "99999999999" is out of range for type integer'), {
      code: '22003',
    });
    const wrapped = Object.assign(new Error('Failed query: insert into …'), { cause: outOfRange });
    for (const error of [outOfRange, wrapped]) {
      expect(errorBody(error)).toEqual({
        status: 400,
        body: {
          error: { code: 'invalid_value', message: 'a value in the request cannot be stored or compared' },
        },
      });
    }
    const otherSqlState = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    expect(errorBody(otherSqlState).status).toBe(500);
  });

  it('never shows the message of an internal failure', () => {
    const failure = new Error('connection to 10.0.0.5:5432 refused; password authentication failed');
    expect(errorBody(failure)).toEqual({
      status: 500,
      body: { error: { code: 'internal_error', message: 'internal error' } },
    });
  });
});
