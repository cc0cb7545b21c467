// What several route files share: the role a route needs, request headers and checks.

/** Route config for what only admins and owners may do (the auth hook enforces `minimumRole`). */
export const adminOnly = { minimumRole: 'admin' } as const;
