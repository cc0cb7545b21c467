import { createOAuthClient } from '../auth/oauth.js';
import type { Infrastructure } from '../bootstrap.js';
import { ConfigError } from '../config.js';
import type { Logger } from '../logger.js';
import { createTicketCommands } from '../temporal/tickets.js';
import { type ApiOptions, buildApp } from './app.js';

export type ApiInfrastructure = Pick<
  Infrastructure,
  'config' | 'db' | 'storage' | 'surveyLinks' | 'mailer'
> & {
  log: Logger;
  temporal: Pick<Infrastructure['temporal'], 'client'>;
};

/**
 * Builds the API from the process's infrastructure and listens on API_HOST:API_PORT. `close()` stops
 * accepting connections, lets requests in flight finish (new ones on kept-alive connections get 503),
 * then resolves; closing the infrastructure stays with its owner.
 */
export async function startApiServer(infra: ApiInfrastructure, inbound?: ApiOptions['inbound']) {
  const { config } = infra;
  const app = await buildApp({
    db: infra.db,
    tickets: createTicketCommands(infra.temporal.client, config.temporal.taskQueue),
    storage: infra.storage,
    surveyLinks: infra.surveyLinks,
    mailer: infra.mailer,
    defaultFrom: config.mail.defaultFrom,
    invitations: { ttlHours: config.api.invitationTtlHours, apiUrl: config.api.publicUrl },
    logger: infra.log,
    trustProxy: config.api.trustProxy,
    mailboxHosts: config.mailboxHosts,
    inbound,
    login: {
      maxPerMinute: config.api.loginRateLimit,
      maxPerAccount: config.api.loginAccountRateLimit,
      tokenDays: config.api.loginTokenDays,
    },
    sessions: {
      idleMinutes: config.signIn.sessionIdleMinutes,
      absoluteHours: config.signIn.sessionMaxHours,
      secureCookies: config.api.publicUrl.startsWith('https:'),
    },
    oauth: createOAuthClient(config.signIn.oauth),
    checks: {
      async temporal() {
        await infra.temporal.client.workflowService.getSystemInfo({});
      },
    },
  });
  const url = await app.listen({ host: config.api.host, port: config.api.port }).catch((error) => {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new ConfigError(
      `port ${config.api.port} on ${config.api.host} is in use by another program; stop it or set API_PORT to a free port`,
    );
  });
  return { app, url, close: () => app.close() };
}
