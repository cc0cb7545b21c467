import sanitizeHtml from 'sanitize-html';

// Raster formats only: an SVG data: URI can carry script when opened on its own.
const SAFE_DATA_IMAGE = /^data:image\/(?:png|gif|jpe?g|webp|bmp);/;

// Allowlisted inline styles: formatting only. No url(), expression() or positioning,
// which could load remote content or overlay the agent UI.
const COLOR = [/^#[0-9a-f]{3,8}$/i, /^[a-z]+$/i, /^rgba?\(\s*[\d.%\s,]+\)$/i];
const LENGTH = [/^-?\d+(?:\.\d+)?(?:px|em|rem|%|pt)?$/i];
const ALLOWED_STYLES = {
  '*': {
    color: COLOR,
    'background-color': COLOR,
    'font-weight': [/^(?:normal|bold|bolder|lighter|\d{3})$/i],
    'font-style': [/^(?:normal|italic|oblique)$/i],
    'font-size': [...LENGTH, /^(?:x{0,2}-?small|medium|x{0,2}-?large|smaller|larger)$/i],
    'font-family': [/^[\w\s,"'-]+$/],
    'text-decoration': [/^(?:none|underline|line-through|overline)$/i],
    'text-align': [/^(?:left|right|center|justify)$/i],
    'vertical-align': [/^(?:top|middle|bottom|baseline)$/i],
    'white-space': [/^(?:normal|pre|pre-wrap|nowrap)$/i],
    padding: [/^(?:-?\d+(?:\.\d+)?(?:px|em|%)?\s*){1,4}$/i],
    margin: [/^(?:-?\d+(?:\.\d+)?(?:px|em|%)?\s*){1,4}$/i],
    width: LENGTH,
    height: LENGTH,
    border: [/^[\w\s#.,()%-]+$/],
  },
};

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'a',
    'abbr',
    'address',
    'b',
    'big',
    'blockquote',
    'br',
    'caption',
    'center',
    'cite',
    'code',
    'col',
    'colgroup',
    'dd',
    'del',
    'div',
    'dl',
    'dt',
    'em',
    'font',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'hr',
    'i',
    'img',
    'ins',
    'kbd',
    'li',
    'mark',
    'ol',
    'p',
    'pre',
    'q',
    's',
    'samp',
    'small',
    'span',
    'strike',
    'strong',
    'sub',
    'sup',
    'table',
    'tbody',
    'td',
    'tfoot',
    'th',
    'thead',
    'tr',
    'tt',
    'u',
    'ul',
    'wbr',
  ],
  allowedAttributes: {
    '*': ['style', 'dir', 'lang', 'title', 'align'],
    a: ['href', 'name', 'rel', 'target'],
    img: ['src', 'alt', 'width', 'height'],
    font: ['color', 'face', 'size'],
    table: ['width', 'border', 'cellpadding', 'cellspacing', 'bgcolor'],
    td: ['colspan', 'rowspan', 'valign', 'width', 'bgcolor'],
    th: ['colspan', 'rowspan', 'valign', 'width', 'bgcolor'],
    col: ['span', 'width'],
    colgroup: ['span', 'width'],
    ol: ['start', 'type'],
    blockquote: ['cite'],
  },
  allowedStyles: ALLOWED_STYLES,
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  // `cid:` points at an inline attachment of the same message; `data:` is narrowed to images below.
  allowedSchemesByTag: { img: ['http', 'https', 'cid', 'data'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  // Content of these is dropped entirely, not just the tags.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'template', 'xmp'],
  disallowedTagsMode: 'discard',
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' },
    }),
    img: (tagName, attribs) => {
      const { src, ...rest } = attribs;
      if (src === undefined) return { tagName, attribs: rest };
      // Browsers ignore embedded whitespace/control characters in schemes, so must we.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
      const compact = src.replace(/[\u0000-\u0020]+/g, '').toLowerCase();
      if (compact.startsWith('data:') && !SAFE_DATA_IMAGE.test(compact)) return { tagName, attribs: rest };
      return { tagName, attribs: { ...rest, src } };
    },
  },
};

/** Allowlist-sanitises email HTML for display in the agent UI. */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}

// Link targets in text: `[target]` as html-to-text writes an anchor's href, or a bare script-running URL.
// Browsers ignore ASCII whitespace and control characters inside a scheme, so the bracketed patterns do too;
// an auto-linker stops at whitespace, so a bare URL is one unbroken token.
const GAP = '[\\u0000-\\u0020]*';
const SCRIPT_SCHEMES = ['javascript', 'vbscript', 'livescript', 'data'];
const spaced = (scheme: string) => [...scheme].join(GAP);
const BRACKETED_SCRIPT_TARGET = new RegExp(
  `[ \\t]?\\[${GAP}(?:${SCRIPT_SCHEMES.map(spaced).join('|')})${GAP}:[^\\]\\n]*\\]`,
  'giu',
);
const BRACKETED_TARGET = new RegExp(`[ \\t]?\\[${GAP}([a-z][a-z0-9+.\\-]*)${GAP}:[^\\]\\s]*\\]`, 'giu');
const BARE_SCRIPT_URL = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${SCRIPT_SCHEMES.join('|')}):[^\\s\\]<>"']+`,
  'giu',
);
const TEXT_LINK_SCHEMES = new Set(['http', 'https', 'mailto']);

/**
 * Removes link targets that could run or embed something when a client auto-links the plain text:
 * bracketed targets (from converted HTML) of any scheme but http, https and mailto, and bare
 * `javascript:`, `vbscript:` or `data:` URLs anywhere. The words around them stay.
 */
export function sanitizeEmailText(text: string): string {
  return text
    .replace(BRACKETED_SCRIPT_TARGET, '')
    .replace(BRACKETED_TARGET, (match, scheme: string) =>
      TEXT_LINK_SCHEMES.has(scheme.toLowerCase()) ? match : '',
    )
    .replace(BARE_SCRIPT_URL, '[link removed]');
}
