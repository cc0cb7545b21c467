import { relations, sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { timestamps, timestamptz } from './columns.js';
import { organizations } from './organizations.js';
import { createTenantPolicies } from './rls.js';
import { tickets } from './tickets.js';

/** A support inbox: mail sent to `address` becomes tickets of the organisation. */
export const mailboxes = pgTable(
  'mailboxes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /**
     * The support address customers write to (lower case). It routes inbound mail (and is used as the
     * organisation's sender) only once verified; until then it is a mere claim, and several organisations
     * may claim one address.
     */
    address: text('address').notNull(),
    /** The name mail from this mailbox shows beside the address (`"Acme Support" <help@acme.example>`). */
    displayName: text('display_name'),
    /** Plain text appended to mail about its conversations (`{{signature}}` in the templates). */
    signature: text('signature'),
    imapHost: text('imap_host'),
    imapPort: integer('imap_port'),
    imapSecure: boolean('imap_secure').notNull().default(true),
    imapUser: text('imap_user'),
    /** Write-only secret: never returned by the API nor logged. */
    imapPassword: text('imap_password'),
    imapFolder: text('imap_folder').notNull().default('INBOX'),
    /** Outgoing mail for this mailbox; null columns fall back to the installation's SMTP settings. */
    smtpHost: text('smtp_host'),
    smtpPort: integer('smtp_port'),
    smtpSecure: boolean('smtp_secure'),
    smtpUser: text('smtp_user'),
    smtpPassword: text('smtp_password'),
    /** IMAP progress: last UID processed under this UIDVALIDITY (advanced only after Temporal accepted it). */
    uidValidity: bigint('uid_validity', { mode: 'number' }),
    lastUid: bigint('last_uid', { mode: 'number' }).notNull().default(0),
    isActive: boolean('is_active').notNull().default(true),
    lastError: text('last_error'),
    lastSyncedAt: timestamptz('last_synced_at'),
    /**
     * When the organisation proved the address is theirs: the reader logged in as it, the verification
     * email's link was opened, or the operator added the mailbox (CLI, IMAP_URL). Null: unverified.
     */
    verifiedAt: timestamptz('verified_at'),
    /** SHA-256 of the single-use token of the latest verification email (never the token itself). */
    verificationTokenHash: text('verification_token_hash'),
    verificationSentAt: timestamptz('verification_sent_at'),
    ...timestamps,
  },
  (table) => [
    index('mailboxes_org_idx').on(table.organizationId),
    uniqueIndex('mailboxes_org_address_unique').on(table.organizationId, table.address),
    // One organisation at most owns an address: the first to verify it.
    uniqueIndex('mailboxes_verified_address_unique')
      .on(table.address)
      .where(sql`${table.verifiedAt} is not null`),
    uniqueIndex('mailboxes_verification_token_unique').on(table.verificationTokenHash),
    ...createTenantPolicies('mailboxes'),
  ],
).enableRLS();

export const inboundOutcomeEnum = pgEnum('inbound_outcome', [
  'ticket_created',
  'message_added',
  'ignored', // auto-replies, bulk mail, our own mail
  'bounce',
  'quarantined', // could not be ingested; kept with the reason
]);

/** Ledger of every email received: the idempotency key that makes re-delivery harmless. */
export const inboundEmails = pgTable(
  'inbound_emails',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    mailboxId: uuid('mailbox_id').references(() => mailboxes.id, { onDelete: 'set null' }),
    /** Message-ID, or `sha256:<hash of the raw bytes>` when the email has none. */
    messageKey: text('message_key').notNull(),
    fromAddress: text('from_address'),
    subject: text('subject'),
    outcome: inboundOutcomeEnum('outcome').notNull(),
    reason: text('reason'),
    ticketId: uuid('ticket_id').references(() => tickets.id, { onDelete: 'set null' }),
    /** Where the raw message is kept (quarantined mail, or all mail when configured). */
    rawStorageKey: text('raw_storage_key'),
    sizeBytes: integer('size_bytes'),
    receivedAt: timestamptz('received_at').notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('inbound_emails_key_unique').on(table.organizationId, table.messageKey),
    index('inbound_emails_outcome_idx').on(table.organizationId, table.outcome, table.receivedAt),
    ...createTenantPolicies('inbound_emails'),
  ],
).enableRLS();

export const outboundKindEnum = pgEnum('outbound_kind', [
  'acknowledgement',
  'reply',
  'escalation',
  'sla_warning',
  'notification',
  'survey',
  'resolution_notice',
]);

export const outboundStatusEnum = pgEnum('outbound_status', ['pending', 'sent', 'failed']);

export interface OutboundAttachment {
  filename: string;
  contentType: string;
  /** Storage key of the file's bytes. */
  storageKey: string;
}

/**
 * Outbox: a mail is written here (with our own Message-ID) in the transaction of the event that causes
 * it, then delivered by an activity that skips rows already sent, so a retried activity sends once.
 */
export const outboundEmails = pgTable(
  'outbound_emails',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    ticketId: uuid('ticket_id').references(() => tickets.id, { onDelete: 'cascade' }),
    kind: outboundKindEnum('kind').notNull(),
    /** What caused the mail (e.g. `escalation:<ticket>:<sla kind>:<deadline>`): one mail per cause. */
    idempotencyKey: text('idempotency_key').notNull(),
    messageId: text('message_id').notNull(),
    fromAddress: text('from_address').notNull(),
    /** The display name beside `fromAddress` (the mailbox's), if it has one. */
    fromName: text('from_name'),
    replyTo: text('reply_to'),
    toAddresses: text('to_addresses').array().notNull(),
    /** A reply's Cc: the ticket's followers when it was queued. */
    ccAddresses: text('cc_addresses').array().notNull().default(sql`ARRAY[]::text[]`),
    subject: text('subject').notNull(),
    textBody: text('text_body').notNull(),
    inReplyTo: text('in_reply_to'),
    references: text('references').array().notNull().default(sql`ARRAY[]::text[]`),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    attachments: jsonb('attachments').$type<OutboundAttachment[]>().notNull().default([]),
    status: outboundStatusEnum('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    sentAt: timestamptz('sent_at'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('outbound_emails_idempotency_unique').on(table.organizationId, table.idempotencyKey),
    index('outbound_emails_ticket_idx').on(table.ticketId),
    ...createTenantPolicies('outbound_emails'),
  ],
).enableRLS();

export const mailboxesRelations = relations(mailboxes, ({ one }) => ({
  organization: one(organizations, { fields: [mailboxes.organizationId], references: [organizations.id] }),
}));

export type Mailbox = typeof mailboxes.$inferSelect;
export type NewMailbox = typeof mailboxes.$inferInsert;
export type InboundEmail = typeof inboundEmails.$inferSelect;
export type OutboundEmail = typeof outboundEmails.$inferSelect;
export type NewOutboundEmail = typeof outboundEmails.$inferInsert;
