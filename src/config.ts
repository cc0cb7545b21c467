import { z } from 'zod';

/** Thrown at start-up when the environment is invalid; the message names each bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const port = z.coerce.number().int().min(0).max(65_535);

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

  API_HOST: z.string().trim().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  API_TRUST_PROXY: z.stringbool().default(false),
  API_LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(10),
  API_LOGIN_TOKEN_DAYS: z.coerce.number().int().min(1).max(365).default(30),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: string;
  dataDir: string;
  /** Undefined means the embedded PGlite database under dataDir. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  temporal: {
    /** Undefined means: start the local Temporal dev server. */
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
  };
  api: {
    host: string;
    port: number;
    /** Behind a load balancer: take the client address from X-Forwarded-For (login rate limit, logs). */
    trustProxy: boolean;
    /** Login attempts per minute and client address. */
    loginRateLimit: number;
    /** Lifetime of the tokens that password login issues. */
    loginTokenDays: number;
  };
}

/** Parses and validates the environment once; every entry point calls this and passes the result down. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
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
    mail: { smtpUrl: e.SMTP_URL, defaultFrom: e.MAIL_FROM },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      trustProxy: e.API_TRUST_PROXY,
      loginRateLimit: e.API_LOGIN_RATE_LIMIT,
      loginTokenDays: e.API_LOGIN_TOKEN_DAYS,
    },
  };
}
