import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CredentialRefusedError, type DatabaseHandle, type Tx } from '../../db/client.js';
import { markApiTokenUsed, prepareTokenLookup } from '../../db/queries/api-tokens.js';
import { findLiveSession, staffAccessOf, touchSession } from '../../db/queries/sign-in.js';
import type { Session } from '../../db/schema/index.js';
import { STAFF_ROLES, type StaffRole, USER_ROLES, type UserRole } from '../../domain/vocabulary.js';
import { hashApiToken } from '../auth/tokens.js';
import { ApiError, forbidden, unauthenticated } from '../errors.js';

/**
 * How the caller proved who they are. A session or a token the person got by signing in is theirs;
 * a token an admin minted for them (`POST /tokens {userId}`, the CLI) is the organisation's, and never
 * reaches account-level operations.
 */
export type Credential =
  | { kind: 'session'; sessionId: string }
  | { kind: 'token'; tokenId: string; personal: boolean };

/** Who is calling, without an organisation: for the account's own routes. */
export interface Person {
  userId: string;
  credential: Credential;
  /** The browser session, when the cookie is the credential. */
  session?: Session;
}

/** Who is calling in which organisation, with which role. */
export interface Principal extends Person {
  organizationId: string;
  role: StaffRole;
}

export interface SessionOptions {
  /** A session unused this long ends. */
  idleMinutes: number;
  /** A session ends this long after sign-in, used or not. */
  absoluteHours: number;
  /** Cookies only over https (PUBLIC_URL is https). */
  secureCookies: boolean;
}

export const SESSION_COOKIE = 'insightdesk_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the authentication hook on every route of the authenticated scope. */
    principal: Principal;
    /** Who is calling, on the account's own routes (no organisation). */
    person: Person;
    /** Runs `fn` in one transaction as `app_user`, scoped by RLS to the caller's organisation. */
    inTenant<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
    /** A principal taken from the token cache, still to be checked in the request's transaction. */
    uncheckedToken: UncheckedToken | null;
  }
  interface FastifyContextConfig {
    /** The least role that may call the route (default: agent). */
    minimumRole?: StaffRole;
    /**
     * The route reads only through `request.inTenant` and any staff role may call it: a bearer token's
     * principal may then come from the process's cache, because the tenant statement checks the token
     * again in the request's own transaction (no lookup round trip, revocation still immediate).
     */
    tokenCheckedInTransaction?: boolean;
  }
}

/** USER_ROLES is ordered least to most privileged. */
export const outranks = (role: UserRole, other: UserRole) =>
  USER_ROLES.indexOf(role) >= USER_ROLES.indexOf(other);

/** The roles that may use the agents' API at all. */
export const isStaffRole = (role: UserRole): role is StaffRole =>
  (STAFF_ROLES as readonly UserRole[]).includes(role);

// Writing last_used_at on every request would turn each read into a write; a minute's precision is enough.
const LAST_USED_PRECISION_MS = 60_000;

const BEARER = /^Bearer\s+(\S+)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface UncheckedToken {
  tokenHash: string;
  /** Looks the token up again (401/403 as without the cache); the principal it grants now. */
  lookUpAgain(): Promise<Principal>;
}

/** Decorates requests with `principal`, `person` and `inTenant`; the hooks are added per scope. */
export function setupTenantContext(app: FastifyInstance, db: DatabaseHandle) {
  app.decorateRequest('principal', null as unknown as Principal);
  app.decorateRequest('person', null as unknown as Person);
  app.decorateRequest('uncheckedToken', null);
  app.decorateRequest('inTenant', async function <T>(this: FastifyRequest, fn: (tx: Tx) => Promise<T>) {
    const { organizationId, userId } = this.principal;
    const unchecked = this.uncheckedToken;
    if (!unchecked) return db.withTenant({ organizationId, userId }, fn);
    try {
      const result = await db.withTenant({ organizationId, userId, apiTokenHash: unchecked.tokenHash }, fn);
      this.uncheckedToken = null;
      return result;
    } catch (error) {
      if (!(error instanceof CredentialRefusedError)) throw error;
      // The cached principal is out of date: answer as a fresh lookup does (revoked 401, customer 403…).
      this.uncheckedToken = null;
      this.principal = await unchecked.lookUpAgain();
      this.person = this.principal;
      return db.withTenant(
        { organizationId: this.principal.organizationId, userId: this.principal.userId },
        fn,
      );
    }
  });
}

const invalidToken = (reply: FastifyReply) => {
  reply.header('www-authenticate', 'Bearer error="invalid_token"');
  return unauthenticated('the bearer token is invalid, expired or revoked');
};

