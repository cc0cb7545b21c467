import type { PlanLimitError } from '../db/queries/subscriptions.js';
import { isUniqueViolation } from '../errors.js';

/**
 * An error the API answers with its own status and a stable `code`; the errors plugin turns it into
 * `{ error: { code, message, details? } }`.
 */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface FieldProblem {
  /** Where the problem is: `body.title`, `querystring.limit`, `params.id`. */
  field: string;
  message: string;
}

export const invalidInput = (problems: FieldProblem[]) =>
  new ApiError(400, 'validation_failed', problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);

export const unauthenticated = (message: string) => new ApiError(401, 'unauthenticated', message);

export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);

/** Used for missing ids and for other organisations' ids alike, so the two cannot be told apart. */
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);

export const conflict = (message: string) => new ApiError(409, 'conflict', message);

/** 429: too many attempts; the errors plugin also sends `retryAfterSeconds` as the Retry-After header. */
export class RateLimitedError extends ApiError {
  override name = 'RateLimitedError';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'rate_limited', message, { retryAfterSeconds });
  }
}

/** The plan's limit, named in the message; details: `{ limit, plan, allowed, current }`. */
export const planLimitExceeded = (error: PlanLimitError) =>
  new ApiError(402, 'plan_limit_exceeded', error.message, error.details);

/** Well-formed input that refers to something unusable (an assignee who is not an agent, …). */
export const unprocessable = (message: string, details?: unknown) =>
  new ApiError(422, 'unprocessable', message, details);

/** Runs a write that a unique index may refuse (a race the handler's own checks cannot close) as 409. */
export async function conflictOnDuplicate<T>(write: Promise<T>, message: string): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(message);
    throw error;
  }
}
