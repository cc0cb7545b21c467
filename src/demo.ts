import { issueApiToken } from './api/auth/tokens.js';
import type { DatabaseHandle } from './db/client.js';
import { ensureMember } from './db/queries/members.js';
import { createOrganization, findOrganizationBySlug } from './db/queries/organizations.js';

export const DEMO_SLUG = 'demo';
export const DEMO_ADMIN_EMAIL = 'admin@demo.localhost';

/**
 * The organisation a first start shows: an admin with an API token, default SLA policies and canned
 * responses. Does nothing when it exists already (the token was shown when it was made).
 */
export async function seedDemo(db: DatabaseHandle, supportAddress: string) {
  const existing = await findOrganizationBySlug(db.adminDb, DEMO_SLUG);
  if (existing) return { created: false as const, organization: existing };
  const organization = await createOrganization(db.adminDb, {
    name: 'Demo Support',
    slug: DEMO_SLUG,
    settings: { notifications: { escalationEmails: [supportAddress] } },
  });
  return db.withTenant({ organizationId: organization.id }, async (tx) => {
    const { user } = await ensureMember(tx, organization.id, {
      email: DEMO_ADMIN_EMAIL,
      name: 'Demo Admin',
      role: 'owner',
    });
    const { token } = await issueApiToken(tx, {
      organizationId: organization.id,
      userId: user.id,
      name: 'demo',
      createdById: user.id,
      expiresAt: null,
    });
    return { created: true as const, organization, admin: user, token };
  });
}
