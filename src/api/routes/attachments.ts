import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { findAttachment } from '../../db/queries/attachments.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { authErrors, errors, IdParams } from '../schemas/common.js';

/** RFC 6266: an ASCII fallback plus the exact UTF-8 name. */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export const attachmentRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { storage }) => {
  app.get(
    '/attachments/:id',
    {
      schema: {
        tags: ['attachments'],
        summary: 'Download a file attached to a message of this organisation',
        params: IdParams,
        response: {
          200: Type.Unsafe<Readable>({
            description:
              'The file, as an attachment (never rendered inline), with the media type it was stored with ' +
              '(application/octet-stream when it has none)',
            content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
          }),
          ...errors(...authErrors, 404),
        },
      },
    },
    async (request, reply) => {
      const attachment = await request.inTenant((tx) =>
        findAttachment(tx, request.principal.organizationId, request.params.id),
      );
      const file = attachment && (await storage.open(attachment.storageKey));
      if (!attachment || !file) throw notFound('attachment');
      // A customer's file may be HTML or SVG: always a download, never sniffed, and sandboxed if opened.
      return reply
        .header('content-type', attachment.mimeType || 'application/octet-stream')
        .header('content-length', file.size)
        .header('content-disposition', contentDisposition(attachment.filename))
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(file.stream);
    },
  );
};
