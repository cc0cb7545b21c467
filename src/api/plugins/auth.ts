import { and, eq, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DatabaseHandle, Tx } from '../../db/client.js';
import { apiTokens, type UserRole, userOrganizations, users } from '../../db/schema/index.js';
import { hashApiToken } from '../auth/tokens.js';
import { forbidden, unauthenticated } from '../errors.js';

/** The roles that may use the agents' API at all. */
export type StaffRole = Exclude<UserRole, 'customer'>;

export interface Principal {
  userId: string;
  organizationId: string;
  role: StaffRole;
  tokenId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the authentication hook on every route of the authenticated scope. */
    principal: Principal;
    /** Runs `fn` in one transaction as `app_user`, scoped by RLS to the caller's organisation. */
    inTenant<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  }
  interface FastifyContextConfig {
    /** The least role that may call the route (default: agent). */
    minimumRole?: StaffRole;
  }
}

const RANK: Record<UserRole, number> = { customer: 0, agent: 1, admin: 2, owner: 3 };

const outranks = (role: UserRole, other: UserRole) => RANK[role] >= RANK[other];

export const isStaffRole = (role: UserRole): role is StaffRole => role !== 'customer';

// Writing last_used_at on every request would turn each read into a write; a minute's precision is enough.
const LAST_USED_PRECISION_MS = 60_000;

const BEARER = /^Bearer\s+(\S+)$/i;

/** Decorates requests with `principal` and `inTenant`; the hook itself is added per scope by `authenticate`. */
export function setupTenantContext(app: FastifyInstance, db: DatabaseHandle) {
  app.decorateRequest('principal', null as unknown as Principal);
  app.decorateRequest('inTenant', function <T>(this: FastifyRequest, fn: (tx: Tx) => Promise<T>) {
    return db.withTenant(
      { organizationId: this.principal.organizationId, userId: this.principal.userId },
      fn,
    );
  });
}

/**
 * onRequest hook: resolves the bearer token to a user, organisation and role, and refuses roles below the
 * route's `minimumRole`. The token is looked up by its hash on the owner connection, because the
 * organisation (and so the RLS context) is only known once the token is.
 */
export function authenticate(db: DatabaseHandle) {
  // Built once and prepared: one round trip per request, no SQL building.
  const lookUpToken = db.adminDb
    .select({
      tokenId: apiTokens.id,
      organizationId: apiTokens.organizationId,
      userId: apiTokens.userId,
      revokedAt: apiTokens.revokedAt,
      expiresAt: apiTokens.expiresAt,
      lastUsedAt: apiTokens.lastUsedAt,
      userActive: users.isActive,
      role: userOrganizations.role,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    // The role is read at each request, so a demotion or removal takes effect at once.
    .leftJoin(
      userOrganizations,
      and(
        eq(userOrganizations.userId, apiTokens.userId),
        eq(userOrganizations.organizationId, apiTokens.organizationId),
      ),
    )
    .where(eq(apiTokens.tokenHash, sql.placeholder('tokenHash')))
    .prepare('authenticate_token');
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) {
      reply.header('www-authenticate', 'Bearer');
      throw unauthenticated('an Authorization: Bearer <token> header is required');
    }
    const [found] = await lookUpToken.execute({ tokenHash: hashApiToken(token) });
    const now = Date.now();
    const usable =
      found && !found.revokedAt && (!found.expiresAt || found.expiresAt.getTime() > now) && found.userActive;
    if (!usable || !found.role) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw unauthenticated('the bearer token is invalid, expired or revoked');
    }
    if (!isStaffRole(found.role)) throw forbidden('customers have no access to the agents’ API');
    const minimumRole = request.routeOptions.config.minimumRole ?? 'agent';
    if (!outranks(found.role, minimumRole)) throw forbidden(`this needs the ${minimumRole} role or above`);

    request.principal = {
      userId: found.userId,
      organizationId: found.organizationId,
      role: found.role,
      tokenId: found.tokenId,
    };
    if (!found.lastUsedAt || now - found.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
      await request.inTenant((tx) =>
        tx
          .update(apiTokens)
          .set({ lastUsedAt: new Date(now) })
          .where(eq(apiTokens.id, found.tokenId)),
      );
    }
  };
}
