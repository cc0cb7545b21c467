// What a sign-in hands out (POST /auth/login, an accepted invitation): a new API token, shown once,
// and whom and where it acts for. Shared by the routes that sign people in.
import { type Static, Type } from 'typebox';
import { Nullable, Person, StaffRoleSchema, Uuid } from '../schemas/common.js';
import type { SignInLimitOptions } from '../sign-in-limits.js';
import type { issueApiToken } from './tokens.js';

export interface LoginOptions extends SignInLimitOptions {
  /** Lifetime of the issued token. */
  tokenDays: number;
}

/** A newly issued token with who and where it acts (login, accepted invitation). */
export const LoginResponse = Type.Object({
  token: Type.String({ description: 'Shown once: only its hash is stored' }),
  tokenId: Uuid,
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  user: Person,
  organization: Type.Object({ id: Uuid, name: Type.String() }),
  role: StaffRoleSchema,
});

/** The answer of a login (and of accepting an invitation): the new token, once, and whom it speaks for. */
export function loginResponse(
  issued: Awaited<ReturnType<typeof issueApiToken>>,
  user: { id: string; name: string; email: string },
  organization: { id: string; name: string },
  role: Static<typeof LoginResponse>['role'],
): Static<typeof LoginResponse> {
  return {
    token: issued.token,
    tokenId: issued.id,
    expiresAt: issued.expiresAt?.toISOString() ?? null,
    user: { id: user.id, name: user.name, email: user.email },
    organization: { id: organization.id, name: organization.name },
    role,
  };
}
