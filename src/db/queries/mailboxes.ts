import { and, asc, eq, inArray, isNotNull, isNull, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { EnvMailbox } from '../../config.js';
import type { Database, Queryable } from '../client.js';
import { type Mailbox, mailboxes, organizations } from '../schema/index.js';
import { deleteRowOfOrganization, findRowOfOrganization, updateRowOfOrganization } from './scope.js';

const isVerified = isNotNull(mailboxes.verifiedAt);

/** The verified mailbox among `addresses` (mail sent to them belongs to its organisation), if any. */
export async function routingMailbox(
  db: Queryable,
  addresses: string[],
): Promise<{ id: string } | undefined> {
  if (addresses.length === 0) return undefined;
  const [row] = await db
    .select({ id: mailboxes.id })
    .from(mailboxes)
    .where(and(inArray(mailboxes.address, addresses), isVerified))
    .orderBy(asc(mailboxes.verifiedAt))
    .limit(1);
  return row;
}

/** One of the organisation's mailboxes, or undefined. */
export const findMailbox = (db: Queryable, organizationId: string, id: string) =>
  findRowOfOrganization(db, mailboxes, organizationId, id);

/** The organisation's mailboxes, by address (the admins' view: settings and state). */
export function listMailboxes(db: Queryable, organizationId: string) {
  return db
    .select()
    .from(mailboxes)
    .where(eq(mailboxes.organizationId, organizationId))
    .orderBy(asc(mailboxes.address));
}

/** The organisation's mailboxes by name, names and addresses only (what any member may see). */
export function mailboxDirectory(db: Queryable, organizationId: string) {
  return db
    .select({ id: mailboxes.id, name: mailboxes.name, address: mailboxes.address })
    .from(mailboxes)
    .where(eq(mailboxes.organizationId, organizationId))
    .orderBy(asc(mailboxes.name), asc(mailboxes.address));
}

/** The mailbox, its row locked until the transaction ends, or undefined. */
export const lockMailbox = (db: Queryable, organizationId: string, id: string) =>
  findRowOfOrganization(db, mailboxes, organizationId, id, { forUpdate: true });

/** Applies `changes` to one of the organisation's mailboxes; the row after, or undefined. */
export const updateMailbox = (
  db: Queryable,
  organizationId: string,
  id: string,
  changes: Partial<typeof mailboxes.$inferInsert>,
) => updateRowOfOrganization(db, mailboxes, organizationId, id, changes);

/** Deletes one of the organisation's mailboxes; the row deleted, or undefined. */
export const deleteMailbox = (db: Queryable, organizationId: string, id: string) =>
  deleteRowOfOrganization(db, mailboxes, organizationId, id);

/** Adds a mailbox; the row. */
export async function insertMailbox(db: Queryable, mailbox: typeof mailboxes.$inferInsert) {
  const [row] = await db.insert(mailboxes).values(mailbox).returning();
  return row!;
}

/** Every verified address: the installation's own (mail from them is a loop). */
export async function verifiedAddresses(db: Queryable): Promise<string[]> {
  const rows = await db.select({ address: mailboxes.address }).from(mailboxes).where(isVerified);
  return rows.map((r) => r.address);
}

/** Every mailbox address of the organisation, verified or not: none of them is a person to copy. */
export async function organizationMailboxAddresses(db: Queryable, organizationId: string): Promise<string[]> {
  const rows = await db
    .select({ address: mailboxes.address })
    .from(mailboxes)
    .where(eq(mailboxes.organizationId, organizationId));
  return rows.map((r) => r.address);
}

export type VerifyOutcome = 'verified' | 'already-verified' | 'taken';

/**
 * Marks the mailbox verified (and spends its verification token). `taken`: another organisation verified
 * the address first; it stays theirs and this mailbox stays unverified. Run it on the owner connection:
 * other organisations' mailboxes are invisible under RLS. (Two verifying at the same instant: the unique
 * index refuses the second.)
 */
export async function markMailboxVerified(db: Queryable, mailboxId: string): Promise<VerifyOutcome> {
  const other = alias(mailboxes, 'other');
  const [row] = await db
    .update(mailboxes)
    .set({ verifiedAt: new Date(), verificationTokenHash: null, updatedAt: new Date() })
    .where(
      and(
        eq(mailboxes.id, mailboxId),
        isNull(mailboxes.verifiedAt),
        notExists(
          db
            .select({ id: other.id })
            .from(other)
            .where(and(eq(other.address, mailboxes.address), isNotNull(other.verifiedAt))),
        ),
      ),
    )
    .returning({ id: mailboxes.id });
  if (row) return 'verified';
  const [current] = await db
    .select({ verifiedAt: mailboxes.verifiedAt })
    .from(mailboxes)
    .where(eq(mailboxes.id, mailboxId));
  return current?.verifiedAt ? 'already-verified' : 'taken';
}

/** Stores the hash of a new verification token (the previous one stops working). */
export async function startMailboxVerification(
  db: Queryable,
  mailbox: Pick<Mailbox, 'id' | 'organizationId'>,
  tokenHash: string,
) {
  const [row] = await db
    .update(mailboxes)
    .set({ verificationTokenHash: tokenHash, verificationSentAt: new Date() })
    .where(and(eq(mailboxes.id, mailbox.id), eq(mailboxes.organizationId, mailbox.organizationId)))
    .returning();
  return row;
}

export async function findMailboxByVerificationHash(db: Queryable, tokenHash: string) {
  const [row] = await db.select().from(mailboxes).where(eq(mailboxes.verificationTokenHash, tokenHash));
  return row;
}

/** Who an email leaves from: an address, the name shown beside it, and the signature its mail ends with. */
export interface MailSender {
  address: string;
  name: string | null;
  signature: string | null;
}

const senderColumns = {
  address: mailboxes.address,
  name: mailboxes.displayName,
  signature: mailboxes.signature,
};

/**
 * Who the organisation's mail comes from: the mailbox the conversation came in through (`mailboxId`, a
 * ticket's), else its first active mailbox, else the installation's address. Customers answer the address
 * they were written from, so a reply must not leave from an inbox nobody reads.
 */
export async function mailSender(
  db: Queryable,
  organizationId: string,
  defaultFrom: string,
  mailboxId?: string | null,
): Promise<MailSender> {
  const active = and(eq(mailboxes.organizationId, organizationId), eq(mailboxes.isActive, true), isVerified);
  if (mailboxId) {
    const [own] = await db
      .select(senderColumns)
      .from(mailboxes)
      .where(and(active, eq(mailboxes.id, mailboxId)));
    if (own) return own;
  }
  // An unverified address is a mere claim: mail is never sent as it.
  const [first] = await db
    .select(senderColumns)
    .from(mailboxes)
    .where(active)
    .orderBy(asc(mailboxes.createdAt))
    .limit(1);
  return first ?? { address: defaultFrom, name: null, signature: null };
}

/** The outbox columns of a sender (the reply address is the sending one: answers come back to it). */
export const fromSender = (sender: MailSender) => ({
  fromAddress: sender.address,
  fromName: sender.name,
  replyTo: sender.address,
});

/** Every active mailbox with IMAP settings, whichever organisation's: the ones a reader runs for. */
export async function readableMailboxIds(db: Queryable): Promise<string[]> {
  const rows = await db
    .select({ id: mailboxes.id })
    .from(mailboxes)
    .where(and(eq(mailboxes.isActive, true), isNotNull(mailboxes.imapHost)));
  return rows.map((r) => r.id);
}

/**
 * The env-configured mailbox as a `mailboxes` row (created or updated, found by its address), in the
 * organisation named by SUPPORT_ORGANIZATION, which is created when it does not exist yet.
 */
export async function upsertEnvMailbox(admin: Database, mailbox: EnvMailbox): Promise<string> {
  await admin
    .insert(organizations)
    .values({ name: mailbox.organizationSlug, slug: mailbox.organizationSlug })
    .onConflictDoNothing({ target: organizations.slug });
  const [org] = await admin
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.slug, mailbox.organizationSlug));
  const settings = {
    imapHost: mailbox.host,
    imapPort: mailbox.port,
    imapSecure: mailbox.secure,
    imapUser: mailbox.user,
    imapPassword: mailbox.password,
    imapFolder: mailbox.folder,
    isActive: true,
    updatedAt: new Date(),
  };
  // The operator configured it: verified by that act.
  const [row] = await admin
    .insert(mailboxes)
    .values({
      organizationId: org!.id,
      name: mailbox.address,
      address: mailbox.address,
      verifiedAt: new Date(),
      ...settings,
    })
    .onConflictDoUpdate({
      target: mailboxes.address,
      targetWhere: sql`${mailboxes.verifiedAt} is not null`,
      set: settings,
    })
    .returning({ id: mailboxes.id, organizationId: mailboxes.organizationId });
  if (row!.organizationId !== org!.id) {
    throw new Error(
      `SUPPORT_ADDRESS ${mailbox.address} already belongs to another organisation than ${mailbox.organizationSlug}`,
    );
  }
  return row!.id;
}
