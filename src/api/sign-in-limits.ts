import type { DatabaseHandle } from '../db/client.js';
import { MINUTE_MS } from '../domain/vocabulary.js';
import { byBodyField, byClientAddress, type RateLimiter, rateLimiter } from './plugins/rate-limit.js';

export interface SignInLimitOptions {
  /** Attempts per minute and client address (API_LOGIN_RATE_LIMIT). */
  maxPerMinute: number;
  /** Attempts per account (email) in ACCOUNT_WINDOW_MS, from any address (API_LOGIN_ACCOUNT_RATE_LIMIT). */
  maxPerAccount: number;
}

export const ACCOUNT_WINDOW_MS = 15 * MINUTE_MS;

/**
 * The limits on every route that takes a secret (password, emailed token): per client address, so one
 * client cannot guess fast, and per account, so guesses spread over many addresses still stop. Counted
 * in PostgreSQL: every API process shares them. Routes use them as `preHandler`, address first (a client
 * over its own limit then spends none of the account's attempts).
 */
export function signInLimiters(db: DatabaseHandle, limits: SignInLimitOptions) {
  const perAddress = (name: string) =>
    rateLimiter(db, { name, max: limits.maxPerMinute, windowMs: MINUTE_MS, keyOf: byClientAddress });
  const perAccount = (name: string) =>
    rateLimiter(db, {
      name,
      max: limits.maxPerAccount,
      windowMs: ACCOUNT_WINDOW_MS,
      keyOf: byBodyField('email'),
      message: 'too many sign-in attempts for this account; wait before trying again',
    });
  const handlers = (...limiters: RateLimiter[]) => limiters.map((l) => l.preHandler);
  // A signed-in person's own guesses (second factor codes), from any address.
  const perPerson = (name: string) =>
    rateLimiter(db, {
      name,
      max: limits.maxPerAccount,
      windowMs: ACCOUNT_WINDOW_MS,
      keyOf: (request) => request.person?.userId,
      message: 'too many two-factor attempts for this account; wait before trying again',
    });
  return {
    /** Password sign-in, for tokens and browser sessions alike: one count per address and per account. */
    login: handlers(perAddress('login-address'), perAccount('login-account')),
    invitationAccept: handlers(perAddress('invitation-address')),
    /** Sign-up and "forgot password" send mail: limited per address and per target account. */
    signUp: handlers(perAddress('sign-up-address'), perAccount('sign-up-account')),
    forgotPassword: handlers(perAddress('forgot-address'), perAccount('forgot-account')),
    /** The secrets of emailed links (verification, reset, email change). */
    emailedLink: handlers(perAddress('link-address')),
    secondFactor: handlers(perAddress('second-factor-address'), perPerson('second-factor-account')),
    /** For routes with a counter of their own (mailbox verification links). */
    perAddress,
  };
}

export type SignInLimiters = ReturnType<typeof signInLimiters>;
