import rateLimitPlugin from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { DatabaseHandle } from '../../db/client.js';
import { countHit, deleteStaleHits } from '../../db/queries/rate-limits.js';
import { DAY_MS, MINUTE_MS } from '../../domain/vocabulary.js';
import { RateLimitedError } from '../errors.js';

/**
 * The in-memory limiter of @fastify/rate-limit, for routes that ask for it in `config.rateLimit`: load
 * protection of the survey links, whose HMAC cannot be guessed. Credentials (passwords, emailed tokens)
 * are limited by `rateLimit` below instead, counted in PostgreSQL and so shared by every API process.
 */
export async function registerRateLimit(app: FastifyInstance) {
  await app.register(rateLimitPlugin, { global: false });
}

const SWEEP_EVERY_MS = 10 * MINUTE_MS;

export interface RateLimitRule {
  /** Names the counter; rules of one name share their counts (in every process on the database). */
  name: string;
  /** Requests allowed per window and key; the next ones answer 429 until the window ends. */
  max: number;
  /** Length of a window (at most a day); it starts at the first request after the previous one ended. */
  windowMs: number;
  /** What is counted: `byClientAddress`, `byBodyField('email')`…; undefined counts nothing. */
  keyOf: (request: FastifyRequest) => string | undefined;
  /** The 429's message; the default asks to wait. */
  message?: string;
}

/** The client's address: the peer's, or the one a trusted proxy forwarded (API_TRUST_PROXY). */
export const byClientAddress = (request: FastifyRequest) => request.ip;

/** A string field of the (validated) JSON body, trimmed and lower-cased, e.g. the email being signed in. */
export const byBodyField =
  (field: string) =>
  (request: FastifyRequest): string | undefined => {
    const value = (request.body as Record<string, unknown> | null | undefined)?.[field];
    return typeof value === 'string' && value.trim() ? value.trim().toLowerCase() : undefined;
  };

/**
 * A limiter on one rule: `await limiter.hit(value)` counts a request for `value` and throws a
 * `RateLimitedError` (429 `rate_limited` with Retry-After) once the rule's `max` is passed;
 * `limiter.preHandler` does the same for a route, with the rule's `keyOf`. Every hit counts, refused
 * ones too, so the count cannot be raced: a burst of parallel guesses is counted before any is checked.
 */
export function rateLimiter(db: DatabaseHandle, rule: RateLimitRule) {
  if (rule.windowMs <= 0 || rule.windowMs > DAY_MS)
    throw new Error(`${rule.name}: windowMs must be 1 ms to 1 day`);
  if (!Number.isInteger(rule.max) || rule.max < 1)
    throw new Error(`${rule.name}: max must be a positive integer`);
  let sweptAt = 0;
  const hit = async (value: string) => {
    if (Date.now() - sweptAt > SWEEP_EVERY_MS) {
      sweptAt = Date.now();
      await deleteStaleHits(db.adminDb, DAY_MS);
    }
    const { hits, resetsInMs } = await countHit(db.adminDb, `${rule.name}:${value}`, rule.windowMs);
    if (hits > rule.max) {
      throw new RateLimitedError(
        rule.message ?? 'too many attempts; wait before trying again',
        Math.max(1, Math.ceil(resetsInMs / 1000)),
      );
    }
  };
  const preHandler: preHandlerAsyncHookHandler = async (request) => {
    const value = rule.keyOf(request);
    if (value !== undefined) await hit(value);
  };
  return { rule, hit, preHandler };
}

export type RateLimiter = ReturnType<typeof rateLimiter>;
