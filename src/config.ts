import { isIP } from 'node:net';
import { z } from 'zod';
import type { OAuthSettings } from './auth/oauth.js';
import { MINUTE_MS } from './domain/vocabulary.js';

/**
 * Something the operator must change (a bad variable, a taken port, a data folder in use, a server not
 * reachable): the message is the whole story, one line per problem, naming what to change; printed
 * without a stack trace.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const port = z.coerce.number().int().min(0).max(65_535);

/**
 * Defaults that code outside this module also falls back to when its caller (a test, a benchmark) leaves
 * a setting out: the one place they are written.
 */
export const DEFAULTS = {
  apiHost: '127.0.0.1',
  apiPort: 3000,
  loginRateLimit: 10,
  loginAccountRateLimit: 20,
  loginTokenDays: 30,
  invitationTtlHours: 168,
  sessionIdleMinutes: 12 * 60,
  sessionMaxHours: 14 * 24,
  imapPollSeconds: 30,
  escalationDigestWindowSeconds: 60,
  notificationWindowMinutes: 5,
} as const;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().trim().min(1).default('data'),

  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  // npm start's own PostgreSQL (when DATABASE_URL is unset) listens here, on 127.0.0.1.
  EMBEDDED_POSTGRES_PORT: port.default(5433),

  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('insightdesk-tickets'),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI_PATH: optionalString,

  SMTP_URL: optionalString.pipe(
    z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional(),
  ),
  MAIL_FROM: z.email('must be an email address').default('support@insightdesk.localhost'),
  ESCALATION_DIGEST_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3600)
    .default(DEFAULTS.escalationDigestWindowSeconds),
  NOTIFICATION_WINDOW_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(DEFAULTS.notificationWindowMinutes),

  // A single support mailbox configured by environment, for small installs (more through the API).
  IMAP_URL: optionalString.pipe(
    z
      .string()
      .regex(/^imaps?:\/\/[^/\s]+@[^/\s]+\/?$/, 'must be imap://user:password@host[:port] or imaps://…')
      .optional(),
  ),
  IMAP_FOLDER: z.string().trim().min(1).default('INBOX'),
  SUPPORT_ADDRESS: optionalString.pipe(z.email('must be an email address').optional()),
  SUPPORT_ORGANIZATION: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be an organisation slug')
      .optional(),
  ),
  IMAP_POLL_SECONDS: z.coerce.number().int().min(1).max(3600).default(DEFAULTS.imapPollSeconds),
  INGEST_TASK_QUEUE: z.string().trim().min(1).default('insightdesk-ingest'),
  INGEST_MAX_EMAIL_MB: z.coerce.number().positive().max(1024).default(25),
  INGEST_MAX_ATTACHMENT_MB: z.coerce.number().positive().max(1024).default(10),
  INGEST_IGNORE_LIST_MAIL: z.stringbool().default(true),

  INBOUND_SECRET: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),

  API_HOST: z.string().trim().min(1).default(DEFAULTS.apiHost),
  API_PORT: port.default(DEFAULTS.apiPort),
  API_TRUST_PROXY: z
    .string()
    .trim()
    .default('')
    .transform((value, ctx) => {
      const parsed = parseTrustedProxies(value);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    }),
  API_LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(DEFAULTS.loginRateLimit),
  API_LOGIN_ACCOUNT_RATE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(DEFAULTS.loginAccountRateLimit),
  MAILBOX_ALLOW_PRIVATE_HOSTS: z.stringbool().optional(),
  API_LOGIN_TOKEN_DAYS: z.coerce.number().int().min(1).max(365).default(DEFAULTS.loginTokenDays),
  INVITATION_TTL_HOURS: z.coerce.number().int().min(1).max(8760).default(DEFAULTS.invitationTtlHours),
  PUBLIC_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),

  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(60 * 24 * 30)
    .default(DEFAULTS.sessionIdleMinutes),
  SESSION_MAX_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(DEFAULTS.sessionMaxHours),
  GOOGLE_CLIENT_ID: optionalString,
  GOOGLE_CLIENT_SECRET: optionalString,
  GOOGLE_ISSUER: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  GITHUB_CLIENT_ID: optionalString,
  GITHUB_CLIENT_SECRET: optionalString,
  GITHUB_AUTHORIZE_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  GITHUB_TOKEN_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  GITHUB_API_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),

  SURVEY_SIGNING_KEY: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
});