const sameSecret = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

type TokenLookup = ReturnType<typeof prepareTokenLookup>;

/** Records the token's use, to the minute; returns when it was last recorded. */
async function recordTokenUse(db: DatabaseHandle, tokenId: string, lastUsedAt: number | null) {
  const now = Date.now();
  if (lastUsedAt !== null && now - lastUsedAt <= LAST_USED_PRECISION_MS) return lastUsedAt;
  await markApiTokenUsed(db.adminDb, tokenId, new Date(now));
  return now;
}

// How long a cached principal is reused, and how many: only routes that check the token again in their
// own transaction use it, so these bound memory and how long a changed staff role goes unseen there.
const TOKEN_CACHE_MS = 60_000;
const TOKEN_CACHE_ENTRIES = 10_000;

interface CachedToken {
  principal: Principal;
  lastUsedAt: number | null;
  cachedAt: number;
}

/** Principals of recently looked-up bearer tokens, by token hash, for `tokenCheckedInTransaction` routes. */
function createTokenCache() {
  const entries = new Map<string, CachedToken>();
  return {
    get(tokenHash: string) {
      const entry = entries.get(tokenHash);
      if (entry && Date.now() - entry.cachedAt <= TOKEN_CACHE_MS) return entry;
      entries.delete(tokenHash);
      return undefined;
    },
    set(tokenHash: string, principal: Principal, lastUsedAt: number | null) {
      if (entries.size >= TOKEN_CACHE_ENTRIES) entries.clear();
      entries.set(tokenHash, { principal, lastUsedAt, cachedAt: Date.now() });
    },
    delete: (tokenHash: string) => entries.delete(tokenHash),
  };
}

type TokenCache = ReturnType<typeof createTokenCache>;

/** The bearer token's principal, or 401 (403 for a customer's). */
async function tokenPrincipal(
  db: DatabaseHandle,
  lookUp: TokenLookup,
  tokenHash: string,
  reply: FastifyReply,
  cache?: TokenCache,
): Promise<Principal> {
  const [found] = await lookUp.execute({ tokenHash });
  if (!found) throw invalidToken(reply);
  if (!isStaffRole(found.role)) throw forbidden('customers have no access to the agents’ API');
  const lastUsedAt = await recordTokenUse(db, found.tokenId, found.lastUsedAt?.getTime() ?? null);
  const principal: Principal = {
    userId: found.userId,
    organizationId: found.organizationId,
    role: found.role,
    credential: { kind: 'token', tokenId: found.tokenId, personal: found.createdById === found.userId },
  };
  cache?.set(tokenHash, principal, lastUsedAt);
  return principal;
}

/**
 * On a `tokenCheckedInTransaction` route, the cached principal with the token left to check in the
 * request's transaction; otherwise (or not cached) a lookup now.
 */
async function bearerPrincipal(
  db: DatabaseHandle,
  lookUp: TokenLookup,
  cache: TokenCache,
  token: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Principal> {
  const tokenHash = hashApiToken(token);
  const cached = request.routeOptions.config.tokenCheckedInTransaction ? cache.get(tokenHash) : undefined;
  if (!cached) return tokenPrincipal(db, lookUp, tokenHash, reply, cache);
  const { principal } = cached;
  if (principal.credential.kind === 'token')
    cached.lastUsedAt = await recordTokenUse(db, principal.credential.tokenId, cached.lastUsedAt);
  request.uncheckedToken = {
    tokenHash,
    lookUpAgain: () => {
      cache.delete(tokenHash);
      return tokenPrincipal(db, lookUp, tokenHash, reply, cache);
    },
  };
  return principal;
}

/** The signed-in browser session behind the cookie, with CSRF checked for writes; undefined without one. */
async function cookieSession(
  db: DatabaseHandle,
  options: SessionOptions,
  request: FastifyRequest,
  allowSecondFactorPending = false,
): Promise<Session | undefined> {
  const secret = request.cookies[SESSION_COOKIE];
  if (!secret) return undefined;
  const idleSince = new Date(Date.now() - options.idleMinutes * 60_000);
  const session = await findLiveSession(db.adminDb, hashApiToken(secret), idleSince);
  if (!session) throw unauthenticated('the session has ended; sign in again');
  if (session.secondFactorPending && !allowSecondFactorPending) {
    throw new ApiError(401, 'second_factor_required', 'finish signing in with POST /auth/two-factor');
  }
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameSecret(sent, session.csrfToken)) {
      throw new ApiError(403, 'csrf_failed', `a cookie-authenticated write needs the ${CSRF_HEADER} header`);
    }
  }
  if (Date.now() - session.lastSeenAt.getTime() > LAST_USED_PRECISION_MS) {
    await touchSession(db.adminDb, session.id);
  }
  return session;
}

