import { createHash, randomBytes } from 'node:crypto';
import type { Tx } from '../../db/client.js';
import { apiTokens } from '../../db/schema/index.js';

// A recognisable prefix lets secret scanners and people spot leaked InsightDesk tokens.
const TOKEN_MARK = 'idk_';
/** How much of the token is kept in clear, to tell tokens apart in listings. */
const DISPLAY_LENGTH = TOKEN_MARK.length + 8;

/** Tokens are stored as this hash only: a leaked table does not leak working tokens. */
export const hashApiToken = (token: string) => createHash('sha256').update(token).digest('hex');

// Invitation tokens have their own mark: one is never mistaken for (or tried as) an API token.
const INVITATION_MARK = 'idi_';

/** A single-use invitation secret and the hash that is all the database keeps of it. */
export function newInvitationToken() {
  const token = `${INVITATION_MARK}${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: hashApiToken(token) };
}

export interface IssueTokenInput {
  organizationId: string;
  userId: string;
  name: string;
  createdById: string | null;
  expiresAt: Date | null;
}

/** Stores a new token and returns its row with the secret, which is never available again. */
export async function issueApiToken(tx: Tx, input: IssueTokenInput) {
  const token = `${TOKEN_MARK}${randomBytes(32).toString('base64url')}`;
  const [row] = await tx
    .insert(apiTokens)
    .values({ ...input, tokenHash: hashApiToken(token), tokenPrefix: token.slice(0, DISPLAY_LENGTH) })
    .returning();
  return { ...row!, token };
}
