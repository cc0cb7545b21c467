import { createHash } from 'node:crypto';
import {
  type AddressObject,
  type Attachment,
  type ParsedMail,
  parseAddressHeader,
  simpleParser,
} from 'mailparser';
import { isForwardSubject, stripQuotedReply } from './quote-strip.js';
import { sanitizeEmailHtml, sanitizeEmailText } from './sanitize.js';

export interface ParseLimits {
  /** Attachments larger than this (decoded) are dropped and listed in `rejectedAttachments`. */
  maxAttachmentBytes: number;
  /**
   * Raw messages larger than this are parsed headers-only with problem 'too large'. Decoded
   * attachments are never larger than the raw message, so this also bounds their total.
   */
  maxTotalBytes: number;
}

export interface InboundAddress {
  address: string;
  name: string;
}

export interface InboundAttachment {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
  /** Content-ID without angle brackets, for `cid:` references in the HTML. */
  contentId?: string;
  /** Embedded in the HTML body (referenced by cid) rather than a standalone attachment. */
  inline: boolean;
}

export interface RejectedAttachment {
  filename: string;
  contentType: string;
  size: number;
  reason: string;
}

/** Fixed problem codes, so callers and tests can match on them. */
export type ParseProblem =
  | 'too large'
  | 'malformed MIME'
  | 'missing From'
  | 'invalid From'
  | 'missing Date'
  | 'invalid Date'
  | 'missing Message-ID'
  | 'invalid Message-ID'
  | 'missing Subject'
  | 'invalid charset'
  | 'html conversion failed'
  | 'html too large'
  /** Malformed MIME of which no text, HTML or attachment could be recovered: only the raw email has it. */
  | 'unreadable body';

export interface InboundEmail {
  /** Normalised (no angle brackets, lowercase domain) or `sha256:<hex of raw bytes>` when absent. */
  messageId: string;
  messageIdSynthetic: boolean;
  inReplyTo: string[];
  /** Oldest first, as in the header; deduplicated. */
  references: string[];
  from: InboundAddress | null;
  to: string[];
  cc: string[];
  /** To then Cc with their display names, each address once: who else the sender wrote to. */
  recipients: InboundAddress[];
  replyTo: string[];
  /** Delivered-To and X-Original-To: which of our inboxes received it. */
  deliveredTo: string[];
  subject: string;
  date: Date | null;
  textBody: string;
  strippedText: string;
  html: string | null;
  /** Top-level header fields, lowercase names, unfolded raw (not RFC 2047 decoded) values in order. */
  headers: Record<string, string[]>;
  /**
   * Message-IDs from embedded header blocks (bounce originals): message/rfc822 and
   * text/rfc822-headers parts, or header lines an MTA copied into the body (qmail style).
   */
  embeddedMessageIds: string[];
  attachments: InboundAttachment[];
  rejectedAttachments: RejectedAttachment[];
  rawSize: number;
  problems: ParseProblem[];
}

/** Nothing usable could be read; the caller quarantines the raw message. */
export class UnparseableEmailError extends Error {
  override readonly name = 'UnparseableEmailError';
}

const MAX_HTML_TO_TEXT_CHARS = 2_000_000;
const MAX_HTML_SANITIZE_CHARS = 5_000_000;
const MAX_HEADER_FIELD = 16 * 1024;
const MAX_HEADER_BLOCK = 256 * 1024;
// cid: links stay as they are (sanitizer allows them); textAsHtml and checksums are not needed.
const PARSER_OPTIONS = {
  keepCidLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  checksumAlgo: false,
  maxHtmlLengthToParse: MAX_HTML_TO_TEXT_CHARS,
} as const;
const EMBEDDED_TYPES = new Set([
  'message/rfc822',
  'message/global',
  'text/rfc822-headers',
  'message/global-headers',
]);

/** Whether a raw message exceeds the total size limit. parseInboundEmail then reads its headers only. */
export function isTooLarge(rawSize: number, limits: ParseLimits): boolean {
  return rawSize > limits.maxTotalBytes;
}

/**
 * Parses a raw RFC 5322 message. Malformed input is read as far as possible and the defects
 * are listed in `problems`; only input without anything usable throws UnparseableEmailError.
 * A message over `maxTotalBytes` is not rejected here: its headers are parsed, the body and
 * attachments are skipped, and 'too large' is reported so the caller can bounce or quarantine it.
 */
