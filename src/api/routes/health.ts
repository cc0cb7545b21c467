import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import { Type } from 'typebox';
import type { DatabaseHandle } from '../../db/client.js';
import { pingDatabase } from '../../db/queries/health.js';

export interface ReadinessChecks {
  /** Resolves when the Temporal frontend answers. */
  temporal(): Promise<void>;
}

const CheckStatus = Type.Enum(['ok', 'failing']);
const Readiness = Type.Object({
  status: Type.Enum(['ready', 'not_ready']),
  checks: Type.Object({ database: CheckStatus, temporal: Type.Optional(CheckStatus) }),
});

/** The reason stays in the log: /ready is public and must not show hosts or driver messages. */
async function probe(name: string, check: () => Promise<unknown>, log: FastifyBaseLogger) {
  try {
    await check();
    return 'ok' as const;
  } catch (error) {
    log.warn({ err: error, check: name }, 'readiness check failed');
    return 'failing' as const;
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox<{
  db: DatabaseHandle;
  checks?: ReadinessChecks;
}> = async (app, { db, checks }) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database and Temporal are reachable',
        security: [],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (request, reply) => {
      const [database, temporal] = await Promise.all([
        probe('database', () => pingDatabase(db.adminDb), request.log),
        checks ? probe('temporal', () => checks.temporal(), request.log) : undefined,
      ]);
      const ready = database === 'ok' && temporal !== 'failing';
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        checks: { database, ...(temporal ? { temporal } : {}) },
      });
    },
  );
};
