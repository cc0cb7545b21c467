import { describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/app.js';
import { APP_PATHS } from '../../src/api/plugins/web.js';
import { startApiServer } from '../../src/api/server.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import {
  as,
  createApiFixture,
  documentedOperations,
  errorOf,
  logCapture,
  useApiHarness,
} from '../support/api.js';
import { TEST_SURVEY_LINKS } from '../support/ticket-harness.js';

const h = useApiHarness();

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string };
  tags: { name: string }[];
  security: Record<string, string[]>[];
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, Json> };
  paths: Record<string, Record<string, Operation>>;
};
type Operation = {
  tags?: string[];
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; required?: boolean; schema: Json }[];
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Json }> }>;
};

/** `METHOD /path/{param}` for every route Fastify serves, read from its route tree. */
function servedRoutes(app: Api): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const path = (stack[depth - 1] ?? '') + match[2]!;
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes;
}

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/** Problems of a JSON Schema (2020-12, as OpenAPI 3.1 uses): unknown types, required fields not declared. */
function schemaProblems(schema: Json, where: string): string[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return [];
  const problems: string[] = [];
  const types = schema.type === undefined ? [] : [schema.type].flat();
  for (const t of types)
    if (typeof t !== 'string' || !JSON_TYPES.has(t)) problems.push(`${where}: type ${t}`);
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  if (Array.isArray(schema.required)) {
    for (const name of schema.required) {
      if (typeof name !== 'string' || !(name in properties))
        problems.push(`${where}: required ${name} undeclared`);
    }
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties') {
      for (const [name, sub] of Object.entries(value as Record<string, Json>)) {
        problems.push(...schemaProblems(sub, `${where}.${name}`));
      }
    } else if (key === 'items' || key === 'additionalProperties') {
      problems.push(...schemaProblems(value, `${where}[]`));
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      for (const sub of value as Json[]) problems.push(...schemaProblems(sub, where));
    }
  }
  return problems;
}

/** Every `$ref` of the document, which must point inside it. */
function refs(node: Json): string[] {
  if (typeof node !== 'object' || node === null) return [];
  if (Array.isArray(node)) return node.flatMap(refs);
  return Object.entries(node).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [v] : refs(v)));
}

function resolve(doc: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
}