export async function parseInboundEmail(raw: Buffer, limits: ParseLimits): Promise<InboundEmail> {
  if (!Buffer.isBuffer(raw)) throw new UnparseableEmailError('input is not a Buffer');
  const problems = new Set<ParseProblem>();
  const { header, bodyOffset } = splitHeaderBlock(raw);

  let mail: Partial<ParsedMail>;
  let fallbackText = '';
  if (isTooLarge(raw.length, limits)) {
    problems.add('too large');
    mail = await parseHeadersOnly(header);
  } else {
    try {
      mail = await simpleParser(raw, PARSER_OPTIONS);
    } catch {
      problems.add('malformed MIME');
      mail = await parseHeadersOnly(header);
      fallbackText = fallbackBodyText(raw, bodyOffset, mail);
    }
    for (const p of charsetProblems(raw)) problems.add(p);
    const structure = checkMimeStructure(raw, mail);
    if (structure !== 'ok') problems.add('malformed MIME');
    if (structure === 'boundary not found')
      mail = (await reparseWithUsedBoundary(raw, header, bodyOffset)) ?? mail;
  }

  const headers = collectHeaders(mail);
  const first = (name: string): string | undefined => headers[name]?.[0];

  const rawMessageId = first('message-id');
  let messageId = rawMessageId === undefined ? null : (parseMessageIdList(rawMessageId)[0] ?? null);
  const messageIdSynthetic = messageId === null;
  if (messageId === null) {
    problems.add(rawMessageId === undefined ? 'missing Message-ID' : 'invalid Message-ID');
    messageId = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  }
  const inReplyTo = dedupe((headers['in-reply-to'] ?? []).flatMap(parseMessageIdList));
  const references = dedupe((headers.references ?? []).flatMap(parseMessageIdList));

  const from = firstAddress(mail.from);
  if (from === null) problems.add(headers.from ? 'invalid From' : 'missing From');

  const rawDate = first('date');
  let date: Date | null = null;
  if (rawDate === undefined) {
    problems.add('missing Date');
  } else {
    // mailparser substitutes "now" for an unparseable Date, which would hide the defect.
    const d = new Date(rawDate);
    if (Number.isNaN(d.getTime())) problems.add('invalid Date');
    else date = d;
  }

  const subject = singleLine(mail.subject ?? '');
  if (headers.subject === undefined) problems.add('missing Subject');

  let textBody = mail.text ?? fallbackText;
  if (mail.textConversionError) {
    problems.add('html conversion failed');
    if (textBody.trim() === '' && typeof mail.html === 'string') textBody = crudeHtmlToText(mail.html);
  }
  textBody = sanitizeEmailText(textBody.replace(/\r\n?/g, '\n'));

  let html: string | null = null;
  if (typeof mail.html === 'string' && mail.html.trim() !== '') {
    if (mail.html.length > MAX_HTML_SANITIZE_CHARS) problems.add('html too large');
    else html = sanitizeEmailHtml(mail.html);
  }

  const { attachments, rejectedAttachments } = selectAttachments(mail.attachments ?? [], limits);
  const embeddedMessageIds = dedupe([
    ...(mail.attachments ?? [])
      .filter((a) => EMBEDDED_TYPES.has(contentTypeOf(a)))
      .flatMap((a) => messageIdsInHeaderLines(a.content.subarray(0, MAX_HEADER_BLOCK).toString('latin1'))),
    ...(bodyOffset < raw.length
      ? messageIdsInHeaderLines(raw.subarray(bodyOffset, bodyOffset + 4 * 1024 * 1024).toString('latin1'))
      : []),
  ]).filter((id) => id !== messageId);

  if (
    problems.has('malformed MIME') &&
    textBody.trim() === '' &&
    html === null &&
    attachments.length === 0 &&
    rejectedAttachments.length === 0
  )
    problems.add('unreadable body');

  const email: InboundEmail = {
    messageId,
    messageIdSynthetic,
    inReplyTo,
    references,
    from,
    to: addressList(mail.to),
    cc: addressList(mail.cc),
    recipients: [...flattenAddresses(mail.to), ...flattenAddresses(mail.cc)].filter(
      (a, i, all) => all.findIndex((b) => b.address === a.address) === i,
    ),
    replyTo: addressList(mail.replyTo),
    deliveredTo: dedupe(
      addressList(
        parseAddressHeader([...(headers['delivered-to'] ?? []), ...(headers['x-original-to'] ?? [])]),
      ),
    ),
    subject,
    date,
    textBody,
    strippedText: stripQuotedReply(textBody, { forwarded: isForwardSubject(subject) }),
    html,
    headers,
    embeddedMessageIds,
    attachments,
    rejectedAttachments,
    rawSize: raw.length,
    problems: [...problems],
  };

  if (!isUsable(email)) throw new UnparseableEmailError('no usable header or content found');
  return email;
}

