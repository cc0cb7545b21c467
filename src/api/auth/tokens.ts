import { createHash, randomBytes } from 'node:crypto';
import type { Tx } from '../../db/client.js';
import { apiTokens } from '../../db/schema/index.js';

// A recognisable prefix lets secret scanners and people spot leaked InsightDesk tokens.
const TOKEN_MARK = 'idk_';
/** How much of the token is kept in clear, to tell tokens apart in listings. */
const DISPLAY_LENGTH = TOKEN_MARK.length + 8;

/** Tokens are stored as this hash only: a leaked table does not leak working tokens. */
export const hashApiToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A single-use secret with its mark, and the hash that is all the database keeps of it. */
function newSingleUseToken(mark: string) {
  const token = `${mark}${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: hashApiToken(token) };
}

// Emailed tokens have their own marks: one is never mistaken for (or tried as) an API token.
/** The secret of an invitation email. */
export const newInvitationToken = () => newSingleUseToken('idi_');
/** The secret of a mailbox verification link. */
export const newMailboxVerificationToken = () => newSingleUseToken('idv_');

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
