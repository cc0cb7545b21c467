import { createHash, randomBytes } from 'node:crypto';
import type { Tx } from '../../db/client.js';
import { insertApiToken } from '../../db/queries/api-tokens.js';

// A recognisable prefix lets secret scanners and people spot leaked InsightDesk tokens.
const TOKEN_MARK = 'idk_';
/** How much of the token is kept in clear, to tell tokens apart in listings. */
const DISPLAY_LENGTH = TOKEN_MARK.length + 8;

/** Tokens are stored as this hash only: a leaked table does not leak working tokens. */
export const hashApiToken = (token: string) => createHash('sha256').update(token).digest('hex');

// Each kind of secret has its own mark: one is never mistaken for (or tried as) another.
const SECRET_MARKS = { invitation: 'idi_', session: 'ids_', link: 'idv_', mailbox: 'idm_' } as const;

/** A new secret of one kind and the hash that is all the database keeps of it. */
export function newSecret(kind: keyof typeof SECRET_MARKS) {
  const token = `${SECRET_MARKS[kind]}${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: hashApiToken(token) };
}

/** The secret of an invitation email. */
export const newInvitationToken = () => newSecret('invitation');
/** The secret of a mailbox verification link. */
export const newMailboxVerificationToken = () => newSecret('mailbox');

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
  const row = await insertApiToken(tx, {
    ...input,
    tokenHash: hashApiToken(token),
    tokenPrefix: token.slice(0, DISPLAY_LENGTH),
  });
  return { ...row, token };
}