/** Why a parsed email cannot become a ticket (caller quarantines it), or null. */
export function quarantineReason(email: InboundEmail): string | null {
  if (email.problems.includes('too large')) return 'too large';
  if (email.from === null) return 'no sender address';
  return null;
}

/** Normalises one Message-ID: trimmed, no angle brackets or whitespace, domain lowercased. */
export function normalizeMessageId(value: string): string | null {
  const id = value
    .trim()
    .replace(/^<+|>+$/g, '')
    .replace(/\s+/g, '');
  if (id === '' || id.length > 998) return null;
  const at = id.lastIndexOf('@');
  return at < 0 ? id : `${id.slice(0, at)}@${id.slice(at + 1).toLowerCase()}`;
}

/** Message-IDs in a header value: `<...>` tokens, or bare `local@domain` tokens when no brackets are used. */
export function parseMessageIdList(value: string): string[] {
  const bracketed = [...value.matchAll(/<([^<>]*)>/g)].map((m) => m[1] ?? '');
  const tokens = bracketed.length > 0 ? bracketed : value.split(/[\s,]+/).filter((t) => t.includes('@'));
  return dedupe(tokens.map(normalizeMessageId).filter((id): id is string => id !== null));
}

/**
 * A decoded header value (subject, display name) as the one line a header is: encoded-words can smuggle
 * CR, LF, NUL and other controls in, which would break a title or a name, or inject header lines into
 * mail built from them. Every control character and line separator becomes a space; runs collapse.
 */
export function singleLine(value: string): string {
  return (
    value
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we remove
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
  );
}

/** A filename safe to store and to offer for download; `attachment-N` when nothing usable remains. */
export function sanitizeFilename(name: string | undefined, index: number): string {
  const fallback = `attachment-${index}`;
  if (!name) return fallback;
  const base = name.split(/[/\\]/).pop() ?? '';
  let clean = base
    .normalize('NFC')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we remove
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029<>:"|?*\u202a-\u202e\u2066-\u2069]/g, '_')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  if (/^(?:con|prn|aux|nul|com\d|lpt\d)(?:\.|$)/i.test(clean)) clean = `_${clean}`;
  if (clean.replace(/[_\s]/g, '') === '') return fallback;
  const chars = Array.from(clean);
  if (chars.length > 200) {
    const dot = clean.lastIndexOf('.');
    const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
    clean = Array.from(clean.slice(0, clean.length - ext.length))
      .slice(0, 200 - ext.length)
      .join('')
      .concat(ext);
  }
  return clean;
}

function splitHeaderBlock(raw: Buffer): { header: Buffer; bodyOffset: number } {
  const window = raw.subarray(0, 4 * 1024 * 1024);
  const crlf = window.indexOf('\r\n\r\n');
  const lf = window.indexOf('\n\n');
  const candidates = [crlf < 0 ? -1 : crlf + 4, lf < 0 ? -1 : lf + 2].filter((n) => n > 0);
  const bodyOffset = candidates.length > 0 ? Math.min(...candidates) : raw.length;
  return { header: raw.subarray(0, Math.min(bodyOffset, window.length)), bodyOffset };
}

