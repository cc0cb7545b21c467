import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';

/**
 * Rate limiting for the routes that ask for it in their `config.rateLimit` (login); the in-memory store
 * counts per process, which is enough to slow down password guessing.
 */
export async function registerRateLimit(app: FastifyInstance) {
  await app.register(rateLimit, { global: false });
}
