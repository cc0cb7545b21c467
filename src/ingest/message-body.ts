// The "store attachments" step: an email's files go to Storage and its texts are capped, giving the
// message that travels to the ticket's workflow.
import { uuidFromName } from '../db/ids.js';
import type { Attachment } from '../db/schema/index.js';
import type { Storage } from '../storage/storage.js';
import type { IncomingMessage } from '../workflows/contracts.js';
import { clean, formatSize } from './clean.js';
import type { InboundEmail } from './parse.js';

// Temporal refuses payloads over 2 MB: the texts that travel in the workflow start or signal are capped,
// and the complete email is then kept as an attachment.
export const MAX_CONTENT_BYTES = 256 * 1024;
const MAX_ORIGINAL_BYTES = 256 * 1024;
const MAX_HTML_BYTES = 512 * 1024;
export const MAX_DESCRIPTION_BYTES = 64 * 1024;

/** Stores the email's attachments (each under an id derived from the email, so a repeat reuses it). */
async function storeAttachments(
  storage: Storage,
  organizationId: string,
  messageKey: string,
  email: InboundEmail,
): Promise<Attachment[]> {
  const stored: Attachment[] = [];
  for (const [index, part] of email.attachments.entries()) {
    // Under the organisation's scope: its identical files share one copy, never another organisation's.
    const { key } = await storage.put(organizationId, part.content);
    // Derived from the email, so a repeat describes the same attachment with the same id.
    const id = uuidFromName('email-attachment', `${organizationId}:${messageKey}:${index}`);
    stored.push({
      id,
      filename: clean(part.filename, 1000).text,
      url: `/attachments/${id}`,
      mimeType: part.contentType,
      size: part.size,
      storageKey: key,
      ...(part.contentId ? { contentId: clean(part.contentId, 1000).text } : {}),
      ...(part.inline ? { inline: true } : {}),
    });
  }
  return stored;
}

export async function incomingMessage(
  storage: Storage,
  organizationId: string,
  messageKey: string,
  email: InboundEmail,
  raw: Buffer,
): Promise<IncomingMessage> {
  const attachments = await storeAttachments(storage, organizationId, messageKey, email);
  const content = clean(email.strippedText, MAX_CONTENT_BYTES);
  const original = clean(email.textBody, MAX_ORIGINAL_BYTES);
  const html = email.html === null ? null : clean(email.html, MAX_HTML_BYTES);
  const notes = email.rejectedAttachments.map(
    (a) => `[Attachment "${clean(a.filename, 300).text}" (${formatSize(a.size)}) was not kept: ${a.reason}]`,
  );
  const unreadable = email.problems.includes('unreadable body');
  if (content.truncated || original.truncated || html?.truncated || unreadable) {
    // The whole email stays available, so nothing the customer wrote is lost.
    const { key } = await storage.put(organizationId, raw);
    const id = uuidFromName('email-attachment', `${organizationId}:${messageKey}:original`);
    attachments.push({
      id,
      filename: 'original-email.eml',
      url: `/attachments/${id}`,
      mimeType: 'message/rfc822',
      size: raw.length,
      storageKey: key,
    });
    notes.push(
      unreadable
        ? '[This email is malformed and its text could not be read; the complete email is attached as original-email.eml]'
        : '[This email was too long to show in full; the complete email is attached as original-email.eml]',
    );
  }
  const text = notes.length > 0 ? `${content.text}\n\n${notes.join('\n')}`.trim() : content.text;
  return {
    content: text,
    originalContent: original.text !== content.text ? original.text : null,
    contentHtml: html?.text ?? null,
    emailMessageId: messageKey,
    // Attachment is MessageAttachment plus storage details, which travel along to the stored message.
    attachments,
  };
}