// Headers of a message whose body we will not (or could not) parse. Oversized fields are
// dropped first, since an oversized header block is one of the reasons parsing fails.
async function parseHeadersOnly(header: Buffer): Promise<Partial<ParsedMail>> {
  const fields = header
    .toString('latin1')
    .split(/\r?\n(?![ \t])/)
    .filter((f) => f.trim() !== '' && f.length <= MAX_HEADER_FIELD);
  let total = 0;
  const kept: string[] = [];
  for (const f of fields) {
    total += f.length + 2;
    if (total > MAX_HEADER_BLOCK) break;
    // Content-Type would make mailparser expect a body structure that is not there.
    if (!/^content-(?:type|transfer-encoding)\s*:/i.test(f)) kept.push(f);
  }
  try {
    const mail = await simpleParser(Buffer.from(`${kept.join('\r\n')}\r\n\r\n`, 'latin1'), {
      keepCidLinks: true,
      skipTextToHtml: true,
      checksumAlgo: false,
    });
    // Keep the original Content-Type for classification (multipart/report etc.).
    const lines = [
      ...(mail.headerLines ?? []),
      ...fields
        .filter((f) => /^content-type\s*:/i.test(f))
        .map((line) => ({ key: 'content-type', line: line.replace(/\r?\n/g, '\r\n') })),
    ];
    return { ...mail, text: undefined, html: undefined, attachments: [], headerLines: lines };
  } catch {
    return { attachments: [], headerLines: [] };
  }
}

function fallbackBodyText(raw: Buffer, bodyOffset: number, mail: Partial<ParsedMail>): string {
  const ct = (mail.headerLines ?? []).find((h) => h.key === 'content-type')?.line ?? '';
  if (ct !== '' && !/^content-type\s*:\s*text\//i.test(ct)) return '';
  return raw.subarray(bodyOffset, bodyOffset + 1024 * 1024).toString('utf8');
}

function collectHeaders(mail: Partial<ParsedMail>): Record<string, string[]> {
  const headers: Record<string, string[]> = Object.create(null);
  for (const { key, line } of mail.headerLines ?? []) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const value = line
      .slice(colon + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    const name = key.toLowerCase();
    const list = headers[name] ?? [];
    list.push(value);
    headers[name] = list;
  }
  return headers;
}

function flattenAddresses(obj: AddressObject | AddressObject[] | undefined): InboundAddress[] {
  const out: InboundAddress[] = [];
  for (const o of obj === undefined ? [] : Array.isArray(obj) ? obj : [obj]) {
    for (const v of o?.value ?? []) {
      for (const a of v.group ?? [v]) {
        const address = (a.address ?? '').trim().toLowerCase();
        if (/^[^\s@]+@[^\s@]+$/.test(address)) out.push({ address, name: singleLine(a.name ?? '') });
      }
    }
  }
  return out;
}

function firstAddress(obj: AddressObject | AddressObject[] | undefined): InboundAddress | null {
  return flattenAddresses(obj)[0] ?? null;
}

function addressList(obj: AddressObject | AddressObject[] | undefined): string[] {
  return dedupe(flattenAddresses(obj).map((a) => a.address));
}

function selectAttachments(
  parts: Attachment[],
  limits: ParseLimits,
): { attachments: InboundAttachment[]; rejectedAttachments: RejectedAttachment[] } {
  const attachments: InboundAttachment[] = [];
  const rejectedAttachments: RejectedAttachment[] = [];
  parts.forEach((part, i) => {
    const filename = sanitizeFilename(part.filename, i + 1);
    const contentType = contentTypeOf(part);
    const size = part.content.length;
    if (size > limits.maxAttachmentBytes) {
      rejectedAttachments.push({ filename, contentType, size, reason: 'exceeds maxAttachmentBytes' });
      return;
    }
    const inline = part.related === true || (part.contentDisposition === 'inline' && part.cid !== undefined);
    attachments.push({
      filename,
      contentType,
      size,
      content: part.content,
      ...(part.cid ? { contentId: part.cid } : {}),
      inline,
    });
  });
  return { attachments, rejectedAttachments };
}

// mailparser reports `false` for a part whose Content-Type header is empty, despite its typings.
function contentTypeOf(part: Attachment): string {
  return typeof part.contentType === 'string' && part.contentType !== ''
    ? part.contentType.toLowerCase()
    : 'application/octet-stream';
}

// Message-ID fields appearing at the start of a line: header blocks of embedded messages.
function messageIdsInHeaderLines(text: string): string[] {
  return [...text.matchAll(/^Message-ID:[ \t]*((?:[^\r\n]|\r?\n[ \t])*)/gim)].flatMap((m) =>
    parseMessageIdList(m[1] ?? ''),
  );
}

function charsetProblems(raw: Buffer): ParseProblem[] {
  const text = raw.toString('latin1');
  const labels: string[] = [];
  for (const m of text.matchAll(/^content-type:[^\n]*(?:\n[ \t][^\n]*)*/gim)) {
    const c = /charset\s*=\s*"?([^";\s]+)/i.exec(m[0]);
    if (c?.[1]) labels.push(c[1]);
  }
  const { header } = splitHeaderBlock(raw);
  for (const m of header.toString('latin1').matchAll(/=\?([^?*\s]+)(?:\*[^?]*)?\?[bq]\?/gi)) {
    if (m[1]) labels.push(m[1]);
  }
  return labels.some((l) => !isKnownCharset(l)) ? ['invalid charset'] : [];
}