export type Env = z.input<typeof envSchema>;

/**
 * Who may tell the API a client's address (X-Forwarded-For): nobody (false), the proxies at these
 * addresses or CIDR ranges, or the nearest `n` hops (each a proxy of ours).
 */
export type TrustedProxies = false | number | string[];

const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** API_TRUST_PROXY: '', 'false' or '0' (none), a hop count, or comma-separated addresses/CIDRs; else the complaint. */
export function parseTrustedProxies(value: string): TrustedProxies | string {
  const lower = value.toLowerCase();
  if (lower === '' || lower === 'false' || lower === '0') return false;
  if (lower === 'true') {
    return (
      '`true` would trust any X-Forwarded-For a client writes; name your proxies instead: ' +
      'their addresses or CIDRs (e.g. 10.0.0.0/8,192.168.1.5) or a hop count (e.g. 1)'
    );
  }
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !PROXY_KEYWORDS.has(entry) && !isAddressOrCidr(entry));
  if (bad.length > 0) {
    return `not an address, CIDR range or hop count: ${bad.map((b) => JSON.stringify(b)).join(', ')}`;
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/** The env-configured mailbox (IMAP_URL, IMAP_FOLDER, SUPPORT_ADDRESS, SUPPORT_ORGANIZATION). */
export interface EnvMailbox {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  /** Secret: never log it (nor the Config object holding it). */
  password: string;
  folder: string;
  /** The support address customers write to. */
  address: string;
  /** Slug of the organisation the mail belongs to (created at start-up when missing). */
  organizationSlug: string;
}

const MB = 1024 * 1024;

function envMailbox(e: z.output<typeof envSchema>): EnvMailbox | string[] | undefined {
  const missing = [
    ...(e.SUPPORT_ADDRESS ? [] : ['SUPPORT_ADDRESS']),
    ...(e.SUPPORT_ORGANIZATION ? [] : ['SUPPORT_ORGANIZATION']),
  ];
  if (!e.IMAP_URL) return undefined;
  if (missing.length > 0)
    return missing.map(
      (name) => `${name} is missing: it is required when IMAP_URL is set; set ${name} or unset IMAP_URL`,
    );
  const url = new URL(e.IMAP_URL);
  const secure = url.protocol === 'imaps:';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    folder: e.IMAP_FOLDER,
    address: e.SUPPORT_ADDRESS!.toLowerCase(),
    organizationSlug: e.SUPPORT_ORGANIZATION!,
  };
}

