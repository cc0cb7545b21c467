import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { createOAuthClient, type OAuthClient } from '../auth/oauth.js';
import type { TrustedProxies } from '../config.js';
import { DEFAULTS } from '../config.js';
import type { Logger } from '../logger.js';
import type { HostPolicy } from '../net/host-policy.js';
import type { LoginOptions } from './auth/login.js';
import type { ApiDeps } from './deps.js';
import { authenticate, authenticatePerson, type SessionOptions, setupTenantContext } from './plugins/auth.js';
import { answerFrameworkError, setupErrorHandling } from './plugins/errors.js';
import { refuseNulCharacters } from './plugins/nul-characters.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerRateLimit } from './plugins/rate-limit.js';
import { loggerOptions, OneLinePerRequest } from './plugins/request-log.js';
import { type WebOptions, webApp } from './plugins/web.js';
import { PresenceHub } from './presence.js';
import { accountRoutes, meRoutes, twoFactorRoutes } from './routes/account.js';
import { attachmentRoutes } from './routes/attachments.js';
import { auditLogRoutes } from './routes/audit-logs.js';
import { loginRoutes } from './routes/auth.js';
import { cannedResponseRoutes } from './routes/canned-responses.js';
import { categoryRoutes } from './routes/categories.js';
import { emailTemplateRoutes } from './routes/email-templates.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes, type ReadinessChecks } from './routes/health.js';
import { type InboundOptions, inboundRoutes } from './routes/inbound.js';
import { type InvitationOptions, invitationAcceptRoutes, invitationRoutes } from './routes/invitations.js';
import { mailboxVerificationLinkRoutes, mailboxVerificationRoutes } from './routes/mailbox-verification.js';
import { mailboxRoutes } from './routes/mailboxes.js';
import { memberRoutes } from './routes/members.js';
import { messageRoutes } from './routes/messages.js';
import { notificationRoutes } from './routes/notifications.js';
import { oauthRoutes } from './routes/oauth.js';
import { organizationRoutes } from './routes/organization.js';
import { participantRoutes } from './routes/participants.js';
import { savedFilterRoutes } from './routes/saved-filters.js';
import { slaPolicyRoutes } from './routes/sla-policies.js';
import { slaPreviewRoutes } from './routes/sla-preview.js';
import { statsRoutes } from './routes/stats.js';
import { subscriptionRoutes } from './routes/subscription.js';
import { surveyRoutes } from './routes/surveys.js';
import { tagRoutes } from './routes/tags.js';
import { ticketMergeRoutes } from './routes/ticket-merge.js';
import { ticketSplitRoutes } from './routes/ticket-split.js';
import { ticketRoutes } from './routes/tickets.js';
import { tokenRoutes } from './routes/tokens.js';
import { webhookRoutes } from './routes/webhooks.js';
import { ErrorResponse } from './schemas/common.js';
import { signInLimiters } from './sign-in-limits.js';

export interface ApiOptions extends ApiDeps {
  /** The process's pino logger (src/logger.ts), or pino options (tests), or false (default) for none. */
  logger?: FastifyServerOptions['logger'] | Logger;
  checks?: ReadinessChecks;
  /** The proxies whose X-Forwarded-For names the client (API_TRUST_PROXY); default none. */
  trustProxy?: TrustedProxies;
  login?: Partial<LoginOptions>;
  /** Which IMAP/SMTP hosts tenants may give their mailboxes; default public hosts only. */
  mailboxHosts?: HostPolicy;
  /** Enables `POST /inbound` (raw emails from a provider's webhook), guarded by its own secret. */
  inbound?: InboundOptions;
  /** How long invitations last and the API address their email shows (config: INVITATION_TTL_HOURS, PUBLIC_URL). */
  invitations?: Partial<InvitationOptions>;
  /** Browser sessions' lifetimes (config: SESSION_IDLE_MINUTES, SESSION_MAX_HOURS); secure cookies behind https. */
  sessions?: Partial<SessionOptions>;
  /** Google and GitHub sign-in (config: GOOGLE_*, GITHUB_*); none configured when absent. */
  oauth?: OAuthClient;
  /** How long a `GET /events` stream lasts before the browser reconnects (default five minutes). */
  eventStreamMs?: number;
  /** The agents' web app at `/` (default: the built bundle in web/dist); false for none. */
  web?: WebOptions | false;
}

const DEFAULT_LOGIN: LoginOptions = {
  maxPerMinute: DEFAULTS.loginRateLimit,
  maxPerAccount: DEFAULTS.loginAccountRateLimit,
  tokenDays: DEFAULTS.loginTokenDays,
};
const DEFAULT_INVITATIONS: InvitationOptions = {
  ttlHours: DEFAULTS.invitationTtlHours,
  apiUrl: `http://${DEFAULTS.apiHost}:${DEFAULTS.apiPort}`,
};
const DEFAULT_SESSIONS: SessionOptions = {
  idleMinutes: DEFAULTS.sessionIdleMinutes,
  absoluteHours: DEFAULTS.sessionMaxHours,
  secureCookies: false,
};