const knownCharsets = new Map<string, boolean>();
// What the WHATWG decoder knows plus the code-page families iconv-lite (used by mailparser) adds.
export function isKnownCharset(label: string): boolean {
  const key = label.trim().toLowerCase();
  const cached = knownCharsets.get(key);
  if (cached !== undefined) return cached;
  let ok =
    /^(?:(?:cp|ibm|ms|windows-?)\d{3,5}|iso-?8859-?\d{1,2}|x-mac-[a-z]+|mac[a-z]*|utf-?(?:16|32)(?:[bl]e)?)$/.test(
      key,
    );
  if (!ok) {
    try {
      new TextDecoder(key);
      ok = true;
    } catch {
      ok = false;
    }
  }
  if (knownCharsets.size < 1000) knownCharsets.set(key, ok);
  return ok;
}

type MimeStructure = 'ok' | 'no boundary parameter' | 'boundary not found' | 'no closing boundary';

function checkMimeStructure(raw: Buffer, mail: Partial<ParsedMail>): MimeStructure {
  const ct = mail.headers?.get('content-type');
  if (!ct || typeof ct !== 'object' || !('value' in ct) || !('params' in ct)) return 'ok';
  if (!String(ct.value).toLowerCase().startsWith('multipart/')) return 'ok';
  const boundary = (ct.params as Record<string, string>).boundary;
  if (!boundary) return 'no boundary parameter';
  const open = raw.indexOf(`--${boundary}`);
  if (open < 0) return 'boundary not found';
  return raw.indexOf(`--${boundary}--`, open) < 0 ? 'no closing boundary' : 'ok';
}

// Some broken senders declare one boundary and use another. Retry with the delimiter
// that the body actually starts with, so the text is not lost as MIME preamble.
async function reparseWithUsedBoundary(
  raw: Buffer,
  header: Buffer,
  bodyOffset: number,
): Promise<Partial<ParsedMail> | null> {
  const body = raw.subarray(bodyOffset, bodyOffset + 1024 * 1024).toString('latin1');
  const used = /^--([^\s"]{1,200}?)(?:--)?[ \t]*\r?$/m.exec(body)?.[1];
  if (!used) return null;
  const fixedHeader = header
    .toString('latin1')
    .replace(/(boundary\s*=\s*)(?:"[^"]*"|[^;\s]+)/i, (_m, prefix: string) => `${prefix}"${used}"`);
  try {
    const mail = await simpleParser(
      Buffer.concat([Buffer.from(fixedHeader, 'latin1'), raw.subarray(bodyOffset)]),
      PARSER_OPTIONS,
    );
    return mail.text || mail.html || mail.attachments.length > 0 ? mail : null;
  } catch {
    return null;
  }
}

function crudeHtmlToText(html: string): string {
  return html
    .slice(0, MAX_HTML_TO_TEXT_CHARS)
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(?:p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function isUsable(email: InboundEmail): boolean {
  return (
    email.from !== null ||
    email.subject.trim() !== '' ||
    !email.messageIdSynthetic ||
    email.date !== null ||
    email.to.length > 0 ||
    /[\p{L}\p{N}]/u.test(email.textBody) ||
    email.attachments.length > 0 ||
    email.rejectedAttachments.length > 0
  );
}

function dedupe<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