/** Every environment variable InsightDesk reads. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);

export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: string;
  dataDir: string;
  /** Undefined means: the running `npm start` of dataDir, or (npm start, cli) its embedded PostgreSQL. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** Port of the embedded PostgreSQL (used only when `databaseUrl` is undefined). */
  embeddedPostgresPort: number;
  temporal: {
    /** Undefined means: the running `npm start` of dataDir, or (npm start) a local Temporal dev server. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    /** The local dev server's ports and binary (used only when `address` is undefined). */
    devServer: { port: number; uiPort: number; binary: string | undefined; pathEnv: string };
  };
  mail: {
    /** Undefined means: write outgoing mail as .eml files under `<dataDir>/outbox`. */
    smtpUrl: string | undefined;
    /** Sender for organisations without a mailbox of their own. */
    defaultFrom: string;
    /** SLA breaches within this long of the managers' last escalation are mailed as one digest. */
    escalationWindowMs: number;
    /** An agent hears about one ticket at most once in this long. */
    notificationWindowMs: number;
  };
  ingest: {
    /** Task queue of the mailbox readers (`src/temporal/ingest-worker.ts`). */
    taskQueue: string;
    /** Mail above this size is not parsed: it is quarantined (and left in the IMAP folder). */
    maxEmailBytes: number;
    /** Attachments above this size are dropped (the message notes it). */
    maxAttachmentBytes: number;
    /** How often a reader looks for new mail besides IDLE pushes (the poll for servers without IDLE). */
    pollIntervalMs: number;
    /** Treat mail with a List-Id header as bulk mail: no ticket. */
    ignoreListMail: boolean;
    mailbox: EnvMailbox | undefined;
  };
  api: {
    host: string;
    port: number;
    /** Proxies whose X-Forwarded-For names the client (login rate limit, logs); false: none. */
    trustProxy: TrustedProxies;
    /** Login attempts per minute and client address. */
    loginRateLimit: number;
    /** Login attempts per account (email) in 15 minutes, from any address. */
    loginAccountRateLimit: number;
    /** Lifetime of the tokens that password login issues. */
    loginTokenDays: number;
    /** How long an emailed invitation can be accepted. */
    invitationTtlHours: number;
    /** Secret of `POST /inbound`; the route is off without it. */
    inboundSecret: string | undefined;
    /** Where customers and invitees reach the API (links in emails), without a trailing slash. */
    publicUrl: string;
  };
  surveys: {
    /** Signs survey links; undefined means a key generated once under dataDir (one host only). */
    signingKey: string | undefined;
  };
  /** Which IMAP/SMTP hosts the server connects to for mailboxes (a `HostPolicy`). */
  mailboxHosts: {
    /**
     * Also hosts on loopback, private, link-local, metadata… addresses (MAILBOX_ALLOW_PRIVATE_HOSTS).
     * Default: on in tests and with the embedded database (one machine), off otherwise.
     */
    allowPrivate: boolean;
    /** The host of IMAP_URL: the operator named it, so it is allowed wherever it is. */
    operatorHosts: string[];
  };
  signIn: {
    /** A browser session unused this long ends. */
    sessionIdleMinutes: number;
    /** A browser session ends this long after sign-in, used or not. */
    sessionMaxHours: number;
    /** Google and GitHub sign-in; a provider is on when its client id and secret are both set. */
    oauth: OAuthSettings;
  };
}

/** A provider is configured by its client id and secret together; one without the other is a mistake. */
function oauthSettings(e: z.output<typeof envSchema>): OAuthSettings | string[] {
  const problems: string[] = [];
  const pair = (prefix: 'GOOGLE' | 'GITHUB') => {
    const id = e[`${prefix}_CLIENT_ID`];
    const secret = e[`${prefix}_CLIENT_SECRET`];
    if (Boolean(id) !== Boolean(secret)) {
      const [missing, given] = id ? ['SECRET', 'ID'] : ['ID', 'SECRET'];
      problems.push(
        `${prefix}_CLIENT_${missing} is missing: it is required when ${prefix}_CLIENT_${given} is set; ` +
          `set ${prefix}_CLIENT_${missing} or unset ${prefix}_CLIENT_${given}`,
      );
    }
    return id && secret ? { clientId: id, clientSecret: secret } : undefined;
  };
  const google = pair('GOOGLE');
  const github = pair('GITHUB');
  if (problems.length) return problems;
  return {
    ...(google ? { google: { ...google, issuer: e.GOOGLE_ISSUER } } : {}),
    ...(github
      ? {
          github: {
            ...github,
            authorizeUrl: e.GITHUB_AUTHORIZE_URL,
            tokenUrl: e.GITHUB_TOKEN_URL,
            apiUrl: e.GITHUB_API_URL,
          },
        }
      : {}),
  };
}