/**
 * Fastify's trustProxy for API_TRUST_PROXY. A hop count trusts the nearest `n` hops whoever they are
 * (Fastify's own number option trusts none): only safe when nothing reaches the API but those proxies.
 */
function trustedProxyOption(trusted: TrustedProxies = false): FastifyServerOptions['trustProxy'] {
  if (typeof trusted === 'number') return (_address: string, hop: number) => hop < trusted;
  return trusted;
}

/** The agents' API as a Fastify instance: `listen` it, or `inject` requests in tests. */
export async function buildApp(options: ApiOptions) {
  const deps: ApiDeps = {
    db: options.db,
    tickets: options.tickets,
    storage: options.storage,
    surveyLinks: options.surveyLinks,
    mailer: options.mailer,
    defaultFrom: options.defaultFrom,
  };
  const login = { ...DEFAULT_LOGIN, ...options.login };
  const invitations = { ...DEFAULT_INVITATIONS, ...options.invitations };
  const sessions = {
    ...DEFAULT_SESSIONS,
    secureCookies: invitations.apiUrl.startsWith('https:'),
    ...options.sessions,
  };
  const mail = { mailer: options.mailer, defaultFrom: options.defaultFrom };
  const app = Fastify({
    ...loggerOptions(options.logger),
    logController: new OneLinePerRequest(),
    trustProxy: trustedProxyOption(options.trustProxy),
    // A caller's X-Request-Id is kept (to follow a request across services), else one is made.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Unknown fields are refused with their name rather than silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    frameworkErrors: answerFrameworkError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  setupErrorHandling(app);
  refuseNulCharacters(app);
  setupTenantContext(app, options.db);
  app.addSchema(ErrorResponse);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    // Every answer is someone's data or a credential (tokens from /auth/*, invitations): no cache, browser
    // or proxy, keeps a copy. Only what states its own caching (the docs' static files) differs.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  await registerOpenApi(app);
  await registerRateLimit(app);
  await app.register(cookie);

  await app.register(healthRoutes, { db: options.db, checks: options.checks });
  const limits = signInLimiters(options.db, login);
  await app.register(loginRoutes, {
    db: options.db,
    login,
    limits,
    signIn: { sessions, apiUrl: invitations.apiUrl },
    ...mail,
  });
  await app.register(oauthRoutes, {
    db: options.db,
    oauth: options.oauth ?? createOAuthClient({}),
    sessions,
    publicUrl: invitations.apiUrl,
  });
  await app.register(invitationAcceptRoutes, { db: options.db, login, limits });
  await app.register(mailboxVerificationLinkRoutes, { db: options.db, limits });
  await app.register(surveyRoutes, deps);
  if (options.inbound) await app.register(inboundRoutes, { db: options.db, inbound: options.inbound });

  // The person's own account: their session or a token they signed in for, never an organisation's.
  await app.register(async (personal) => {
    personal.addHook('onRequest', authenticatePerson(options.db, sessions));
    await personal.register(accountRoutes, { db: options.db, ...mail, apiUrl: invitations.apiUrl });
    await personal.register(twoFactorRoutes, { db: options.db });
  });

  // Everything else needs a token or a session in an organisation; the hook also enforces minimumRole.
  await app.register(async (authenticated) => {
    authenticated.addHook('onRequest', authenticate(options.db, sessions));
    await authenticated.register(meRoutes);
    for (const routes of [
      ticketRoutes,
      participantRoutes,
      ticketMergeRoutes,
      ticketSplitRoutes,
      messageRoutes,
      statsRoutes,
      cannedResponseRoutes,
      emailTemplateRoutes,
      categoryRoutes,
      tagRoutes,
      savedFilterRoutes,
      notificationRoutes,
      attachmentRoutes,
      slaPolicyRoutes,
      slaPreviewRoutes,
      memberRoutes,
      tokenRoutes,
      auditLogRoutes,
      subscriptionRoutes,
    ]) {
      await authenticated.register(routes, deps);
    }
    // The hosts the server may connect to for a tenant: mailboxes, webhooks and Slack alike.
    const outboundHosts = options.mailboxHosts ?? { allowPrivate: false };
    await authenticated.register(mailboxRoutes, { ...deps, mailboxHosts: outboundHosts });
    await authenticated.register(organizationRoutes, { outboundHosts });
    await authenticated.register(webhookRoutes, { ...deps, webhookHosts: outboundHosts });
    await authenticated.register(mailboxVerificationRoutes, { ...deps, apiUrl: invitations.apiUrl });
    await authenticated.register(invitationRoutes, { ...deps, invitations });
    await authenticated.register(eventRoutes, {
      presence: new PresenceHub(),
      lifetimeMs: options.eventStreamMs,
    });
  });
  if (options.web !== false) {
    await app.register(webApp, { https: invitations.apiUrl.startsWith('https:'), ...options.web });
  }
  return app;
}

export type Api = Awaited<ReturnType<typeof buildApp>>;
