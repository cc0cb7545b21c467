// The operator's command line: `npm run cli -- <command> [options]` (or `npx insightdesk …`).

import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { issueApiToken, newInvitationToken } from '../api/auth/tokens.js';
import { cliTemporalAddress, openCliDatabase } from '../bootstrap.js';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/client.js';
import { recordAudit } from '../db/queries/audit-logs.js';
import { invitationView, replaceOpenInvitation } from '../db/queries/invitations.js';
import { insertMailbox } from '../db/queries/mailboxes.js';
import {
  createOrganization,
  findOrganizationBySlug,
  setOrganizationActive,
} from '../db/queries/organizations.js';
import { findUserByEmail, normalEmail } from '../db/queries/sign-in.js';
import { changeOrganizationPlan, findPlan, listPlans, PlanLimitError } from '../db/queries/subscriptions.js';
import type { SubscriptionPlan } from '../db/schema/index.js';
import { seedDemo } from '../demo.js';
import { HOUR_MS } from '../domain/vocabulary.js';
import { invitationMail } from '../mail/templates.js';
import { runEntryPoint } from '../process.js';
import { createTicketCommands } from '../temporal/tickets.js';
import { describeSla } from '../workflows/ticket-state.js';

const USAGE = `insightdesk <command> [options]

  migrate                                       apply database migrations
  create-org --name NAME --slug SLUG            create an organisation with default SLA policies
  create-admin --org SLUG --email E             invite an owner: prints the single-use invitation
                                                to hand over (the person chooses their password)
  create-token --org SLUG --email E [--name N]  print a new API token for a member
  add-mailbox --org SLUG --address A --imap-host H --imap-user U --imap-password P
              [--imap-port 993] [--imap-insecure] [--folder INBOX]
                                                connect a support inbox
  plans                                         list the subscription plans and their limits
  deactivate-org SLUG                           refuse every token and session of an organisation
  activate-org SLUG                             allow them again
  set-plan SLUG PLAN                            move an organisation to another plan (audited; a plan
                                                below current usage is allowed, with a warning)
  sla TICKET_ID                                 show a ticket's live SLA clocks
  seed-demo                                     create the demo organisation (once)`;

class UsageError extends Error {}