/** The session's principal in the organisation the request names (X-Organization-Id) or the session's. */
async function sessionPrincipal(
  db: DatabaseHandle,
  request: FastifyRequest,
  session: Session,
): Promise<Principal> {
  const header = request.headers['x-organization-id'];
  const organizationId = typeof header === 'string' ? header : session.organizationId;
  if (!organizationId) {
    throw new ApiError(
      422,
      'organization_required',
      'choose an organisation with PUT /auth/session/organization',
    );
  }
  if (!UUID.test(organizationId)) throw forbidden('you have no agent access to that organisation');
  const role = await sessionRole(db, session.userId, organizationId);
  return {
    userId: session.userId,
    organizationId,
    role,
    credential: { kind: 'session', sessionId: session.id },
  };
}

/**
 * The person's staff role in an active organisation, else 403 — the same answer for an organisation
 * that does not exist, one they are not in and one that is deactivated. An organisation that asks for
 * a second factor is closed to staff without one.
 */
export async function sessionRole(
  db: DatabaseHandle,
  userId: string,
  organizationId: string,
): Promise<StaffRole> {
  const found = await staffAccessOf(db.adminDb, userId, organizationId);
  if (!found || !isStaffRole(found.role)) throw forbidden('you have no agent access to that organisation');
  if (found.requiresTwoFactor && !found.hasTwoFactor) {
    throw new ApiError(
      403,
      'two_factor_required',
      'this organisation requires two-factor sign-in: turn it on with POST /me/two-factor',
    );
  }
  return found.role;
}

function requireRole(request: FastifyRequest, role: StaffRole) {
  const minimumRole = request.routeOptions.config.minimumRole ?? 'agent';
  if (!outranks(role, minimumRole)) throw forbidden(`this needs the ${minimumRole} role or above`);
}

/**
 * onRequest hook for the organisation's routes: a bearer token, or the session cookie (writes need the
 * CSRF header). The token is looked up on the owner connection, because the organisation (and so the
 * RLS context) is only known once the token is.
 */
export function authenticate(db: DatabaseHandle, options: SessionOptions) {
  const lookUp = prepareTokenLookup(db.adminDb);
  const cache = createTokenCache();
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    if (header) {
      const token = BEARER.exec(header)?.[1];
      if (!token) throw invalidToken(reply);
      request.principal = await bearerPrincipal(db, lookUp, cache, token, request, reply);
    } else {
      const session = await cookieSession(db, options, request);
      if (!session) {
        reply.header('www-authenticate', 'Bearer');
        throw unauthenticated('an Authorization: Bearer <token> header or a signed-in session is required');
      }
      request.principal = await sessionPrincipal(db, request, session);
    }
    request.person = request.principal;
    requireRole(request, request.principal.role);
  };
}

/**
 * onRequest hook for the account's own routes (`/me/…`): the person's session, or a token they got by
 * signing in. A token an organisation issued for them is refused: an organisation never reaches the
 * account's password, email, sessions or second factor.
 */
export function authenticatePerson(
  db: DatabaseHandle,
  options: SessionOptions,
  only: { sessionOnly?: boolean; allowSecondFactorPending?: boolean } = {},
) {
  const lookUp = prepareTokenLookup(db.adminDb);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    if (header && !only.sessionOnly) {
      const token = BEARER.exec(header)?.[1];
      if (!token) throw invalidToken(reply);
      const principal = await tokenPrincipal(db, lookUp, hashApiToken(token), reply);
      if (principal.credential.kind === 'token' && !principal.credential.personal) {
        throw new ApiError(
          403,
          'personal_credential_required',
          'this token was issued by an organisation; account settings need your own sign-in',
        );
      }
      request.person = { userId: principal.userId, credential: principal.credential };
      return;
    }
    const session = await cookieSession(db, options, request, only.allowSecondFactorPending);
    if (!session) {
      if (only.sessionOnly) throw unauthenticated('this needs a signed-in browser session');
      reply.header('www-authenticate', 'Bearer');
      throw unauthenticated('an Authorization: Bearer <token> header or a signed-in session is required');
    }
    request.person = {
      userId: session.userId,
      credential: { kind: 'session', sessionId: session.id },
      session,
    };
  };
}
