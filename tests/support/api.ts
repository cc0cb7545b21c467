import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { type Api, type ApiOptions, buildApp } from '../../src/api/app.js';
import { issueApiToken } from '../../src/api/auth/tokens.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import type { UserRole } from '../../src/db/schema/index.js';
import { silentLogger } from '../../src/ingest/log.js';
import { createIngestPipeline } from '../../src/ingest/pipeline.js';
import { createFileStorage, type Storage } from '../../src/storage/storage.js';
import {
  createOrganizationFixture,
  createUser,
  joinOrganization,
  type OrganizationFixture,
  openTestDatabase,
} from './db.js';
import { INGEST_LIMITS } from './ingest-harness.js';
import { quietTemporalRuntime, startTimeSkippingEnv } from './temporal.js';
import {
  SUPPORT_ADDRESS,
  startTicketHarness,
  TEST_SURVEY_LINKS,
  type TicketHarness,
} from './ticket-harness.js';

/** The API on real PostgreSQL, a time-skipping Temporal server with a ticket worker, and files in a temp dir. */
export interface ApiHarness {
  app: Api;
  db: DatabaseHandle;
  env: TestWorkflowEnvironment;
  tickets: TicketHarness;
  storage: Storage;
  /** Another app on the same services (e.g. with other login limits); closed with the harness. */
  buildApp(overrides?: Partial<ApiOptions>): Promise<Api>;
  /** Another app with `POST /inbound` guarded by `secret`, running the real ingest pipeline on these services. */
  buildInboundApp(secret: string): Promise<Api>;
  close(): Promise<void>;
}

/** Starts the harness before the test file's tests and closes it after them. */
export function useApiHarness(overrides: Partial<ApiOptions> = {}): ApiHarness {
  const harness = {} as ApiHarness;
  beforeAll(async () => {
    Object.assign(harness, await startApiHarness(overrides));
  });
  afterAll(async () => {
    await harness.close?.();
  });
  return harness;
}

/** The API on a test's services: its database, ticket worker (commands, SMTP sink mailer) and storage. */
export function buildTestApp(
  services: { db: DatabaseHandle; tickets: Pick<TicketHarness, 'commands' | 'mailer'>; storage: Storage },
  overrides: Partial<ApiOptions> = {},
) {
  return buildApp({
    db: services.db,
    tickets: services.tickets.commands,
    storage: services.storage,
    surveyLinks: TEST_SURVEY_LINKS,
    mailer: services.tickets.mailer,
    defaultFrom: SUPPORT_ADDRESS,
    // Tests sign in far more often than a person, and the per-address counts live in the shared test
    // database: another file's sign-ins in the same minute must not lock this app out. The limits
    // themselves are tested on apps of their own.
    login: { maxPerMinute: 10_000, maxPerAccount: 10_000 },
    ...overrides,
  });
}