describe('OpenAPI document', () => {
  it('is a structurally valid OpenAPI 3.1 document', async () => {
    const response = await h.app.inject('/openapi.json');
    expect(response.statusCode).toBe(200);
    const doc = response.json() as OpenApiDocument;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearerAuth', 'inboundSecret']);
    const tagNames = new Set(doc.tags.map((t) => t.name));
    const problems: string[] = [];

    for (const ref of refs(doc as unknown as Json)) {
      if (resolve(doc, ref) === undefined) problems.push(`unresolved $ref ${ref}`);
    }
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      problems.push(...schemaProblems(schema, `components.schemas.${name}`));
    }
    for (const [path, operations] of Object.entries(doc.paths)) {
      expect(path.startsWith('/')).toBe(true);
      const templateParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (!op.summary) problems.push(`${where}: no summary`);
        if (!op.tags?.length || !op.tags.every((t) => tagNames.has(t)))
          problems.push(`${where}: undeclared tag`);
        for (const requirement of op.security ?? []) {
          for (const scheme of Object.keys(requirement)) {
            if (!(scheme in doc.components.securitySchemes))
              problems.push(`${where}: unknown scheme ${scheme}`);
          }
        }
        const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
        for (const name of templateParams) {
          if (!pathParams.some((p) => p.name === name && p.required))
            problems.push(`${where}: path parameter ${name}`);
        }
        for (const p of op.parameters ?? []) {
          if (!['path', 'query', 'header', 'cookie'].includes(p.in))
            problems.push(`${where}: parameter in ${p.in}`);
          problems.push(...schemaProblems(p.schema, `${where} ${p.in} ${p.name}`));
        }
        for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
          problems.push(...schemaProblems(media.schema, `${where} body ${type}`));
        }
        const statuses = Object.keys(op.responses);
        // A redirect is the success of the sign-in round trips.
        if (!statuses.some((s) => /^[23]\d\d$/.test(s))) problems.push(`${where}: no success response`);
        for (const [status, res] of Object.entries(op.responses)) {
          if (!/^[1-5](\d\d|XX)$/.test(status)) problems.push(`${where}: status ${status}`);
          if (!res.description) problems.push(`${where} ${status}: no description`);
          for (const [type, media] of Object.entries(res.content ?? {})) {
            problems.push(...schemaProblems(media.schema, `${where} ${status} ${type}`));
          }
        }
        if (op.security?.length !== 0 && !statuses.includes('401'))
          problems.push(`${where}: 401 undocumented`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents every route the app serves, and serves every documented route', async () => {
    await h.app.ready();
    const served = servedRoutes(h.app).filter(
      (r) =>
        !r.startsWith('HEAD ') &&
        !/ \/docs(\/|$)/.test(r) &&
        r !== 'GET /openapi.json' &&
        // The web app's page and assets (src/api/plugins/web.ts) are not API operations.
        ![
          'GET /',
          'GET /*',
          'GET /assets/*',
          ...APP_PATHS.map((p) => `GET ${p.replace(':id', '{id}')}`),
        ].includes(r),
    );
    const documented = (await documentedOperations(h.app)).map((o) => `${o.method} ${o.path}`);
    expect(served.length).toBeGreaterThan(25);
    expect(documented.sort()).toEqual(served.sort());
  });

  it('serves the browsable documentation at /docs', async () => {
    const docs = await h.app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('health', () => {
  it('answers liveness without a token', async () => {
    const response = await h.app.inject('/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when the database and Temporal answer, and says which one does not', async () => {
    const ready = await h.app.inject('/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', temporal: 'ok' } });

    const app = await h.buildApp({
      checks: {
        temporal: () => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:7233')),
      },
    });
    const notReady = await app.inject('/ready');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ status: 'not_ready', checks: { database: 'ok', temporal: 'failing' } });
    expect(notReady.body).not.toContain('10.1.2.3');
  });
});

describe('server', () => {
  it('listens on the configured address and closes gracefully', async () => {
    const config = loadConfig({
      API_HOST: '127.0.0.1',
      API_PORT: '0',
      LOG_LEVEL: 'silent',
      TEMPORAL_TASK_QUEUE: h.tickets.taskQueue,
    });
    const server = await startApiServer({
      config,
      db: h.db,
      storage: h.storage,
      surveyLinks: TEST_SURVEY_LINKS,
      mailer: h.tickets.mailer,
      temporal: { client: h.env.client },
      log: createLogger({ level: 'silent', name: 'api' }),
    });
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    const f = await createApiFixture(h.db);
    const me = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${f.tokens.agent}` } });
    expect(((await me.json()) as { role: string }).role).toBe('agent');
    await server.close();
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });
});

describe('errors and logs', () => {
  it('answers unknown routes and malformed bodies in the error shape', async () => {
    const f = await createApiFixture(h.db);
    const unknown = await as(h.app, f.tokens.agent).get('/nothing-here');
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown)).toEqual({ code: 'not_found', message: 'no route GET /nothing-here' });

    const malformed = await as(h.app, f.tokens.agent).send('POST', '/tickets', '{"title":', {
      'content-type': 'application/json',
    });
    expect(malformed.statusCode).toBe(400);
    expect(errorOf(malformed).code).toBe('bad_request');

    const badId = await as(h.app, f.tokens.agent).get('/tickets/not-a-uuid');
    expect(badId.statusCode).toBe(400);
    expect(errorOf(badId)).toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'params.id', message: 'must match format "uuid"' }],
    });
  });

  it('tags each response with a request id, keeping the caller’s', async () => {
    const generated = await h.app.inject('/health');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.headers['x-content-type-options']).toBe('nosniff');
    const kept = await h.app.inject({ url: '/health', headers: { 'x-request-id': 'trace-123' } });
    expect(kept.headers['x-request-id']).toBe('trace-123');
  });

  it('logs requests with their id but no token, password or message body', async () => {
    const captured = logCapture();
    const app = await h.buildApp({ logger: { level: 'info', stream: captured.stream } });
    const f = await createApiFixture(h.db);
    await as(app, f.tokens.admin).post(
      '/mailboxes',
      {
        name: 'Support',
        address: `secret-test-${Date.now()}@acme.test`,
        imapPassword: 'hunter2-imap-secret',
      },
      { 'x-request-id': 'log-test-1' },
    );
    await as(app).post('/auth/login', { email: 'someone@example.test', password: 'very-secret-password' });
    const log = captured.text();
    expect(log).toContain('"reqId":"log-test-1"');
    // One line per request at info: method, URL, status and duration together.
    const ofRequest = captured.lines.filter((line) => line.includes('"reqId":"log-test-1"'));
    expect(ofRequest).toHaveLength(1);
    expect(JSON.parse(ofRequest[0]!)).toMatchObject({ method: 'POST', url: '/mailboxes', statusCode: 201 });
    for (const secret of [f.tokens.admin, 'hunter2-imap-secret', 'very-secret-password', 'Support']) {
      expect(log).not.toContain(secret);
    }
  });
});