function parseCommandLine() {
  return parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      slug: { type: 'string' },
      org: { type: 'string' },
      email: { type: 'string' },
      address: { type: 'string' },
      'imap-host': { type: 'string' },
      'imap-port': { type: 'string', default: '993' },
      'imap-user': { type: 'string' },
      'imap-password': { type: 'string' },
      'imap-insecure': { type: 'boolean', default: false },
      folder: { type: 'string', default: 'INBOX' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

let parsed: ReturnType<typeof parseCommandLine>;
try {
  parsed = parseCommandLine();
} catch (error) {
  // An unknown or malformed option: one line and the usage, as for any other usage mistake.
  console.error(`error: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
const { positionals, values } = parsed;

function required(name: keyof typeof values): string {
  const value = values[name];
  if (typeof value !== 'string' || !value.trim()) throw new UsageError(`--${name} is required`);
  return value.trim();
}

async function organization(db: DatabaseHandle, slug = required('org')) {
  const org = await findOrganizationBySlug(db.adminDb, slug);
  if (!org) throw new UsageError(`no organisation with slug "${slug}"`);
  return org;
}

const figure = (limit: number | null) => (limit === null ? 'unlimited' : String(limit));
const describePlan = (plan: SubscriptionPlan) =>
  `${plan.id.padEnd(10)} ${plan.name.padEnd(10)} agents ${figure(plan.maxAgents)}, mailboxes ` +
  `${figure(plan.maxMailboxes)}, tickets per month ${figure(plan.maxTicketsPerMonth)}, ` +
  `${(plan.priceCentsPerMonth / 100).toFixed(2)} per month`;

async function printToken(db: DatabaseHandle, organizationId: string, userId: string, name: string) {
  const { token } = await db.withTenant({ organizationId, userId }, (tx) =>
    issueApiToken(tx, { organizationId, userId, name, createdById: null, expiresAt: null }),
  );
  console.log(`API token (shown once): ${token}`);
}

const commands: Record<string, (db: DatabaseHandle, config: Config) => Promise<void>> = {
  async migrate() {
    console.log('migrations applied');
  },
  async 'create-org'(db) {
    const org = await createOrganization(db.adminDb, { name: required('name'), slug: required('slug') });
    console.log(`organisation ${org.slug} created (${org.id})`);
  },
  async 'create-admin'(db, config) {
    const org = await organization(db);
    const email = normalEmail(required('email'));
    const { token, tokenHash } = newInvitationToken();
    const expiresAt = new Date(Date.now() + config.api.invitationTtlHours * HOUR_MS);
    // An account belongs to its person: the operator invites, the person accepts and sets the password.
    const { created } = await db.withTenant({ organizationId: org.id }, async (tx) => {
      const invited = await replaceOpenInvitation(tx, {
        organizationId: org.id,
        email,
        role: 'owner',
        invitedBy: null,
        tokenHash,
        expiresAt,
      });
      await recordAudit(tx, {
        organizationId: org.id,
        actorId: null,
        action: 'invitation.created',
        targetType: 'invitation',
        targetId: invited.created.id,
        after: invitationView(invited.created),
      });
      return invited;
    });
    const mail = invitationMail({
      organizationName: org.name,
      inviterName: 'The operator',
      role: 'owner',
      token,
      expiresAt,
      apiUrl: config.api.publicUrl,
    });
    console.log(`invitation ${created.id}: ${email} as owner of ${org.slug}; hand this to them:\n`);
    console.log(mail.text);
  },
  async 'deactivate-org'(db) {
    const org = await organization(db, positionals[1] ?? '');
    await setOrganizationActive(db.adminDb, org.id, false);
    console.log(`${org.slug} deactivated: its tokens and sessions are refused`);
  },
  async 'activate-org'(db) {
    const org = await organization(db, positionals[1] ?? '');
    await setOrganizationActive(db.adminDb, org.id, true);
    console.log(`${org.slug} activated`);
  },
  async 'create-token'(db) {
    const org = await organization(db);
    const user = await findUserByEmail(db.adminDb, required('email'));
    if (!user) throw new UsageError('no user with that email');
    await printToken(db, org.id, user.id, values.name ?? 'cli');
  },
  async 'add-mailbox'(db) {
    const org = await organization(db);
    const mailbox = await db.withTenant({ organizationId: org.id }, (tx) =>
      insertMailbox(tx, {
        organizationId: org.id,
        name: required('address'),
        address: required('address').toLowerCase(),
        imapHost: required('imap-host'),
        imapPort: Number(values['imap-port']),
        imapSecure: !values['imap-insecure'],
        imapUser: required('imap-user'),
        imapPassword: required('imap-password'),
        imapFolder: values.folder,
        // Added by the operator: verified by that act.
        verifiedAt: new Date(),
      }),
    );
    console.log(`mailbox ${mailbox.address} added (${mailbox.id}); the ingest process picks it up`);
  },
  async plans(db) {
    for (const plan of await listPlans(db.adminDb)) console.log(describePlan(plan));
  },
  async 'set-plan'(db) {
    const [, slug, planId] = positionals;
    if (!slug || !planId) throw new UsageError('set-plan needs an organisation slug and a plan id');
    const org = await organization(db, slug);
    const plan = await findPlan(db.adminDb, planId);
    if (!plan) {
      const known = (await listPlans(db.adminDb)).map((p) => p.id).join(', ');
      throw new UsageError(`no plan "${planId}" (plans: ${known})`);
    }
    // The operator has no user account: the audit entry's actor is null.
    const { before, warnings } = await changeOrganizationPlan(db.adminDb, {
      organizationId: org.id,
      plan,
      actorId: null,
    });
    for (const warning of warnings) console.warn(`warning: ${warning}`);
    console.log(`${org.slug} moved from the ${before.name} plan to the ${plan.name} plan`);
  },
  async sla(_db, config) {
    const ticketId = positionals[1];
    if (!ticketId) throw new UsageError('sla needs a ticket id');
    const connection = await Connection.connect({ address: await cliTemporalAddress(config) });
    try {
      const tickets = createTicketCommands(
        new Client({ connection, namespace: config.temporal.namespace }),
        config.temporal.taskQueue,
      );
      const state = await tickets.slaState(ticketId);
      // npm echoes a uuid argument as *** : say which ticket this is.
      console.log(`ticket ${ticketId}:`);
      console.log(
        state
          ? JSON.stringify(describeSla(state, Date.now()), null, 2)
          : 'no running workflow (closed or unknown ticket)',
      );
    } finally {
      await connection.close();
    }
  },
  async 'seed-demo'(db, config) {
    const result = await seedDemo(db, config.mail.defaultFrom);
    if (!result.created) {
      console.log('the demo organisation exists already');
      return;
    }
    console.log(`demo organisation created; admin ${result.admin.email}`);
    console.log(`API token (shown once): ${result.token}`);
  },
};

const command = positionals[0];
if (values.help || !command || !commands[command]) {
  console.log(USAGE);
  process.exit(command && !values.help ? 2 : 0);
}

// Answers on stdout, refusals and log lines on stderr: `TOKEN=$(npm run -s cli -- create-token …)` works.
runEntryPoint(
  'cli',
  async (config, log) => {
    // DATABASE_URL, else the running npm start of DATA_DIR, else its embedded PostgreSQL for this command.
    const { db, close } = await openCliDatabase(config, log);
    try {
      await commands[command]!(db, config);
    } catch (error) {
      // Refusals are the command's answer, as plain text; failures below go to the log.
      if (error instanceof PlanLimitError) {
        console.error(`error: ${error.message}`);
        process.exitCode = 1;
      } else {
        if (!(error instanceof UsageError)) throw error;
        console.error(`error: ${error.message}\n\n${USAGE}`);
        process.exitCode = 2;
      }
    } finally {
      await close();
    }
    process.exit();
  },
  { fd: 2 },
);
