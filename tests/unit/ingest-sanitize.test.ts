import { describe, expect, it } from 'vitest';
import { parseInboundEmail } from '../../src/ingest/parse.js';
import { sanitizeEmailHtml, sanitizeEmailText } from '../../src/ingest/sanitize.js';

// Markers that must never survive sanitisation, whatever the vector.
const FORBIDDEN = [
  /<script/i,
  /<style/i,
  /<iframe/i,
  /<object/i,
  /<embed/i,
  /<form/i,
  /<input/i,
  /<svg/i,
  /<math/i,
  /<meta/i,
  /<link/i,
  /<base/i,
  /\son[a-z]+\s*=/i,
  /javascript:/i,
  /vbscript:/i,
  /data:text/i,
  /data:image\/svg/i,
  /expression\(/i,
  /url\(/i,
];

const XSS_VECTORS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '<img src=x onerror=alert(1)>',
  '<img src="x" ONERROR="alert(1)">',
  '<img/src="x"/onerror=alert(1)>',
  '<body onload=alert(1)>',
  '<svg onload=alert(1)><circle/></svg>',
  '<svg><script>alert(1)</script></svg>',
  '<math><mtext><script>alert(1)</script></mtext></math>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="JaVaScRiPt:alert(1)">x</a>',
  '<a href="java&#x09;script:alert(1)">x</a>',
  '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
  '<a href=" javascript:alert(1)">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<img src="data:text/html;base64,PHNjcmlwdD4=">',
  '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
  '<img src=" data:text/html,<script>alert(1)</script>">',
  '<iframe src="https://evil.example"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<object data="evil.swf"></object><embed src="evil.swf">',
  '<form action="https://evil.example"><input name="p"><button>go</button></form>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<link rel="stylesheet" href="https://evil.example/x.css">',
  '<base href="https://evil.example/">',
  '<style>body{background:url(javascript:alert(1))}</style>',
  '<div style="background-image:url(javascript:alert(1))">x</div>',
  '<div style="width: expression(alert(1))">x</div>',
  '<p style="color:red;background:url(https://tracker.example/p.gif)">x</p>',
  '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
  '<div onmouseover="alert(1)">hover</div>',
  '<a href="https://ok.example" onclick="alert(1)">x</a>',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
  '<textarea><script>alert(1)</script></textarea>',
  '<scr<script>ipt>alert(1)</script>',
  '"><script>alert(1)</script>',
  '<xmp><script>alert(1)</script></xmp>',
  '<template><script>alert(1)</script></template>',
];

describe('sanitizeEmailHtml', () => {
  it.each(XSS_VECTORS)('neutralises %s', (vector) => {
    const out = sanitizeEmailHtml(`<p>before</p>${vector}<p>after</p>`);
    for (const re of FORBIDDEN) expect(out).not.toMatch(re);
    expect(out).toContain('before');
  });

  it('keeps formatting, lists and tables', () => {
    const html =
      '<p><b>bold</b> <i>it</i> <u>u</u> <strong>s</strong></p><ul><li>a</li></ul>' +
      '<table border="1"><tr><td colspan="2">cell</td></tr></table><blockquote>q</blockquote><pre>code</pre>';
    expect(sanitizeEmailHtml(html)).toBe(html);
  });

  it('drops the content of script, style and title, not just the tags', () => {
    const out = sanitizeEmailHtml(
      '<html><head><title>T</title><style>p{}</style></head><body>x<script>evil()</script></body></html>',
    );
    expect(out).toBe('x');
  });

  it('adds rel and target to links and overrides sender-supplied values', () => {
    const out = sanitizeEmailHtml('<a href="https://acme.example/x" rel="opener" target="_self">x</a>');
    expect(out).toBe(
      '<a href="https://acme.example/x" rel="noopener noreferrer nofollow" target="_blank">x</a>',
    );
  });

  it('keeps mailto links', () => {
    expect(sanitizeEmailHtml('<a href="mailto:a@b.example">m</a>')).toContain('href="mailto:a@b.example"');
  });

  it('allows cid: and raster data: images, nothing else of data:', () => {
    expect(sanitizeEmailHtml('<img src="cid:logo@x.example" alt="logo">')).toContain(
      'src="cid:logo@x.example"',
    );
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    expect(sanitizeEmailHtml(`<img src="${png}">`)).toBe(`<img src="${png}" />`);
    expect(sanitizeEmailHtml('<img src="data:image/svg+xml;base64,PHN2Zz4=">')).toBe('<img />');
    expect(sanitizeEmailHtml('<a href="cid:logo@x.example">x</a>')).not.toContain('cid:');
  });

  it('keeps harmless inline styles and drops the rest', () => {
    const out = sanitizeEmailHtml('<span style="color:#ff0000;position:fixed;font-weight:bold">x</span>');
    expect(out).toContain('color:#ff0000');
    expect(out).toContain('font-weight:bold');
    expect(out).not.toContain('position');
  });

  it('escapes text so it cannot become markup', () => {
    expect(sanitizeEmailHtml('a &lt;script&gt; b')).toBe('a &lt;script&gt; b');
  });
});

/** An HTML-only email: its plain text is converted from the HTML by the parser. */
const htmlOnlyEmail = (html: string) =>
  Buffer.from(
    [
      'From: Carla <carla@customer.example>',
      'To: support@acme.example',
      'Subject: Links',
      'Date: Tue, 01 Apr 2025 10:00:00 +0000',
      'Message-ID: <links@customer.example>',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      '',
      html,
      '',
    ].join('\r\n'),
  );
const LIMITS = { maxAttachmentBytes: 1024 * 1024, maxTotalBytes: 10 * 1024 * 1024 };
const SCRIPT_URL = /javascript|vbscript|data:/i;

describe('plain text of an email', () => {
  it.each(XSS_VECTORS.filter((v) => /href|src|background/i.test(v)))(
    'keeps no script URL from %s',
    async (vector) => {
      const e = await parseInboundEmail(htmlOnlyEmail(`<p>before</p>${vector}<p>after</p>`), LIMITS);
      expect(e.textBody).not.toMatch(SCRIPT_URL);
      expect(e.strippedText).not.toMatch(SCRIPT_URL);
      expect(e.textBody).toContain('after');
    },
  );

  it('keeps the words of a script link and the targets of web and mail links', async () => {
    const e = await parseInboundEmail(
      htmlOnlyEmail(
        '<p><a href="javascript:alert(3)">details</a> <a href="https://acme.example/docs">docs</a> ' +
          '<a href="mailto:help@acme.example">write</a> <a href="file:///etc/passwd">file</a></p>',
      ),
      LIMITS,
    );
    expect(e.textBody).toContain('details');
    expect(e.textBody).toContain('[https://acme.example/docs]');
    expect(e.textBody).toContain('help@acme.example');
    expect(e.textBody).toContain('file');
    expect(e.textBody).not.toMatch(/javascript|file:/i);
  });

  it('removes bare script URLs from text the customer wrote, and leaves prose alone', () => {
    expect(sanitizeEmailText('click javascript:alert(document.cookie) now')).toBe('click [link removed] now');
    expect(sanitizeEmailText('see <vbscript:msgbox(1)>')).toBe('see <[link removed]>');
    expect(sanitizeEmailText('img data:text/html;base64,PHNjcmlwdD4= here')).toBe('img [link removed] here');
    expect(sanitizeEmailText('details [java\tscript:alert(1)] end')).toBe('details end');
    expect(sanitizeEmailText('details [ javascript: alert(1)] end')).toBe('details end');
    const prose = 'Javascript: the button fails.\nCustomer data: 5 GB lost. [Note: see below] metadata:x';
    expect(sanitizeEmailText(prose)).toBe(prose);
    const links = 'docs [https://acme.example/a?b=c] and [mailto:a@b.example]';
    expect(sanitizeEmailText(links)).toBe(links);
  });
});
