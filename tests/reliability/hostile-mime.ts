// A deterministic generator of malformed and adversarial raw emails (issue #7, hostile email): families
// of hand-written attacks, each multiplied by variants, so a failure names the exact case to replay.
// Pure: no I/O, the same list of bytes on every call.
import { gzipSync } from 'node:zlib';

export type HostileFamily =
  | 'boundaries'
  | 'deep-nesting'
  | 'huge-headers'
  | 'charsets'
  | 'header-injection'
  | 'html-script'
  | 'transfer-encoding'
  | 'missing-headers'
  | 'filenames'
  | 'compressible'
  | 'rfc822-nesting'
  | 'tnef-calendar'
  | 'empty';

export interface HostileCase {
  /** Unique, stable: `family/variant`. */
  name: string;
  family: HostileFamily;
  raw: Buffer;
  /**
   * What must happen to it, when that is not a judgement call: `ingested` (a ticket or a message),
   * `quarantined`, or `any` outcome with a reason.
   */
  expect: 'ingested' | 'quarantined' | 'any';
  /** Words the customer wrote that must be shown on the ticket (the hostile parts may go, the words may not). */
  visibleText?: string;
  /**
   * Why the customer's words cannot reach the agent at all (e.g. the sender declared a charset that turns
   * them into other characters). Without it, every ingested case must show its words or keep them in an
   * attachment (the part itself, or the original email when the text could not be read).
   */
  wordsUnrecoverable?: string;
}

/** The words every case's body carries, unless the case is about having none. */
export const wordsOf = (name: string) => `Visible words ${name}`;

/** Addresses a header-injection case tries to smuggle in as recipients: no mail may ever go to them. */
export const INJECTED_DOMAIN = 'injected.invalid';

const CRLF = '\r\n';
const DATE = 'Tue, 01 Apr 2025 10:00:00 +0000';

/** mulberry32: tiny, seeded, good enough to vary filler bytes reproducibly. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const b64 = (data: string | Buffer, lineLength = 76) => {
  const text = Buffer.from(data).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += lineLength) lines.push(text.slice(i, i + lineLength));
  return lines.join(CRLF);
};
const encodedWord = (text: string | Buffer, charset = 'utf-8') =>
  `=?${charset}?B?${Buffer.from(text).toString('base64')}?=`;

interface MailParts {
  /** Header lines, in order; `null` drops a default header. */
  headers?: Record<string, string | null>;
  /** Extra raw header lines appended after the others (duplicates, junk, folding experiments). */
  extraHeaderLines?: string[];
  contentType?: string | null;
  transferEncoding?: string;
  body?: string | Buffer;
}

/** A message with sensible defaults for everything the case does not attack. */
function mail(id: string, parts: MailParts = {}): Buffer {
  const defaults: Record<string, string | null> = {
    From: `Hostile Sender <sender-${id.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}@hostile.test>`,
    To: 'support@acme.test',
    Subject: `Hostile case ${id}`,
    Date: DATE,
    'Message-ID': `<${id.replace(/[^a-z0-9.-]+/gi, '.')}@hostile.test>`,
    'MIME-Version': '1.0',
    'X-Hostile-Case': id,
  };
  const headers = { ...defaults, ...parts.headers };
  const lines = Object.entries(headers)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([k, v]) => `${k}: ${v}`);
  if (parts.contentType !== null)
    lines.push(`Content-Type: ${parts.contentType ?? 'text/plain; charset=utf-8'}`);
  if (parts.transferEncoding) lines.push(`Content-Transfer-Encoding: ${parts.transferEncoding}`);
  lines.push(...(parts.extraHeaderLines ?? []));
  const head = Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'utf8');
  const body = parts.body ?? `Plain words for ${id}.${CRLF}`;
  return Buffer.concat([head, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')]);
}

/** A multipart body from already formatted parts (each `headers\r\n\r\nbody`). */
function multipart(boundary: string, parts: string[], close = true): string {
  return (
    parts.map((p) => `--${boundary}${CRLF}${p}${CRLF}`).join('') + (close ? `--${boundary}--${CRLF}` : '')
  );
}
const textPart = (text: string, charset = 'utf-8') =>
  `Content-Type: text/plain; charset=${charset}${CRLF}${CRLF}${text}`;
const htmlPart = (html: string, encoding: '8bit' | 'quoted-printable' | 'base64' = '8bit') => {
  const body =
    encoding === 'base64' ? b64(html) : encoding === 'quoted-printable' ? quotedPrintable(html) : html;
  return `Content-Type: text/html; charset=utf-8${CRLF}Content-Transfer-Encoding: ${encoding}${CRLF}${CRLF}${body}`;
};
const attachmentPart = (filenameParams: string, content: Buffer, type = 'application/octet-stream') =>
  `Content-Type: ${type}${CRLF}Content-Disposition: attachment; ${filenameParams}${CRLF}` +
  `Content-Transfer-Encoding: base64${CRLF}${CRLF}${b64(content)}`;

function quotedPrintable(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let out = '';
  let line = 0;
  for (const byte of bytes) {
    const ch = String.fromCharCode(byte);
    const enc =
      (byte >= 33 && byte <= 126 && ch !== '=') || byte === 32
        ? ch
        : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    if (line + enc.length > 73) {
      out += `=${CRLF}`;
      line = 0;
    }
    out += enc;
    line += enc.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Families
// ---------------------------------------------------------------------------------------------------

type Builder = (id: string) => Omit<HostileCase, 'name' | 'family'>;

function boundaries(): [string, Builder][] {
  const text = (id: string) => textPart(`Visible words ${id}`);
  const html = (id: string) => htmlPart(`<p>Visible words ${id}</p>`);
  const cases: [string, Builder][] = [
    [
      'declared-not-used',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="declared"',
          body: multipart('used', [text(id)]),
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ],
    [
      'no-boundary-param',
      (id) => ({
        raw: mail(id, { contentType: 'multipart/mixed', body: multipart('b1', [text(id)]) }),
        expect: 'any',
      }),
    ],
    [
      'empty-boundary',
      (id) => ({
        raw: mail(id, { contentType: 'multipart/mixed; boundary=""', body: multipart('', [text(id)]) }),
        expect: 'any',
      }),
    ],
    [
      'no-closing-boundary',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: multipart('b1', [text(id)], false),
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ],
    [
      'unterminated-last-part',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: `--b1${CRLF}Content-Type: text/plain${CRLF}${CRLF}Visible words ${id}${CRLF}--b1${CRLF}Content-Type: application/pdf${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}JVBERi0xLjQK`,
        }),
        expect: 'any',
      }),
    ],
    [
      'part-without-headers-end',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: `--b1${CRLF}Content-Type: text/plain${CRLF}X-Never-Ends: yes`,
        }),
        expect: 'any',
      }),
    ],
    [
      'duplicate-boundary-params',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="one"; boundary="two"',
          body: multipart('two', [text(id)]) + multipart('one', [text(id)]),
        }),
        expect: 'any',
      }),
    ],
    [
      'boundary-prefix-of-other',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="ab"',
          body: `--ab${CRLF}Content-Type: multipart/alternative; boundary="abc"${CRLF}${CRLF}${multipart('abc', [text(id), html(id)])}--ab--${CRLF}`,
        }),
        expect: 'any',
      }),
    ],
    [
      'same-boundary-nested',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="same"',
          body: `--same${CRLF}Content-Type: multipart/alternative; boundary="same"${CRLF}${CRLF}${multipart('same', [text(id), html(id)])}--same--${CRLF}`,
        }),
        expect: 'any',
      }),
    ],
    [
      'boundary-with-spaces',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="  spaced out  "',
          body: multipart('  spaced out  ', [text(id)]),
        }),
        expect: 'any',
      }),
    ],
    [
      'boundary-200-chars',
      (id) => ({
        raw: mail(id, {
          contentType: `multipart/mixed; boundary="${'x'.repeat(200)}"`,
          body: multipart('x'.repeat(200), [text(id)]),
        }),
        expect: 'any',
      }),
    ],
    [
      'boundary-10k-chars',
      (id) => ({
        raw: mail(id, {
          contentType: `multipart/mixed; boundary="${'y'.repeat(10_000)}"`,
          body: multipart('y'.repeat(10_000), [text(id)]),
        }),
        expect: 'any',
      }),
    ],
    [
      'boundary-in-body-text',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: multipart('b1', [textPart(`Visible words ${id}\r\n--b1 is how parts end\r\n--b1--`)]),
        }),
        expect: 'any',
      }),
    ],
    [
      'only-closing-boundary',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: `Preamble words ${id}${CRLF}--b1--${CRLF}`,
        }),
        expect: 'any',
      }),
    ],
    [
      'preamble-only',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: `Preamble words ${id} and nothing else${CRLF}`,
        }),
        expect: 'any',
      }),
    ],
    [
      'epilogue-with-html',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: `${multipart('b1', [text(id)])}<script>alert(1)</script><img src=x onerror=alert(1)>${CRLF}`,
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ],
    [
      'multipart-no-parts-10k-delimiters',
      (id) => ({
        raw: mail(id, { contentType: 'multipart/mixed; boundary="b1"', body: `--b1${CRLF}`.repeat(10_000) }),
        expect: 'any',
      }),
    ],
    [
      'multipart-5000-empty-parts',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: multipart(
            'b1',
            Array.from({ length: 5000 }, () => `Content-Type: text/plain${CRLF}${CRLF}`),
          ),
        }),
        expect: 'any',
      }),
    ],
    [
      'lf-only-line-endings',
      (id) => ({
        raw: Buffer.from(
          mail(id, { contentType: 'multipart/mixed; boundary="b1"', body: multipart('b1', [text(id)]) })
            .toString('latin1')
            .replace(/\r\n/g, '\n'),
          'latin1',
        ),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ],
    [
      'cr-only-line-endings',
      (id) => ({
        raw: Buffer.from(
          mail(id, { contentType: 'multipart/mixed; boundary="b1"', body: multipart('b1', [text(id)]) })
            .toString('latin1')
            .replace(/\r\n/g, '\r'),
          'latin1',
        ),
        expect: 'any',
      }),
    ],
    [
      'mixed-line-endings',
      (id) => ({
        raw: Buffer.from(
          mail(id, {
            contentType: 'multipart/mixed; boundary="b1"',
            body: multipart('b1', [text(id), html(id)]),
          })
            .toString('latin1')
            .replace(/\r\n/g, (_m, i: number) => (i % 3 === 0 ? '\n' : i % 3 === 1 ? '\r\n' : '\n\r')),
          'latin1',
        ),
        expect: 'any',
      }),
    ],
    [
      'multipart-content-type-garbage',
      (id) => ({
        raw: mail(id, { contentType: 'multipart/;;;boundary==b1;;', body: multipart('b1', [text(id)]) }),
        expect: 'any',
      }),
    ],
    [
      'content-type-unknown-top',
      (id) => ({
        raw: mail(id, {
          contentType: 'application/x-evil; boundary="b1"',
          body: `<script>alert(1)</script> Visible words ${id}`,
        }),
        expect: 'any',
      }),
    ],
    [
      'text-plain-with-boundaries',
      (id) => ({
        raw: mail(id, {
          contentType: 'text/plain; boundary="b1"',
          body: multipart('b1', [htmlPart('<script>alert(1)</script>')]),
        }),
        expect: 'ingested',
      }),
    ],
    [
      'multipart-alternative-only-html-script',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/alternative; boundary="b1"',
          body: multipart('b1', [htmlPart(`<script>alert(1)</script><p>Visible words ${id}</p>`)]),
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ],
    [
      'headers-in-boundary-line',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: `--b1 Content-Type: text/html${CRLF}${CRLF}<svg onload=alert(1)>${CRLF}--b1--${CRLF}`,
        }),
        expect: 'any',
      }),
    ],
    [
      'part-header-folding-abuse',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: multipart('b1', [
            `Content-Type: text/plain;${CRLF}${` charset=utf-8;${CRLF}`.repeat(2000)}${CRLF}Visible words ${id}`,
          ]),
        }),
        expect: 'any',
      }),
    ],
    [
      'boundary-quoted-unbalanced',
      (id) => ({
        raw: mail(id, { contentType: 'multipart/mixed; boundary="b1', body: multipart('b1', [text(id)]) }),
        expect: 'any',
      }),
    ],
  ];
  // Broken variants of one shape, varied by where the damage lands.
  for (let cut = 1; cut <= 12; cut++) {
    cases.push([
      `truncated-at-${cut * 8}pct`,
      (id) => {
        const whole = mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: multipart('b1', [
            text(id),
            html(id),
            attachmentPart('filename="a.bin"', Buffer.alloc(600, cut)),
          ]),
        });
        return { raw: whole.subarray(0, Math.floor((whole.length * cut * 8) / 100)), expect: 'any' };
      },
    ]);
  }
  return cases;
}

