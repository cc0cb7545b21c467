import { type Static, type TSchema, Type } from 'typebox';
import { STAFF_ROLES } from '../../domain/vocabulary.js';

export const Uuid = Type.String({ format: 'uuid' });

/** A Date from the database, written as an ISO 8601 string by the serializer. */
export const Timestamp = Type.Unsafe<Date>({ type: 'string', format: 'date-time' });

/** `type: [T, 'null']` rather than anyOf, so a validation error names the real problem (e.g. the format). */
export function Nullable<T extends TSchema>(schema: T) {
  const { type } = schema as unknown as { type: string };
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] });
}

/** 204: no body (`type: null` is how @fastify/swagger documents an empty response). */
export const NoContent = Type.Null({ description: 'Done; no content' });

export const IdParams = Type.Object({ id: Uuid });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. validation_failed, not_found' }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown({ description: 'For validation errors: [{ field, message }]' })),
    }),
  },
  { $id: 'ErrorResponse' },
);

const errorDescriptions = {
  400: 'Invalid input: the details name each field and why',
  401: 'Missing, invalid, expired or revoked bearer token',
  402: 'The organisation’s plan allows no more of this (code plan_limit_exceeded; details name the limit)',
  403: 'The token’s role may not do this',
  404: 'No such resource in this organisation',
  409: 'Conflicts with the current state',
  410: 'No longer usable (expired or revoked)',
  413: 'The body is too large',
  422: 'Refers to something that cannot be used here',
  429: 'Too many attempts',
  502: 'A server this one relies on (e.g. the mail server) refused or failed',
  503: 'Not ready',
} as const;

type ErrorStatus = keyof typeof errorDescriptions;

const errorRef = (status: ErrorStatus) =>
  Type.Unsafe<Static<typeof ErrorResponse>>({
    $ref: 'ErrorResponse',
    description: errorDescriptions[status],
  });

/** The error responses a route documents, each with the shared error shape. */
export function errors<const S extends readonly ErrorStatus[]>(
  ...statuses: S
): { [K in S[number]]: ReturnType<typeof errorRef> } {
  return Object.fromEntries(statuses.map((status) => [status, errorRef(status)])) as {
    [K in S[number]]: ReturnType<typeof errorRef>;
  };
}

/** Every authenticated route can answer these. */
export const authErrors = [400, 401, 403, 422] as const satisfies ErrorStatus[];

export const Person = Type.Object({ id: Uuid, name: Type.String(), email: Type.String() });

export { STAFF_ROLES };
export const StaffRoleSchema = Type.Enum(STAFF_ROLES);

export const NewPassword = (description?: string) =>
  Type.String({ minLength: 10, maxLength: 200, writeOnly: true, description });