/** `defaults` apply to every app of the harness (before each app's own overrides). */
export async function startApiHarness(defaults: Partial<ApiOptions> = {}): Promise<ApiHarness> {
  quietTemporalRuntime();
  const db = await openTestDatabase();
  const env = await startTimeSkippingEnv();
  const storageDir = await mkdtemp(path.join(os.tmpdir(), 'insightdesk-api-'));
  const storage = createFileStorage(storageDir);
  const tickets = await startTicketHarness({
    db,
    client: env.client,
    connection: env.nativeConnection,
    namespace: 'default',
    storage,
  });
  const apps: Api[] = [];
  const build = async (overrides: Partial<ApiOptions> = {}) => {
    const app = await buildTestApp(
      { db, tickets, storage },
      {
        // As MAILBOX_ALLOW_PRIVATE_HOSTS in tests: mailboxes on made-up and local hosts; refusal is tested apart.
        mailboxHosts: { allowPrivate: true },
        checks: {
          async temporal() {
            await env.client.workflowService.getSystemInfo({});
          },
        },
        ...defaults,
        ...overrides,
      },
    );
    apps.push(app);
    return app;
  };
  const app = await build();
  return {
    app,
    db,
    env,
    tickets,
    storage,
    buildApp: build,
    buildInboundApp: (secret: string) =>
      build({
        inbound: {
          secret,
          pipeline: createIngestPipeline({
            db,
            tickets: tickets.commands,
            storage,
            limits: INGEST_LIMITS,
            ourAddresses: [],
            log: silentLogger,
          }),
          maxBytes: 1024 * 1024,
        },
      }),
    async close() {
      for (const a of apps) await a.close();
      await tickets.close();
      await env.teardown();
      await db.close();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

/** A fresh organisation (owner, agent, customer, plus an admin) with a bearer token for each of them. */
export async function createApiFixture(db: DatabaseHandle, name = 'Acme') {
  const f = await createOrganizationFixture(db, name);
  const admin = await createUser(db, 'Ada Admin');
  await joinOrganization(db, admin, f.org.id, 'admin');
  const tokenOf = (user: { id: string }) => tokenFor(db, f, user);
  return {
    ...f,
    admin,
    tokens: {
      owner: await tokenOf(f.owner),
      admin: await tokenOf(admin),
      agent: await tokenOf(f.agent),
      customer: await tokenOf(f.customer),
    },
  };
}

export type ApiFixture = Awaited<ReturnType<typeof createApiFixture>>;

export async function tokenFor(
  db: DatabaseHandle,
  f: Pick<OrganizationFixture, 'org'>,
  user: { id: string },
  overrides: { expiresAt?: Date | null } = {},
): Promise<string> {
  const issued = await db.withTenant({ organizationId: f.org.id, userId: user.id }, (tx) =>
    issueApiToken(tx, {
      organizationId: f.org.id,
      userId: user.id,
      name: 'test',
      createdById: null,
      expiresAt: overrides.expiresAt ?? null,
    }),
  );
  return issued.token;
}

export async function addMember(
  db: DatabaseHandle,
  f: Pick<OrganizationFixture, 'org'>,
  name: string,
  role: UserRole,
) {
  const user = await createUser(db, name);
  await joinOrganization(db, user, f.org.id, role);
  return user;
}

/**
 * A client address no other test uses (198.18.0.0/15, the benchmarking range), for `remoteAddress` or
 * X-Forwarded-For: rate-limit counters live in the shared database, so a test of a limit starts from zero.
 */
export function freshClientAddress(): string {
  const bytes = randomUUID().replace(/-/g, '').slice(0, 6);
  const [a, b, c] = [0, 2, 4].map((i) => Number.parseInt(bytes.slice(i, i + 2), 16));
  return `198.${18 + (a! % 2)}.${b}.${(c! % 254) + 1}`;
}

/** A pino destination keeping every line, for `buildApp({ logger: { level, stream } })`. */
export function logCapture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, lines, text: () => lines.join('') };
}

type Body = InjectOptions['payload'];

/** Requests as one token holder (or anonymously): `as(app, token).get('/tickets')`. */
export function as(app: Api, token?: string) {
  const send = (
    method: InjectOptions['method'],
    url: string,
    payload?: Body,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method,
      url,
      payload,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
  return {
    get: (url: string, headers?: Record<string, string>) => send('GET', url, undefined, headers),
    delete: (url: string, headers?: Record<string, string>) => send('DELETE', url, undefined, headers),
    post: (url: string, payload?: Body, headers?: Record<string, string>) =>
      send('POST', url, payload, headers),
    patch: (url: string, payload?: Body, headers?: Record<string, string>) =>
      send('PATCH', url, payload, headers),
    put: (url: string, payload?: Body, headers?: Record<string, string>) =>
      send('PUT', url, payload, headers),
    send,
  };
}

/** The `{ error }` body of an error response. */
export const errorOf = (response: LightMyRequestResponse) =>
  (response.json() as { error: { code: string; message: string; details?: unknown } }).error;

export interface DocumentedOperation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** As documented: `/tickets/{id}`. */
  path: string;
  /** A requestable URL, `{id}` replaced by a random uuid. */
  url: string;
  tags: string[];
  /** Documented with `security: []`: no token needed. */
  public: boolean;
}

/** Every operation of the app's OpenAPI document. */
export async function documentedOperations(app: Api): Promise<DocumentedOperation[]> {
  const doc = (await app.inject('/openapi.json')).json() as {
    paths: Record<string, Record<string, { tags?: string[]; security?: unknown[] }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => ({
      method: method.toUpperCase() as DocumentedOperation['method'],
      path,
      url: path.replace(/\{\w+\}/g, randomUUID()),
      tags: op.tags ?? [],
      public: Array.isArray(op.security) && op.security.length === 0,
    })),
  );
}