function deepNesting(): [string, Builder][] {
  const nested = (depth: number, innermost: string, type = 'multipart/mixed') => {
    let body = innermost;
    for (let d = depth; d >= 1; d--) {
      body = `Content-Type: ${type}; boundary="n${d}"${CRLF}${CRLF}--n${d}${CRLF}${body}${CRLF}--n${d}--`;
    }
    return body;
  };
  const cases: [string, Builder][] = [];
  for (const depth of [10, 50, 100, 200, 300, 500, 1000, 2000]) {
    cases.push([
      `multipart-${depth}`,
      (id) => {
        const inner = nested(depth, textPart(`Visible words ${id}`));
        const sep = inner.indexOf(CRLF + CRLF);
        return {
          raw: mail(id, {
            contentType: inner.slice('Content-Type: '.length, sep),
            body: inner.slice(sep + 4),
          }),
          expect: 'any',
        };
      },
    ]);
    cases.push([
      `multipart-${depth}-unclosed`,
      (id) => {
        let body = `${textPart(`Visible words ${id}`)}`;
        for (let d = depth; d >= 1; d--)
          body = `Content-Type: multipart/mixed; boundary="u${d}"${CRLF}${CRLF}--u${d}${CRLF}${body}`;
        const sep = body.indexOf(CRLF + CRLF);
        return {
          raw: mail(id, { contentType: body.slice('Content-Type: '.length, sep), body: body.slice(sep + 4) }),
          expect: 'any',
        };
      },
    ]);
  }
  for (const depth of [5, 20, 50, 100, 200, 500]) {
    cases.push([
      `rfc822-${depth}`,
      (id) => {
        let body = `From: inner@hostile.test${CRLF}Subject: innermost${CRLF}Content-Type: text/html${CRLF}${CRLF}<script>alert(${depth})</script><p>Visible words ${id}</p>`;
        for (let d = 0; d < depth; d++) {
          body = `From: layer${d}@hostile.test${CRLF}Subject: layer ${d}${CRLF}Message-ID: <layer-${d}-${id}@hostile.test>${CRLF}Content-Type: message/rfc822${CRLF}${CRLF}${body}`;
        }
        return {
          raw: mail(id, { contentType: 'message/rfc822', body: body.slice(body.indexOf(CRLF + CRLF) + 4) }),
          expect: 'any',
        };
      },
    ]);
  }
  for (const depth of [100, 400]) {
    cases.push([
      `html-div-${depth * 50}`,
      (id) => ({
        raw: mail(id, {
          contentType: 'text/html; charset=utf-8',
          body: `${'<div>'.repeat(depth * 50)}<p>Visible words ${id}</p>${'<img src=x onerror=alert(1)>'}${'</div>'.repeat(depth * 50)}`,
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ]);
  }
  cases.push([
    'html-unclosed-tags-100k',
    (id) => ({
      raw: mail(id, {
        contentType: 'text/html; charset=utf-8',
        body: `<p>Visible words ${id}</p>${'<b><i><a href="javascript:alert(1)">'.repeat(30_000)}`,
      }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'alternative-in-related-in-mixed-200',
    (id) => {
      const inner = nested(
        200,
        htmlPart(`<svg onload=alert(1)></svg><p>Visible words ${id}</p>`),
        'multipart/related',
      );
      const sep = inner.indexOf(CRLF + CRLF);
      return {
        raw: mail(id, { contentType: inner.slice('Content-Type: '.length, sep), body: inner.slice(sep + 4) }),
        expect: 'any',
      };
    },
  ]);
  return cases;
}

function hugeHeaders(): [string, Builder][] {
  const cases: [string, Builder][] = [];
  for (const kb of [1, 8, 64, 256, 1024, 4096]) {
    cases.push([
      `subject-${kb}kb`,
      (id) => ({
        raw: mail(id, { headers: { Subject: `Visible subject ${id} ${'S'.repeat(kb * 1024)}` } }),
        expect: 'any',
      }),
    ]);
    cases.push([
      `subject-folded-${kb}kb`,
      (id) => ({
        raw: mail(id, {
          headers: { Subject: `Visible subject ${id}${`${CRLF} word`.repeat((kb * 1024) / 7)}` },
        }),
        expect: 'any',
      }),
    ]);
    cases.push([
      `x-header-${kb}kb`,
      (id) => ({
        raw: mail(id, { extraHeaderLines: [`X-Junk: ${'J'.repeat(kb * 1024)}`] }),
        expect: 'ingested',
      }),
    ]);
  }
  for (const count of [1000, 5000, 20_000, 60_000]) {
    cases.push([
      `headers-${count}`,
      (id) => ({
        raw: mail(id, {
          extraHeaderLines: Array.from({ length: count }, (_, i) => `X-Many-${i}: value ${i}`),
        }),
        expect: 'any',
      }),
    ]);
    cases.push([
      `received-${count}`,
      (id) => ({
        raw: mail(id, {
          extraHeaderLines: Array.from(
            { length: count },
            (_, i) => `Received: from hop${i}.hostile.test by hop${i + 1}.hostile.test; ${DATE}`,
          ),
        }),
        expect: 'any',
      }),
    ]);
  }
  for (const count of [1000, 50_000]) {
    cases.push([
      `references-${count}`,
      (id) => ({
        raw: mail(id, {
          headers: {
            References: Array.from({ length: count }, (_, i) => `<ref-${i}@hostile.test>`).join(' '),
          },
        }),
        expect: 'any',
      }),
    ]);
    cases.push([
      `to-${count}-recipients`,
      (id) => ({
        raw: mail(id, {
          headers: { To: Array.from({ length: count }, (_, i) => `r${i}@hostile.test`).join(', ') },
        }),
        expect: 'any',
      }),
    ]);
  }
  cases.push([
    'from-64kb-name',
    (id) => ({
      raw: mail(id, { headers: { From: `"${'N'.repeat(65_536)}" <sender-${id.length}@hostile.test>` } }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'from-10k-addresses',
    (id) => ({
      raw: mail(id, {
        headers: { From: Array.from({ length: 10_000 }, (_, i) => `f${i}@hostile.test`).join(', ') },
      }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'message-id-100kb',
    (id) => ({
      raw: mail(id, { headers: { 'Message-ID': `<${'m'.repeat(100_000)}-${id}@hostile.test>` } }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'encoded-words-10k',
    (id) => ({
      raw: mail(id, {
        headers: { Subject: Array.from({ length: 10_000 }, (_, i) => encodedWord(`w${i}`)).join(' ') },
      }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'header-block-without-body',
    (id) => ({
      raw: Buffer.from(
        mail(id)
          .toString('latin1')
          .replace(/\r\n\r\n[\s\S]*$/, CRLF + 'X-Filler: f\r\n'.repeat(5000)),
        'latin1',
      ),
      expect: 'any',
    }),
  ]);
  cases.push([
    'header-name-10kb',
    (id) => ({ raw: mail(id, { extraHeaderLines: [`X-${'H'.repeat(10_240)}: v`] }), expect: 'any' }),
  ]);
  cases.push([
    'header-without-colon-lines',
    (id) => ({
      raw: mail(id, {
        extraHeaderLines: Array.from(
          { length: 500 },
          (_, i) => `garbage line ${i} <script>alert(1)</script>`,
        ),
      }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'continuation-before-first-header',
    (id) => ({ raw: Buffer.concat([Buffer.from(' folded first\r\n\tagain\r\n'), mail(id)]), expect: 'any' }),
  ]);
  return cases;
}

function charsets(): [string, Builder][] {
  const labels = [
    'x-unknown',
    'utf-9',
    'iso-8859-99',
    'windows-9999',
    'utf-7',
    'UTF-7',
    'utf-16',
    'utf-16le',
    'utf-32',
    'ucs-2',
    'gb18030',
    'big5',
    'koi8-r',
    'euc-jp',
    'iso-2022-jp',
    'shift_jis',
    'tis-620',
    'x-mac-roman',
    '"utf-8',
    'utf-8"',
    '',
    ' ',
    'utf-8; charset=latin1',
    'default',
    'unicode-1-1-utf-7',
    'x-user-defined',
    'replacement',
    '../../etc/passwd',
    '\u00e9',
    'cp65001',
  ];
  const cases: [string, Builder][] = labels.map((label, i) => [
    `body-charset-${i}`,
    (id) => ({
      raw: mail(id, {
        contentType: `text/plain; charset=${label}`,
        body: Buffer.concat([
          Buffer.from(`Visible words ${id} `),
          Buffer.from([
            0xff, 0xfe, 0x00, 0xd8, 0x3c, 0x73, 0x63, 0x72, 0x69, 0x70, 0x74, 0x3e, 0xc3, 0x28, 0xe2, 0x82,
          ]),
        ]),
      }),
      expect: 'any',
      ...(/^(?:utf-16|utf-16le|utf-32|ucs-2)$/i.test(label)
        ? { wordsUnrecoverable: 'ASCII words declared as a 16/32-bit charset decode to other characters' }
        : {}),
    }),
  ]);
  const words: [string, string][] = [
    ['unknown-charset', '=?x-unknown?B?SGVsbG8=?='],
    ['bad-encoding-letter', '=?utf-8?X?SGVsbG8=?='],
    ['bad-base64', '=?utf-8?B?!!!notbase64***?='],
    ['bad-qp', '=?utf-8?Q?=ZZ=QQ=?='],
    ['unterminated', '=?utf-8?B?SGVsbG8'],
    ['utf7-script', '=?utf-7?Q?+ADw-script+AD4-alert(1)+ADw-/script+AD4-?='],
    ['utf16-lone-surrogate', encodedWord(Buffer.from([0xd8, 0x00, 0x00, 0x41]), 'utf-16be')],
    ['utf16le-lone-surrogate', encodedWord(Buffer.from([0x00, 0xdc, 0x41, 0x00]), 'utf-16le')],
    [
      'invalid-utf8-bytes',
      encodedWord(Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc])),
    ],
    [
      'overlong-utf8-lt',
      encodedWord(Buffer.from([0xc0, 0xbc, 0x73, 0x63, 0x72, 0x69, 0x70, 0x74, 0xc0, 0xbe])),
    ],
    ['rtl-override', encodedWord('\u202egnp.exe\u202c Visible')],
    ['zero-width-and-bom', encodedWord('\ufeff\u200b\u200d\u2060Visible')],
    ['rfc2231-language', '=?utf-8*en?Q?Hello_world?='],
    ['nested-encoded-words', encodedWord('=?utf-8?B?PHNjcmlwdD4=?=')],
    ['encoded-word-200-charset', `=?${'a'.repeat(200)}?B?SGVsbG8=?=`],
    [
      'mixed-charsets-chain',
      `${encodedWord('Caf\u00e9', 'iso-8859-1')} ${encodedWord('\u65e5\u672c', 'iso-2022-jp')} ${encodedWord('x', 'x-nope')}`,
    ],
    ['gb18030-invalid', encodedWord(Buffer.from([0x81, 0x30, 0xff, 0xff]), 'gb18030')],
    ['control-chars', encodedWord('\u0001\u0002\u0007\u001b[31mred\u001b[0m\u007f')],
    ['nul-in-word', encodedWord('before\u0000after')],
    ['lots-of-empty-words', Array.from({ length: 200 }, () => '=?utf-8?B??=').join('')],
  ];
  for (const [name, word] of words) {
    cases.push([
      `subject-${name}`,
      (id) => ({ raw: mail(id, { headers: { Subject: `${word} ${id}` } }), expect: 'ingested' }),
    ]);
    cases.push([
      `from-name-${name}`,
      (id) => ({
        raw: mail(id, { headers: { From: `${word} <sender-${name}@hostile.test>` } }),
        expect: 'ingested',
      }),
    ]);
  }
  cases.push([
    'html-utf7-script',
    (id) => ({
      raw: mail(id, {
        contentType: 'text/html; charset=utf-7',
        body: `+ADw-script+AD4-alert(1)+ADw-/script+AD4-+ADw-img src+AD0-x onerror+AD0-alert(1)+AD4-<p>Visible words ${id}</p>`,
      }),
      expect: 'ingested',
    }),
  ]);
  cases.push([
    'html-utf16-with-bom',
    (id) => ({
      raw: mail(id, {
        contentType: 'text/html; charset=utf-16',
        transferEncoding: 'base64',
        body: b64(
          Buffer.concat([
            Buffer.from([0xff, 0xfe]),
            Buffer.from(`<script>alert(1)</script><p>Visible words ${id}</p>`, 'utf16le'),
          ]),
        ),
      }),
      expect: 'ingested',
      visibleText: `Visible words ${id}`,
    }),
  ]);
  cases.push([
    'html-utf16-lone-surrogates',
    (id) => ({
      raw: mail(id, {
        contentType: 'text/html; charset=utf-16le',
        transferEncoding: 'base64',
        body: b64(
          Buffer.concat([
            Buffer.from(`<p>Visible words ${id}</p>`, 'utf16le'),
            Buffer.from([0x00, 0xd8, 0x3c, 0x00, 0x00, 0xdc]),
          ]),
        ),
      }),
      expect: 'ingested',
    }),
  ]);
  cases.push([
    'text-utf16-lone-surrogate',
    (id) => ({
      raw: mail(id, {
        contentType: 'text/plain; charset=utf-16be',
        transferEncoding: 'base64',
        body: b64(
          Buffer.concat([Buffer.from([0xd8, 0x01]), Buffer.from(`Visible words ${id}`, 'utf16le').swap16()]),
        ),
      }),
      expect: 'ingested',
    }),
  ]);
  cases.push([
    'meta-charset-conflict',
    (id) => ({
      raw: mail(id, {
        contentType: 'text/html; charset=iso-8859-1',
        body: `<meta charset="utf-7"><p>Visible words ${id}</p>+ADw-script+AD4-alert(1)+ADw-/script+AD4-`,
      }),
      expect: 'ingested',
      visibleText: `Visible words ${id}`,
    }),
  ]);
  return cases;
}

function headerInjection(): [string, Builder][] {
  const bcc = (n: string) => `victim-${n}@${INJECTED_DOMAIN}`;
  const payloads: [string, string][] = [
    ['crlf-bcc', `Hello\r\nBcc: ${bcc('a')}`],
    ['lf-bcc', `Hello\nBcc: ${bcc('b')}`],
    ['cr-bcc', `Hello\rBcc: ${bcc('c')}`],
    ['crlf-to', `Hello\r\nTo: ${bcc('d')}`],
    ['crlf-cc', `Hello\r\nCc: ${bcc('e')}`],
    ['double-crlf-body', `Hello\r\n\r\n<script>alert(1)</script>injected body`],
    ['nul-bcc', `Hello\u0000\r\nBcc: ${bcc('f')}`],
    ['unicode-line-sep', `Hello\u2028Bcc: ${bcc('g')}\u2029`],
    ['nel', `Hello\u0085Bcc: ${bcc('h')}`],
    ['crlf-content-type', 'Hello\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>'],
    ['crlf-reply-to', `Hello\r\nReply-To: ${bcc('i')}`],
    ['crlf-smtp-dot', `Hello\r\n.\r\nMAIL FROM:<x@${INJECTED_DOMAIN}>\r\nRCPT TO:<${bcc('j')}>`],
  ];
  const cases: [string, Builder][] = [];
  for (const [name, payload] of payloads) {
    cases.push([
      `subject-${name}`,
      (id) => ({
        raw: mail(id, { headers: { Subject: `${encodedWord(payload)} ${id}` } }),
        expect: 'ingested',
      }),
    ]);
    cases.push([
      `subject-q-${name}`,
      (id) => ({
        raw: mail(id, {
          headers: {
            Subject: `=?utf-8?Q?${quotedPrintable(payload).replace(/=\r\n/g, '').replace(/ /g, '_').replace(/\?/g, '=3F')}?= ${id}`,
          },
        }),
        expect: 'ingested',
      }),
    ]);
    cases.push([
      `from-name-${name}`,
      (id) => ({
        raw: mail(id, { headers: { From: `${encodedWord(payload)} <sender-inj-${name}@hostile.test>` } }),
        expect: 'ingested',
      }),
    ]);
    cases.push([
      `filename-${name}`,
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: multipart('b1', [
            textPart(`Visible words ${id}`),
            attachmentPart(`filename="${encodedWord(`${payload}.txt`)}"`, Buffer.from('data')),
          ]),
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ]);
    cases.push([
      `filename-rfc2231-${name}`,
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: multipart('b1', [
            textPart(`Visible words ${id}`),
            attachmentPart(`filename*=utf-8''${encodeURIComponent(`${payload}.txt`)}`, Buffer.from('data')),
          ]),
        }),
        expect: 'ingested',
      }),
    ]);
  }
  // Recipient headers forged or doubled in the raw header block itself.
  cases.push([
    'forged-bcc-header',
    (id) => ({ raw: mail(id, { extraHeaderLines: [`Bcc: ${bcc('k')}`] }), expect: 'ingested' }),
  ]);
  cases.push([
    'duplicate-from',
    (id) => ({
      raw: mail(id, { extraHeaderLines: [`From: attacker@${INJECTED_DOMAIN}`] }),
      expect: 'ingested',
    }),
  ]);
  cases.push([
    'duplicate-to-and-cc',
    (id) => ({
      raw: mail(id, { extraHeaderLines: [`To: ${bcc('l')}`, `Cc: ${bcc('m')}`] }),
      expect: 'ingested',
    }),
  ]);
  cases.push([
    'reply-to-injected',
    (id) => ({ raw: mail(id, { headers: { 'Reply-To': `${bcc('n')}, ${bcc('o')}` } }), expect: 'ingested' }),
  ]);
  cases.push([
    'from-with-newline-address',
    (id) => ({
      raw: mail(id, { headers: { From: `"Name\\\r\n Bcc: ${bcc('p')}" <sender-fold@hostile.test>` } }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'raw-nul-in-subject',
    (id) => ({ raw: mail(id, { headers: { Subject: `Hello\u0000Bcc: ${bcc('q')} ${id}` } }), expect: 'any' }),
  ]);
  cases.push([
    'bare-cr-in-header',
    (id) => ({
      raw: Buffer.from(
        mail(id)
          .toString('latin1')
          .replace('Subject: ', `Subject: Hi\rBcc: ${bcc('r')}\r `),
        'latin1',
      ),
      expect: 'any',
    }),
  ]);
  cases.push([
    'from-is-injected-list',
    (id) => ({
      raw: mail(id, { headers: { From: `<sender-list@hostile.test>, ${bcc('s')}` } }),
      expect: 'ingested',
    }),
  ]);
  cases.push([
    'display-name-is-address',
    (id) => ({
      raw: mail(id, { headers: { From: `"${bcc('t')}" <sender-spoof@hostile.test>` } }),
      expect: 'ingested',
    }),
  ]);
  cases.push([
    'from-name-html',
    (id) => ({
      raw: mail(id, { headers: { From: `"<img src=x onerror=alert(1)>" <sender-html@hostile.test>` } }),
      expect: 'ingested',
    }),
  ]);
  cases.push([
    'subject-html',
    (id) => ({
      raw: mail(id, { headers: { Subject: `<script>alert(1)</script><svg onload=alert(1)> ${id}` } }),
      expect: 'ingested',
    }),
  ]);
  cases.push([
    'in-reply-to-injection',
    (id) => ({
      raw: mail(id, { headers: { 'In-Reply-To': `<x@y>\r\nBcc: ${bcc('u')}`.replace(/\r\n/g, ' ') } }),
      expect: 'ingested',
    }),
  ]);
  return cases;
}

/** Script-bearing HTML: each vector beside words the customer wrote. */
export const XSS_VECTORS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.invalid/x.js></SCRIPT>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<img src=x onerror=alert(1)>',
  '<img src="x" ONERROR="alert(1)">',
  '<img/src="x"/onerror=alert(1)>',
  '<img src=x onerror\u000b=alert(1)>',
  '<img src=`x` onerror=`alert(1)`>',
  '<body onload=alert(1)>',
  '<svg onload=alert(1)><circle r=1 /></svg>',
  '<svg><script>alert(1)</script></svg>',
  '<svg><style><img src=x onerror=alert(1)></style></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<a href="javascript:alert(1)">click</a>',
  '<a href="JaVaScRiPt:alert(1)">click</a>',
  '<a href="  javascript:alert(1)">click</a>',
  '<a href="java&#x09;script:alert(1)">click</a>',
  '<a href="jav&#x0A;ascript:alert(1)">click</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">click</a>',
  '<a href="&#0000106avascript:alert(1)">click</a>',
  '<a href="vbscript:msgbox(1)">click</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
  '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
  '<img src="data:text/html,<script>alert(1)</script>">',
  '<div style="background:url(javascript:alert(1))">styled</div>',
  '<div style="background-image: url(&quot;javascript:alert(1)&quot;)">styled</div>',
  '<div style="width: expression(alert(1))">styled</div>',
  '<p style="behavior: url(x.htc)">styled</p>',
  '<p style="-moz-binding: url(x.xml#xss)">styled</p>',
  '<style>@import "javascript:alert(1)"; body{background:url(javascript:alert(1))}</style>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  '<form action="javascript:alert(1)"><input type=submit autofocus onfocus=alert(1)></form>',
  '<details open ontoggle=alert(1)>',
  '<video><source onerror=alert(1)></video>',
  '<marquee onstart=alert(1)>x</marquee>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<base href="javascript:alert(1)//">',
  '<link rel=stylesheet href="javascript:alert(1)">',
  '<table background="javascript:alert(1)"><tr><td background="javascript:alert(1)">t</td></tr></table>',
  '<img src="http://x.invalid/a.png" srcset="javascript:alert(1)">',
  '<blockquote cite="javascript:alert(1)">q</blockquote>',
  '<span title="&quot; onmouseover=alert(1) x=&quot;">t</span>',
  '<a href="http://ok.invalid" onclick="alert(1)">ok</a>',
  '<font face="x" onmouseover=alert(1)>f</font>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
  '<![CDATA[<script>alert(1)</script>]]>',
  '<!--<script>alert(1)</script>-->',
  '<xmp><script>alert(1)</script></xmp>',
  '<template><script>alert(1)</script></template>',
  '<textarea><script>alert(1)</script></textarea>',
  '<isindex action=javascript:alert(1) type=image>',
  '<input type="image" src="javascript:alert(1)">',
  '<button formaction="javascript:alert(1)">b</button>',
  '<a xlink:href="javascript:alert(1)">x</a>',
  '<img src="cid:part1" onload="alert(1)">',
  '<div onmouseover="alert(1)" style="color:red">hover</div>',
  '<img src="jav\tascript:alert(1)">',
];

function htmlScript(): [string, Builder][] {
  const cases: [string, Builder][] = [];
  XSS_VECTORS.forEach((vector, i) => {
    const html = (id: string) =>
      `<html><head><title>t</title></head><body><p>Visible words ${id}</p>${vector}</body></html>`;
    cases.push([
      `html-only-${i}`,
      (id) => ({
        raw: mail(id, { contentType: 'text/html; charset=utf-8', body: html(id) }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ]);
    cases.push([
      `alternative-qp-${i}`,
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/alternative; boundary="alt"',
          body: multipart('alt', [textPart(`Visible words ${id}`), htmlPart(html(id), 'quoted-printable')]),
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ]);
    cases.push([
      `related-base64-${i}`,
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/related; boundary="rel"',
          body: multipart('rel', [
            htmlPart(`${html(id)}<img src="cid:img1@hostile">`, 'base64'),
            `Content-Type: image/png${CRLF}Content-ID: <img1@hostile>${CRLF}Content-Disposition: inline${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}${b64(Buffer.from('89504e470d0a1a0a', 'hex'))}`,
          ]),
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ]);
  });
  return cases;
}

function transferEncoding(): [string, Builder][] {
  const random = prng(7);
  const noise = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  const cases: [string, Builder][] = [
    [
      'base64-garbage',
      (id) => ({
        raw: mail(id, { transferEncoding: 'base64', body: `!!!${id}***not base64 at all\u00ff` }),
        expect: 'any',
      }),
    ],
    [
      'base64-no-padding',
      (id) => ({
        raw: mail(id, {
          transferEncoding: 'base64',
          body: Buffer.from(`Visible words ${id}!`).toString('base64').replace(/=+$/, ''),
        }),
        expect: 'ingested',
      }),
    ],
    [
      'base64-extra-padding',
      (id) => ({
        raw: mail(id, {
          transferEncoding: 'base64',
          body: `${Buffer.from(`Visible words ${id}`).toString('base64')}====${CRLF}====`,
        }),
        expect: 'ingested',
      }),
    ],
    [
      'base64-one-line-2mb',
      (id) => ({
        raw: mail(id, {
          transferEncoding: 'base64',
          body: Buffer.from(`Visible words ${id} ${'x'.repeat(1_500_000)}`).toString('base64'),
        }),
        expect: 'ingested',
      }),
    ],
    [
      'base64-html-with-script',
      (id) => ({
        raw: mail(id, {
          contentType: 'text/html; charset=utf-8',
          transferEncoding: 'base64',
          body: b64(`<p>Visible words ${id}</p><script>alert(1)</script>`),
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ],
    [
      'base64-interleaved-junk',
      (id) => ({
        raw: mail(id, {
          transferEncoding: 'base64',
          body: b64(`Visible words ${id}`).split('').join('\u0000 '),
        }),
        expect: 'any',
      }),
    ],
    [
      'qp-broken-escapes',
      (id) => ({
        raw: mail(id, {
          transferEncoding: 'quoted-printable',
          body: `Visible words ${id} =ZZ =4 =\u00ff =${CRLF}=3Cscript=3Ealert(1)=3C/script=3E`,
        }),
        expect: 'ingested',
      }),
    ],
    [
      'qp-soft-break-storm',
      (id) => ({
        raw: mail(id, {
          transferEncoding: 'quoted-printable',
          body: `Visible words ${id} ${`=${CRLF}`.repeat(100_000)}end`,
        }),
        expect: 'ingested',
      }),
    ],
    [
      'qp-html-split-tag',
      (id) => ({
        raw: mail(id, {
          contentType: 'text/html; charset=utf-8',
          transferEncoding: 'quoted-printable',
          body: `<p>Visible words ${id}</p><scr=${CRLF}ipt>alert(1)</scr=${CRLF}ipt><img src=3Dx on=${CRLF}error=3Dalert(1)>`,
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ],
    [
      'unknown-encoding',
      (id) => ({
        raw: mail(id, {
          transferEncoding: 'x-uuencode',
          body: `begin 644 evil.exe${CRLF}M35IC\`${CRLF}end${CRLF}Visible words ${id}`,
        }),
        expect: 'any',
      }),
    ],
    [
      'encoding-garbage-token',
      (id) => ({
        raw: mail(id, { transferEncoding: 'base64; quoted-printable\u00ff', body: `Visible words ${id}` }),
        expect: 'any',
      }),
    ],
    [
      '8bit-latin1-undeclared',
      (id) => ({
        raw: mail(id, {
          contentType: 'text/plain',
          transferEncoding: '8bit',
          body: Buffer.concat([
            Buffer.from(`Visible words ${id} `),
            Buffer.from('caf\u00e9 na\u00efve', 'latin1'),
          ]),
        }),
        expect: 'ingested',
      }),
    ],
    [
      '8bit-headers-raw-utf8',
      (id) => ({
        raw: mail(id, {
          headers: {
            Subject: `R\u00e9sum\u00e9 \u65e5\u672c\u8a9e ${id}`,
            From: `J\u00fcrgen \u00d6 <sender-8bit@hostile.test>`,
          },
        }),
        expect: 'ingested',
      }),
    ],
    [
      '8bit-headers-raw-latin1',
      (id) => ({
        raw: Buffer.from(
          mail(id, { headers: { Subject: `R\u00e9sum\u00e9 ${id}` } }).toString('utf8'),
          'latin1',
        ),
        expect: 'ingested',
      }),
    ],
    [
      'binary-body-noise',
      (id) => ({
        raw: mail(id, {
          transferEncoding: 'binary',
          body: Buffer.concat([Buffer.from(`Visible words ${id}${CRLF}`), noise(64 * 1024)]),
        }),
        expect: 'any',
      }),
    ],
    [
      'binary-html-noise',
      (id) => ({
        raw: mail(id, {
          contentType: 'text/html',
          transferEncoding: 'binary',
          body: Buffer.concat([
            Buffer.from(`<p>Visible words ${id}</p>`),
            noise(32 * 1024),
            Buffer.from('<script>alert(1)</script>'),
          ]),
        }),
        expect: 'any',
      }),
    ],
    [
      'nul-in-text',
      (id) => ({
        raw: mail(id, { body: `Visible\u0000 words ${id}\u0000\u0000 and more` }),
        expect: 'ingested',
      }),
    ],
    [
      'nul-everywhere',
      (id) => ({
        raw: mail(id, {
          headers: { Subject: `nul\u0000subject ${id}`, From: `Nul\u0000Name <sender-nul@hostile.test>` },
          body: `\u0000`.repeat(10_000),
        }),
        expect: 'any',
      }),
    ],
    [
      'nul-in-html',
      (id) => ({
        raw: mail(id, {
          contentType: 'text/html; charset=utf-8',
          body: `<p>Visible words ${id}</p><scr\u0000ipt>alert(1)</scr\u0000ipt><img src=x on\u0000error=alert(1)>`,
        }),
        expect: 'ingested',
      }),
    ],
    [
      'nul-base64-decoded',
      (id) => ({
        raw: mail(id, {
          transferEncoding: 'base64',
          body: b64(`Visible words ${id}\u0000\u0000\u0000 tail`),
        }),
        expect: 'ingested',
      }),
    ],
    [
      'control-chars-body',
      (id) => ({
        raw: mail(id, { body: `Visible words ${id} \u0007\u0008\u001b[2J\u001b]0;pwned\u0007\u007f` }),
        expect: 'ingested',
      }),
    ],
    [
      'very-long-line-5mb',
      (id) => ({
        raw: mail(id, { body: `Visible words ${id} ${'L'.repeat(5 * 1024 * 1024)}` }),
        expect: 'ingested',
      }),
    ],
    [
      'lines-100k',
      (id) => ({
        raw: mail(id, { body: `Visible words ${id}${CRLF}${'line\r\n'.repeat(100_000)}` }),
        expect: 'ingested',
      }),
    ],
    [
      'quoted-history-200-levels',
      (id) => ({
        raw: mail(id, {
          body: `Visible words ${id}${CRLF}${Array.from({ length: 200 }, (_, i) => `${'>'.repeat(i + 1)} quoted ${i}`).join(CRLF)}`,
        }),
        expect: 'ingested',
      }),
    ],
    [
      'binary-attachment-no-encoding',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: Buffer.concat([
            Buffer.from(
              `--b1${CRLF}${textPart(`Visible words ${id}`)}${CRLF}--b1${CRLF}Content-Type: application/octet-stream${CRLF}Content-Disposition: attachment; filename="noise.bin"${CRLF}${CRLF}`,
            ),
            noise(16 * 1024),
            Buffer.from(`${CRLF}--b1--${CRLF}`),
          ]),
        }),
        expect: 'ingested',
      }),
    ],
  ];
  for (let i = 0; i < 15; i++) {
    cases.push([
      `random-bytes-${i}`,
      (id) => ({
        raw: Buffer.concat([
          Buffer.from(`X-Hostile-Case: ${id}${CRLF}`),
          noise(256 + Math.floor(random() * 8192)),
        ]),
        expect: 'any',
      }),
    ]);
  }
  return cases;
}

function missingHeaders(): [string, Builder][] {
  const drop = (...names: string[]) => Object.fromEntries(names.map((n) => [n, null]));
  const cases: [string, Builder][] = [
    ['no-from', (id) => ({ raw: mail(id, { headers: drop('From') }), expect: 'quarantined' })],
    ['empty-from', (id) => ({ raw: mail(id, { headers: { From: '' } }), expect: 'quarantined' })],
    [
      'from-undisclosed-group',
      (id) => ({ raw: mail(id, { headers: { From: 'undisclosed-recipients:;' } }), expect: 'quarantined' }),
    ],
    [
      'from-no-at',
      (id) => ({ raw: mail(id, { headers: { From: 'Nobody <nobody>' } }), expect: 'quarantined' }),
    ],
    [
      'from-garbage',
      (id) => ({ raw: mail(id, { headers: { From: '<<<>>>@@@,,,;;;' } }), expect: 'quarantined' }),
    ],
    ['no-date', (id) => ({ raw: mail(id, { headers: drop('Date') }), expect: 'ingested' })],
    [
      'bad-date',
      (id) => ({ raw: mail(id, { headers: { Date: 'the day after tomorrow' } }), expect: 'ingested' }),
    ],
    [
      'date-year-99999',
      (id) => ({
        raw: mail(id, { headers: { Date: 'Tue, 01 Apr 99999 10:00:00 +0000' } }),
        expect: 'ingested',
      }),
    ],
    [
      'date-epoch-negative',
      (id) => ({
        raw: mail(id, { headers: { Date: 'Thu, 01 Jan 1900 00:00:00 +9999' } }),
        expect: 'ingested',
      }),
    ],
    ['no-message-id', (id) => ({ raw: mail(id, { headers: drop('Message-ID') }), expect: 'ingested' })],
    ['empty-message-id', (id) => ({ raw: mail(id, { headers: { 'Message-ID': '' } }), expect: 'ingested' })],
    [
      'message-id-brackets-only',
      (id) => ({ raw: mail(id, { headers: { 'Message-ID': '<>' } }), expect: 'ingested' }),
    ],
    [
      'message-id-with-nul',
      (id) => ({
        raw: mail(id, { headers: { 'Message-ID': `<nul\u0000${id}@hostile.test>` } }),
        expect: 'any',
      }),
    ],
    [
      'message-id-sha256-lookalike',
      (id) => ({
        raw: mail(id, { headers: { 'Message-ID': `<sha256:${'0'.repeat(60)}${id.length}>` } }),
        expect: 'ingested',
      }),
    ],
    ['no-subject', (id) => ({ raw: mail(id, { headers: drop('Subject') }), expect: 'ingested' })],
    ['no-mime-version', (id) => ({ raw: mail(id, { headers: drop('MIME-Version') }), expect: 'ingested' })],
    ['no-content-type', (id) => ({ raw: mail(id, { contentType: null }), expect: 'ingested' })],
    [
      'nothing-but-from',
      (id) => ({
        raw: Buffer.from(`From: sender-${id.length}-only@hostile.test${CRLF}${CRLF}Visible words ${id}`),
        expect: 'ingested',
      }),
    ],
    [
      'no-from-no-date-no-id',
      (id) => ({ raw: mail(id, { headers: drop('From', 'Date', 'Message-ID') }), expect: 'quarantined' }),
    ],
    [
      'sender-but-no-from',
      (id) => ({
        raw: mail(id, { headers: { From: null, Sender: `sender-only@hostile.test` } }),
        expect: 'any',
      }),
    ],
    [
      'multiple-message-ids',
      (id) => ({
        raw: mail(id, { extraHeaderLines: [`Message-ID: <second-${id}@hostile.test>`] }),
        expect: 'ingested',
      }),
    ],
    [
      'message-id-list',
      (id) => ({
        raw: mail(id, { headers: { 'Message-ID': `<a-${id}@hostile.test> <b-${id}@hostile.test>` } }),
        expect: 'ingested',
      }),
    ],
  ];
  // Duplicate Message-IDs: the first is ingested, every later copy (different bytes) is the same email.
  for (let copy = 0; copy < 4; copy++) {
    cases.push([
      `duplicate-message-id-copy-${copy}`,
      (id) => ({
        raw: mail(id, {
          headers: { 'Message-ID': '<same-for-all-copies@hostile.test>', Subject: `Copy ${copy}` },
          body: `<script>copy ${copy}</script>`,
        }),
        expect: 'any',
      }),
    ]);
  }
  return cases;
}

function filenames(): [string, Builder][] {
  const names = [
    '../../../../etc/passwd',
    '..\\..\\..\\windows\\system32\\config\\sam',
    '/absolute/path/evil.sh',
    'C:\\Users\\evil.exe',
    '....//....//evil',
    '%2e%2e%2f%2e%2e%2fevil',
    'CON',
    'nul.txt',
    'LPT1.pdf',
    '.htaccess',
    '...',
    ' ',
    '',
    'invoice.pdf\u202egpj.exe',
    'a'.repeat(10_000),
    `${'b'.repeat(300)}.pdf`,
    '\u00e9'.repeat(2000),
    '\ud83d\ude00'.repeat(500),
    'file<script>alert(1)</script>.html',
    'x" onload="alert(1).svg',
    'evil.svg',
    'evil.html',
    'name\u0000.exe.pdf',
    'name\r\nContent-Type: text/html.txt',
    'quote\'"`.txt',
    'semi;colon=equals.txt',
    'tab\tname.txt',
    '\u200b\u200b\u200b',
    'unicode-\u2215slash\u2044.txt',
    'trailing-dot...',
  ];
  const cases: [string, Builder][] = [];
  names.forEach((name, i) => {
    cases.push([
      `encoded-${i}`,
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: multipart('b1', [
            textPart(`Visible words ${id}`),
            attachmentPart(
              `filename="${encodedWord(name)}"`,
              Buffer.from(`content ${i}`),
              i === 20 ? 'image/svg+xml' : i === 21 ? 'text/html' : 'application/octet-stream',
            ),
          ]),
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ]);
  });
  cases.push([
    'rfc2231-continuations-500',
    (id) => ({
      raw: mail(id, {
        contentType: 'multipart/mixed; boundary="b1"',
        body: multipart('b1', [
          textPart(`Visible words ${id}`),
          attachmentPart(
            Array.from({ length: 500 }, (_, i) => `filename*${i}*=utf-8''%2e%2e%2f${i}`).join('; '),
            Buffer.from('x'),
          ),
        ]),
      }),
      expect: 'ingested',
    }),
  ]);
  cases.push([
    'name-and-filename-disagree',
    (id) => ({
      raw: mail(id, {
        contentType: 'multipart/mixed; boundary="b1"',
        body: multipart('b1', [
          textPart(`Visible words ${id}`),
          `Content-Type: text/html; name="../evil.html"${CRLF}Content-Disposition: attachment; filename="safe.txt"${CRLF}${CRLF}<script>alert(1)</script>`,
        ]),
      }),
      expect: 'ingested',
    }),
  ]);
  cases.push([
    'content-type-header-injection',
    (id) => ({
      raw: mail(id, {
        contentType: 'multipart/mixed; boundary="b1"',
        body: multipart('b1', [
          textPart(`Visible words ${id}`),
          `Content-Type: text/html<script>; charset="\u00ff\u0000"${CRLF}Content-Disposition: attachment; filename="t.html"${CRLF}${CRLF}<script>alert(1)</script>`,
        ]),
      }),
      expect: 'any',
    }),
  ]);
  cases.push([
    '2000-tiny-attachments',
    (id) => ({
      raw: mail(id, {
        contentType: 'multipart/mixed; boundary="b1"',
        body: multipart('b1', [
          textPart(`Visible words ${id}`),
          ...Array.from({ length: 2000 }, (_, i) =>
            attachmentPart(`filename="${'t'.repeat(150)}-${i}.txt"`, Buffer.from(`tiny ${i}`)),
          ),
        ]),
      }),
      expect: 'any',
    }),
  ]);
  return cases;
}

function compressible(): [string, Builder][] {
  const mb = 1024 * 1024;
  const attach = (id: string, parts: string[]) =>
    mail(id, {
      contentType: 'multipart/mixed; boundary="b1"',
      body: multipart('b1', [textPart(`Visible words ${id}`), ...parts]),
    });
  return [
    [
      'zeros-1mb',
      (id) => ({
        raw: attach(id, [attachmentPart('filename="zeros.bin"', Buffer.alloc(mb))]),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ],
    [
      'zeros-9mb',
      (id) => ({
        raw: attach(id, [attachmentPart('filename="zeros.bin"', Buffer.alloc(9 * mb))]),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ],
    [
      'zeros-over-attachment-limit',
      (id) => ({
        raw: attach(id, [attachmentPart('filename="too-big.bin"', Buffer.alloc(10 * mb + 1))]),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ],
    [
      'gzip-of-200mb-zeros',
      (id) => ({
        raw: attach(id, [
          attachmentPart(
            'filename="bomb.gz"',
            gzipSync(Buffer.alloc(200 * mb), { level: 9 }),
            'application/gzip',
          ),
        ]),
        expect: 'ingested',
      }),
    ],
    [
      'gzip-of-gzip',
      (id) => ({
        raw: attach(id, [
          attachmentPart(
            'filename="bomb.gz.gz"',
            gzipSync(gzipSync(Buffer.alloc(50 * mb), { level: 9 }), { level: 9 }),
            'application/gzip',
          ),
        ]),
        expect: 'ingested',
      }),
    ],
    [
      'gzip-transfer-encoded-html',
      (id) => ({
        raw: mail(id, {
          contentType: 'text/html',
          transferEncoding: 'base64',
          headers: { 'Content-Encoding': 'gzip' },
          body: b64(gzipSync(`<script>alert(1)</script>${'<p>a</p>'.repeat(500_000)}`)),
        }),
        expect: 'any',
      }),
    ],
    [
      'many-identical-attachments',
      (id) => ({
        raw: attach(
          id,
          Array.from({ length: 20 }, (_, i) =>
            attachmentPart(`filename="same-${i}.bin"`, Buffer.alloc(512 * 1024, 0x41)),
          ),
        ),
        expect: 'ingested',
      }),
    ],
    [
      'repetitive-text-8mb',
      (id) => ({
        raw: mail(id, { body: `Visible words ${id} ${'compress me '.repeat(700_000)}` }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ],
    [
      'repetitive-html-4mb',
      (id) => ({
        raw: mail(id, {
          contentType: 'text/html; charset=utf-8',
          body: `<p>Visible words ${id}</p>${'<b onclick=alert(1)>x</b>'.repeat(160_000)}`,
        }),
        expect: 'ingested',
      }),
    ],
    [
      'html-6mb-over-sanitize-limit',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/alternative; boundary="b1"',
          body: multipart('b1', [
            textPart(`Visible words ${id}`),
            htmlPart(`<script>alert(1)</script>${'<i>y</i>'.repeat(800_000)}`),
          ]),
        }),
        expect: 'any',
      }),
    ],
    [
      'over-total-limit',
      (id) => ({
        raw: attach(id, [attachmentPart('filename="huge.bin"', Buffer.alloc(20 * mb))]),
        expect: 'quarantined',
      }),
    ],
    [
      'zip-stored-bomb-header',
      (id) => ({
        raw: attach(id, [attachmentPart('filename="bomb.zip"', zipOfZeros(), 'application/zip')]),
        expect: 'ingested',
      }),
    ],
  ];
}

/** A one-entry zip whose entry claims 4 GiB of zeros, deflated to a few kilobytes. */
function zipOfZeros(): Buffer {
  const data = gzipSync(Buffer.alloc(16 * 1024 * 1024)).subarray(10, -8);
  const name = Buffer.from('zeros.bin');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(0xffffffff, 22);
  local.writeUInt16LE(name.length, 26);
  return Buffer.concat([local, name, data]);
}

function rfc822Nesting(): [string, Builder][] {
  const inner = (id: string, html: string, extra = '') =>
    `From: Inner <inner@hostile.test>${CRLF}To: support@acme.test${CRLF}Subject: forwarded ${id}${CRLF}Message-ID: <inner-${id}@hostile.test>${CRLF}${extra}Content-Type: text/html; charset=utf-8${CRLF}${CRLF}${html}`;
  const cases: [string, Builder][] = [];
  XSS_VECTORS.slice(0, 12).forEach((vector, i) => {
    cases.push([
      `forwarded-xss-${i}`,
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="fw"',
          body: multipart('fw', [
            textPart(`Visible words ${id}`),
            `Content-Type: message/rfc822${CRLF}Content-Disposition: inline${CRLF}${CRLF}${inner(id, `<p>inner</p>${vector}`)}`,
          ]),
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ]);
  });
  cases.push([
    'rfc822-empty',
    (id) => ({
      raw: mail(id, {
        contentType: 'multipart/mixed; boundary="fw"',
        body: multipart('fw', [
          textPart(`Visible words ${id}`),
          `Content-Type: message/rfc822${CRLF}${CRLF}`,
        ]),
      }),
      expect: 'ingested',
    }),
  ]);
  cases.push([
    'rfc822-garbage',
    (id) => ({
      raw: mail(id, {
        contentType: 'multipart/mixed; boundary="fw"',
        body: multipart('fw', [
          textPart(`Visible words ${id}`),
          `Content-Type: message/rfc822${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}@@@###`,
        ]),
      }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'rfc822-top-level-html',
    (id) => ({
      raw: mail(id, {
        contentType: 'message/rfc822',
        body: inner(id, `<p>Visible words ${id}</p><img src=x onerror=alert(1)>`),
      }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'rfc822-bounce-lookalike',
    (id) => ({
      raw: mail(id, {
        contentType: 'multipart/report; report-type=delivery-status; boundary="r"',
        body: multipart('r', [
          textPart('Delivery failed'),
          `Content-Type: message/rfc822${CRLF}${CRLF}${inner(id, '<script>alert(1)</script>')}`,
        ]),
      }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'rfc822-headers-only-part',
    (id) => ({
      raw: mail(id, {
        contentType: 'multipart/mixed; boundary="fw"',
        body: multipart('fw', [
          textPart(`Visible words ${id}`),
          `Content-Type: text/rfc822-headers${CRLF}${CRLF}Message-ID: <${'h'.repeat(5000)}@x>${CRLF}Subject: <script>`,
        ]),
      }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'rfc822-global-utf8',
    (id) => ({
      raw: mail(id, {
        contentType: 'multipart/mixed; boundary="fw"',
        body: multipart('fw', [
          textPart(`Visible words ${id}`),
          `Content-Type: message/global${CRLF}${CRLF}${inner(id, '<svg onload=alert(1)>', 'X-Ü: ü\r\n')}`,
        ]),
      }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'rfc822-own-message-id',
    (id) => ({
      raw: mail(id, {
        contentType: 'multipart/mixed; boundary="fw"',
        body: multipart('fw', [
          textPart(`Visible words ${id}`),
          `Content-Type: message/rfc822${CRLF}${CRLF}${inner(id, 'x').replace(`<inner-${id}@hostile.test>`, `<${id.replace(/[^a-z0-9.-]+/gi, '.')}@hostile.test>`)}`,
        ]),
      }),
      expect: 'ingested',
    }),
  ]);
  return cases;
}

function tnefCalendar(): [string, Builder][] {
  // A minimal TNEF stream: signature, key, then attributes with lengths that lie.
  const tnef = (lie: number) => {
    const b = Buffer.alloc(64);
    b.writeUInt32LE(0x223e9f78, 0);
    b.writeUInt16LE(1, 4);
    b.writeUInt8(1, 6);
    b.writeUInt32LE(0x00069007, 7);
    b.writeUInt32LE(lie, 11);
    return b;
  };
  const ics = (body: string) =>
    `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n${body}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
  const cases: [string, Builder][] = [];
  for (const [i, lie] of [0, 1, 0xffff, 0x7fffffff, 0xffffffff].entries()) {
    cases.push([
      `winmail-dat-${i}`,
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: multipart('b1', [
            textPart(`Visible words ${id}`),
            attachmentPart('filename="winmail.dat"', tnef(lie), 'application/ms-tnef'),
          ]),
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ]);
  }
  cases.push([
    'winmail-dat-only',
    (id) => ({
      raw: mail(id, {
        contentType: 'application/ms-tnef; name="winmail.dat"',
        transferEncoding: 'base64',
        body: b64(tnef(42)),
      }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'vnd-ms-tnef-garbage',
    (id) => ({
      raw: mail(id, {
        contentType: 'multipart/mixed; boundary="b1"',
        body: multipart('b1', [
          textPart(`Visible words ${id}`),
          attachmentPart(
            'filename="winmail.dat"',
            Buffer.from('not tnef at all <script>'),
            'application/vnd.ms-tnef',
          ),
        ]),
      }),
      expect: 'ingested',
    }),
  ]);
  const events = [
    'UID:1\r\nSUMMARY:<script>alert(1)</script>\r\nDTSTART:20250401T100000Z',
    `UID:2\r\nDESCRIPTION:${'x'.repeat(200_000)}`,
    'UID:3\r\nDTSTART:not-a-date\r\nDTEND:99999999T999999Z',
    'UID:4\r\nRRULE:FREQ=SECONDLY;COUNT=999999999',
    'UID:5\r\nATTENDEE;CN="x\\nBcc: victim@injected.invalid":mailto:a@b\r\nORGANIZER:javascript:alert(1)',
    'UID:6\r\nURL:javascript:alert(1)\r\nATTACH:data:text/html,<script>alert(1)</script>',
    `${'BEGIN:VEVENT\r\n'.repeat(300)}UID:7`,
  ];
  events.forEach((event, i) => {
    cases.push([
      `calendar-part-${i}`,
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/alternative; boundary="b1"',
          body: multipart('b1', [
            textPart(`Visible words ${id}`),
            `Content-Type: text/calendar; method=REQUEST; charset=utf-8${CRLF}${CRLF}${ics(event)}`,
          ]),
        }),
        expect: 'ingested',
        visibleText: `Visible words ${id}`,
      }),
    ]);
  });
  cases.push([
    'calendar-top-level',
    (id) => ({
      raw: mail(id, {
        contentType: 'text/calendar; method=REQUEST',
        body: ics('UID:8\r\nSUMMARY:Meeting <img src=x onerror=alert(1)>'),
      }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'calendar-base64-garbage',
    (id) => ({
      raw: mail(id, { contentType: 'text/calendar', transferEncoding: 'base64', body: '####' }),
      expect: 'any',
    }),
  ]);
  cases.push([
    'vcard-attachment',
    (id) => ({
      raw: mail(id, {
        contentType: 'multipart/mixed; boundary="b1"',
        body: multipart('b1', [
          textPart(`Visible words ${id}`),
          attachmentPart(
            'filename="x.vcf"',
            Buffer.from('BEGIN:VCARD\r\nFN:<script>alert(1)</script>\r\nEND:VCARD'),
            'text/vcard',
          ),
        ]),
      }),
      expect: 'ingested',
    }),
  ]);
  return cases;
}

function empty(): [string, Builder][] {
  return [
    [
      'zero-bytes-but-header',
      (id) => ({ raw: Buffer.from(`X-Hostile-Case: ${id}${CRLF}`), expect: 'quarantined' }),
    ],
    [
      'only-crlf',
      (id) => ({ raw: Buffer.from(`X-Hostile-Case: ${id}${CRLF}${CRLF}${CRLF}`), expect: 'quarantined' }),
    ],
    [
      'only-whitespace-body',
      (id) => ({
        raw: Buffer.from(`X-Hostile-Case: ${id}${CRLF}${CRLF}   \t   ${CRLF}`),
        expect: 'quarantined',
      }),
    ],
    [
      'headers-no-body',
      (id) => ({
        raw: Buffer.from(
          mail(id)
            .toString('latin1')
            .replace(/\r\n\r\n[\s\S]*$/, CRLF),
        ),
        expect: 'ingested',
      }),
    ],
    ['headers-empty-body', (id) => ({ raw: mail(id, { body: '' }), expect: 'ingested' })],
    [
      'body-without-headers',
      (id) => ({ raw: Buffer.from(`${CRLF}Visible words ${id} <script>alert(1)</script>`), expect: 'any' }),
    ],
    [
      'empty-multipart',
      (id) => ({
        raw: mail(id, { contentType: 'multipart/mixed; boundary="b1"', body: `--b1--${CRLF}` }),
        expect: 'ingested',
      }),
    ],
    ['empty-html', (id) => ({ raw: mail(id, { contentType: 'text/html', body: '' }), expect: 'ingested' })],
    [
      'html-only-script',
      (id) => ({
        raw: mail(id, { contentType: 'text/html', body: '<script>alert(1)</script>' }),
        expect: 'ingested',
      }),
    ],
    [
      'html-only-whitespace',
      (id) => ({
        raw: mail(id, { contentType: 'text/html', body: '<html><body>  </body></html>' }),
        expect: 'ingested',
      }),
    ],
    [
      'empty-subject-and-body',
      (id) => ({ raw: mail(id, { headers: { Subject: '' }, body: '' }), expect: 'ingested' }),
    ],
    [
      'from-only-no-body',
      (id) => ({
        raw: Buffer.from(`From: empty-${id.length}@hostile.test${CRLF}X-Hostile-Case: ${id}${CRLF}${CRLF}`),
        expect: 'ingested',
      }),
    ],
    [
      'only-attachment-empty',
      (id) => ({
        raw: mail(id, {
          contentType: 'multipart/mixed; boundary="b1"',
          body: multipart('b1', [attachmentPart('filename="empty.bin"', Buffer.alloc(0))]),
        }),
        expect: 'ingested',
      }),
    ],
    ['single-byte-body', (id) => ({ raw: mail(id, { body: '.' }), expect: 'ingested' })],
    [
      'dot-stuffed-lines',
      (id) => ({ raw: mail(id, { body: `..${CRLF}.${CRLF}...${CRLF}` }), expect: 'ingested' }),
    ],
    [
      'mbox-from-line',
      (id) => ({
        raw: Buffer.concat([Buffer.from(`From MAILER-DAEMON Thu Jan  1 00:00:00 1970${CRLF}`), mail(id)]),
        expect: 'any',
      }),
    ],
  ];
}

const FAMILIES: [HostileFamily, () => [string, Builder][]][] = [
  ['boundaries', boundaries],
  ['deep-nesting', deepNesting],
  ['huge-headers', hugeHeaders],
  ['charsets', charsets],
  ['header-injection', headerInjection],
  ['html-script', htmlScript],
  ['transfer-encoding', transferEncoding],
  ['missing-headers', missingHeaders],
  ['filenames', filenames],
  ['compressible', compressible],
  ['rfc822-nesting', rfc822Nesting],
  ['tnef-calendar', tnefCalendar],
  ['empty', empty],
];

/** Every case, in a fixed order. Bytes are built lazily: the big ones only when asked for. */
export function hostileCases(): { name: string; family: HostileFamily; build(): HostileCase }[] {
  return FAMILIES.flatMap(([family, make]) =>
    make().map(([variant, builder]) => {
      const name = `${family}/${variant}`;
      return { name, family, build: () => ({ name, family, ...builder(name) }) };
    }),
  );
}