/** Parses and validates the environment once; every entry point calls this and passes the result down. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    throw new ConfigError(
      names.map((name) => describeProblem(name, env[name], parsed.error.issues)).join('\n'),
    );
  }
  const e = parsed.data;
  const mailbox = envMailbox(e);
  if (Array.isArray(mailbox)) throw new ConfigError(mailbox.join('\n'));
  const oauth = oauthSettings(e);
  if (Array.isArray(oauth)) throw new ConfigError(oauth.join('\n'));
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    embeddedPostgresPort: e.EMBEDDED_POSTGRES_PORT,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      devServer: {
        port: e.TEMPORAL_DEV_PORT,
        uiPort: e.TEMPORAL_UI_PORT,
        binary: e.TEMPORAL_CLI_PATH,
        pathEnv: env.PATH ?? '',
      },
    },
    mail: {
      smtpUrl: e.SMTP_URL,
      defaultFrom: e.MAIL_FROM,
      escalationWindowMs: e.ESCALATION_DIGEST_WINDOW_SECONDS * 1000,
      notificationWindowMs: e.NOTIFICATION_WINDOW_MINUTES * MINUTE_MS,
    },
    ingest: {
      taskQueue: e.INGEST_TASK_QUEUE,
      maxEmailBytes: Math.round(e.INGEST_MAX_EMAIL_MB * MB),
      maxAttachmentBytes: Math.round(e.INGEST_MAX_ATTACHMENT_MB * MB),
      pollIntervalMs: e.IMAP_POLL_SECONDS * 1000,
      ignoreListMail: e.INGEST_IGNORE_LIST_MAIL,
      mailbox,
    },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      trustProxy: e.API_TRUST_PROXY,
      loginRateLimit: e.API_LOGIN_RATE_LIMIT,
      loginAccountRateLimit: e.API_LOGIN_ACCOUNT_RATE_LIMIT,
      loginTokenDays: e.API_LOGIN_TOKEN_DAYS,
      invitationTtlHours: e.INVITATION_TTL_HOURS,
      inboundSecret: e.INBOUND_SECRET,
      publicUrl: (e.PUBLIC_URL ?? `http://${e.API_HOST}:${e.API_PORT}`).replace(/\/+$/, ''),
    },
    surveys: { signingKey: e.SURVEY_SIGNING_KEY },
    signIn: { sessionIdleMinutes: e.SESSION_IDLE_MINUTES, sessionMaxHours: e.SESSION_MAX_HOURS, oauth },
    mailboxHosts: {
      allowPrivate: e.MAILBOX_ALLOW_PRIVATE_HOSTS ?? (e.NODE_ENV === 'test' || !e.DATABASE_URL),
      operatorHosts: mailbox ? [mailbox.host] : [],
    },
  };
}

// Values of these may hold credentials: an error names the variable, never echoes the value.
const SECRET_VARIABLE = /URL|SECRET|KEY|PASSWORD/;

/** One line: the variable, what is wrong with its value, and what to do. */
function describeProblem(name: string, value: string | undefined, issues: z.core.$ZodIssue[]): string {
  const problems = issues
    .filter((issue) => String(issue.path[0]) === name)
    .map((issue) =>
      issue.message
        .replace(/^Invalid (input|option): /, '')
        .replace('expected number, received NaN', 'not a number'),
    )
    .join('; ');
  const shown = value === undefined || SECRET_VARIABLE.test(name) ? '' : ` (${JSON.stringify(value)})`;
  const fallback = (envSchema.shape as Record<string, z.ZodType>)[name]?.safeParse(undefined);
  const fix =
    fallback?.success && fallback.data !== undefined
      ? `fix ${name} or unset it to use the default ${String(fallback.data)}`
      : `fix ${name} or unset it`;
  return `${name}${shown} is invalid: ${problems}; ${fix}`;
}
