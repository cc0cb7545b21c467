import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PlanLimitError } from '../../db/queries/subscriptions.js';
import { isDataException, isOutage } from '../../errors.js';
import { TicketCommandError } from '../../workflows/contracts.js';
import { ApiError, type FieldProblem, invalidInput, planLimitExceeded, RateLimitedError } from '../errors.js';

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

const codeOfStatus: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  503: 'unavailable',
};

type AjvError = NonNullable<FastifyError['validation']>[number];

/** `body.customer.email is required` rather than Ajv's `must have required property 'email'`. */
function fieldProblem(context: string, e: AjvError): FieldProblem {
  const path = [context, ...e.instancePath.split('/').filter(Boolean)];
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required')
    return { field: [...path, params.missingProperty].join('.'), message: 'is required' };
  if (e.keyword === 'additionalProperties') {
    return { field: [...path, params.additionalProperty].join('.'), message: 'is not allowed' };
  }
  if (e.keyword === 'enum') {
    return {
      field: path.join('.'),
      message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}`,
    };
  }
  return { field: path.join('.'), message: e.message ?? 'is invalid' };
}

export function errorBody(error: FastifyError | ApiError | Error): { status: number; body: ErrorBody } {
  let problem = error;
  const validation = (error as FastifyError).validation;
  if (validation) {
    const context = (error as FastifyError).validationContext ?? 'request';
    problem = invalidInput(validation.map((e) => fieldProblem(context, e)));
  }
  if (problem instanceof PlanLimitError) problem = planLimitExceeded(problem);
  if (problem instanceof ApiError) {
    const details = problem.details === undefined ? {} : { details: problem.details };
    return {
      status: problem.statusCode,
      body: { error: { code: problem.code, message: problem.message, ...details } },
    };
  }
  // The workflow refused the command: the request was valid, the ticket's state does not allow it.
  if (problem instanceof TicketCommandError) {
    return { status: 409, body: { error: { code: 'conflict', message: problem.message } } };
  }
  if (isDataException(problem)) {
    return {
      status: 400,
      body: {
        error: { code: 'invalid_value', message: 'a value in the request cannot be stored or compared' },
      },
    };
  }
  if (isOutage(problem)) {
    return {
      status: 503,
      body: { error: { code: 'unavailable', message: 'temporarily unavailable, retry shortly' } },
    };
  }
  const status = (problem as FastifyError).statusCode ?? 500;
  if (status >= 500) {
    return {
      status,
      body: { error: { code: codeOfStatus[status] ?? 'internal_error', message: 'internal error' } },
    };
  }
  return {
    status,
    body: { error: { code: codeOfStatus[status] ?? 'bad_request', message: problem.message } },
  };
}

/**
 * Fastify's `frameworkErrors`: the router's own refusals (a malformed URL, a path parameter over its length
 * limit, 414) in the shared shape and as 400, the status every route documents for bad input.
 */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const { status, body } = errorBody(error);
  return reply.code(status < 500 ? 400 : status).send(body);
}

/** Every error, thrown anywhere, leaves as `{ error: { code, message, details? } }` with its status. */
export function setupErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, body } = errorBody(error);
    // Client errors are the client's business; only our own failures are logged with their stack.
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    if (status === 503) reply.header('retry-after', '1');
    if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } }),
  );
}
