// What "renders script" means for a field the API documents as HTML, judged with a real HTML tokenizer
// (htmlparser2, which decodes entities in attribute values as a browser does) rather than substrings.
import { Parser } from 'htmlparser2';

// Elements that run script, load active content or restyle/redirect the agent's page.
const ACTIVE_TAGS = new Set([
  'script',
  'iframe',
  'frame',
  'frameset',
  'svg',
  'math',
  'object',
  'embed',
  'applet',
  'style',
  'link',
  'meta',
  'base',
  'form',
  'input',
  'button',
  'textarea',
  'select',
  'template',
  'noscript',
  'xmp',
  'isindex',
  'video',
  'audio',
  'source',
  'details',
  'marquee',
  'body',
  'html',
  'head',
]);
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'srcset',
  'action',
  'formaction',
  'background',
  'cite',
  'data',
  'poster',
  'lowsrc',
  'dynsrc',
  'xlink:href',
]);
const RASTER_DATA_URL = /^data:image\/(?:png|gif|jpe?g|webp|bmp);/;

/** Why `html` could run script or load active content when rendered; empty when it cannot. */
export function activeContentIn(html: string): string[] {
  const findings: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (ACTIVE_TAGS.has(name)) findings.push(`<${name}> element`);
        for (const [attribute, value] of Object.entries(attributes)) {
          if (/^on/i.test(attribute)) findings.push(`${attribute} handler on <${name}>`);
          // Browsers ignore whitespace and control characters inside a URL scheme.
          // biome-ignore lint/suspicious/noControlCharactersInRegex: they are what is removed
          const compact = value.replace(/[\u0000-\u0020]+/g, '').toLowerCase();
          if (URL_ATTRIBUTES.has(attribute.toLowerCase())) {
            if (/^(?:javascript|vbscript|livescript):/.test(compact))
              findings.push(`${attribute}=${compact.slice(0, 30)}`);
            if (compact.startsWith('data:') && !RASTER_DATA_URL.test(compact))
              findings.push(`${attribute}=${compact.slice(0, 30)}`);
          }
          if (attribute === 'style' && /url\(|expression\(|behavior|-moz-binding|javascript:/.test(compact))
            findings.push(`style=${compact.slice(0, 40)}`);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  // Belt and braces for what a lenient tokenizer might not see as a tag: in sanitised output a `<` that
  // is not markup is escaped, so these never appear in honest text.
  for (const m of html.matchAll(/<\s*\/?\s*(script|iframe|svg|object|embed|math)\b/gi))
    findings.push(`raw <${m[1]!.toLowerCase()}`);
  return findings;
}

/**
 * Why a plain-text field that is shown on one line (a title, a name, a filename) would break its line,
 * carry injected header lines or be cut short by a NUL; empty when it is clean.
 */
export function lineBreakersIn(text: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
  const hits = text.match(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g) ?? [];
  return [...new Set(hits)].map((c) => `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
