import type { FastifyInstance } from 'fastify';
import { type FieldProblem, invalidInput } from '../errors.js';

/** The fields of parsed input (params, query, JSON body) whose strings or keys hold U+0000. */
function fieldsWithNul(context: string, input: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  // Iterative: a deeply nested body must not overflow the stack.
  const pending: [string, unknown][] = [[context, input]];
  while (pending.length > 0) {
    const [field, value] = pending.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\0')) problems.push({ field, message: 'must not contain NUL (U+0000) characters' });
    } else if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
      // Objects and arrays (indices as keys); a Buffer body is bytes, not text.
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\0')) problems.push({ field, message: 'must not have a key with NUL (U+0000)' });
        pending.push([`${field}.${key}`, item]);
      }
    }
  }
  return problems;
}

/**
 * PostgreSQL text cannot hold U+0000 (22021; 22P05 inside jsonb), and a ticket's text reaches PostgreSQL
 * from a workflow activity that would retry it forever. So no route takes one: a validation error naming
 * the field, after the schema's own checks (raw bodies such as `message/rfc822` are bytes, not checked).
 */
export function refuseNulCharacters(app: FastifyInstance) {
  app.addHook('preHandler', async (request) => {
    const problems = [
      ...fieldsWithNul('params', request.params),
      ...fieldsWithNul('querystring', request.query),
      ...fieldsWithNul('body', request.body),
    ];
    if (problems.length > 0) throw invalidInput(problems);
  });
}
