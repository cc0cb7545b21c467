// Heuristic removal of quoted history and signatures from a plain-text reply.
// Top-down scan: the first reply marker cuts everything after it; a forward marker
// found first stops the scan, because forwarded content is the substance of a new ticket.

const ORIGINAL_MESSAGE =
  /^\s*-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original|oorspronkelijk bericht|originalmeddelande)\s*-{2,}\s*$/i;

const FORWARD_MARKER =
  /^\s*(?:-{2,}\s*(?:forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|doorgestuurd bericht)\s*-{2,}|begin forwarded message:|anfang der weitergeleiteten nachricht:|début du message réexpédié :?)\s*$/i;

// Attribution lines, possibly wrapped by the sender's client over up to three lines.
const ATTRIBUTION = [
  /^On\s.{1,300}\swrote:$/is,
  /^Am\s.{1,300}\sschrieb\s?.{0,200}:$/is,
  /^Le\s.{1,300}\sa écrit\s?:$/is,
  /^El\s.{1,300}\sescribió:$/is,
  /^Op\s.{1,300}\sschreef\s?.{0,200}:$/is,
];
const ATTRIBUTION_START = /^\s*(?:On|Am|Le|El|Op)\s/;
// "<anyone> wrote:" immediately followed by quoted lines.
const BARE_ATTRIBUTION = /(?:wrote|schrieb|a écrit|escribió|schreef)\s?:$/i;

// Outlook header block field names (English, German, French, Spanish, Dutch, Swedish).
const HDR_FROM = /^\s*\*?(?:from|von|de|da|van|från)\s?:\*?\s/i;
const HDR_DATE =
  /^\s*\*?(?:sent|date|gesendet|datum|envoyé|enviado|fecha|verzonden|skickat|inviato)\s?:\*?\s/i;
const HDR_TO = /^\s*\*?(?:to|an|à|para|aan|till|a|cc)\s?:\*?\s/i;
const HDR_SUBJECT = /^\s*\*?(?:subject|betreff|objet|asunto|onderwerp|ämne|oggetto)\s?:\*?(.*)$/i;
const UNDERSCORE_RULE = /^\s*_{10,}\s*$/;

const SIGNATURE_DELIMITER = /^-- ?$/;
const MOBILE_SIGNATURE =
  /^\s*(?:sent from my [\w -]{2,40}|sent from (?:mail|outlook) for [\w -]{2,20}|sent from yahoo mail.*|get outlook for (?:ios|android)\b.*|von meinem [\w -]{2,40} gesendet|envoyé de mon [\w -]{2,40})\s*$/i;

const FORWARD_SUBJECT = /^\s*(?:fwd?|wg|tr|rv|doorst)\s*[:：]/i;

/** Whether a subject marks the message as a forward (for StripOptions.forwarded). */
export function isForwardSubject(subject: string): boolean {
  return FORWARD_SUBJECT.test(subject);
}

type Marker = { kind: 'cut'; line: number } | { kind: 'forward' } | null;

export interface StripOptions {
  /**
   * The message is a forward (subject starts with Fwd:/FW:/WG:/TR:). Outlook forwards look exactly
   * like Outlook replies in the body, so only the subject tells them apart.
   */
  forwarded?: boolean;
}

/** Returns the new content of a reply: quoted history and signature removed. Never empty if `text` has content. */
export function stripQuotedReply(text: string, options: StripOptions = {}): string {
  const original = text.replace(/\r\n?/g, '\n');
  const lines = original.split('\n');

  let kept: string[] = lines;
  for (let i = 0; i < lines.length; i++) {
    const marker = markerAt(lines, i, options.forwarded === true);
    if (marker === null) continue;
    if (marker.kind === 'forward') {
      // The forwarder's own signature sits above the marker; the forwarded part stays verbatim.
      kept = [...stripSignature(lines.slice(0, i)), '', ...lines.slice(i)];
      return finish(kept, original);
    }
    kept = lines.slice(0, marker.line);
    break;
  }
  kept = stripSignature(kept.filter((line) => !/^\s*>/.test(line)));
  return finish(kept, original);
}

function finish(kept: string[], original: string): string {
  const result = kept.join('\n').trim();
  return result === '' ? original.trim() : result;
}

function markerAt(lines: string[], i: number, forwarded: boolean): Marker {
  const line = lines[i] ?? '';
  if (FORWARD_MARKER.test(line)) return { kind: 'forward' };

  if (ORIGINAL_MESSAGE.test(line)) return forwarded ? { kind: 'forward' } : { kind: 'cut', line: i };

  if (HDR_FROM.test(line) && isHeaderBlock(lines, i)) {
    if (forwarded) return { kind: 'forward' };
    // Include Outlook's underscore rule (and blank lines before the block) in the cut.
    let start = i;
    while (start > 0 && (lines[start - 1] ?? '').trim() === '') start--;
    if (start > 0 && UNDERSCORE_RULE.test(lines[start - 1] ?? '')) start--;
    return { kind: 'cut', line: start };
  }

  for (let span = 1; ATTRIBUTION_START.test(line) && span <= 3 && i + span <= lines.length; span++) {
    const joined = lines
      .slice(i, i + span)
      .map((l) => l.trim())
      .join(' ');
    if (ATTRIBUTION.some((re) => re.test(joined))) return { kind: 'cut', line: i };
  }

  if (BARE_ATTRIBUTION.test(line.trim()) && /^\s*>/.test(nextNonEmpty(lines, i + 1) ?? '')) {
    return { kind: 'cut', line: i };
  }
  return null;
}

// A From line followed, within a few lines, by a date/sent line and a subject or to line.
function isHeaderBlock(lines: string[], from: number): boolean {
  let date = false;
  let toOrSubject = false;
  for (let j = from + 1; j < Math.min(lines.length, from + 8); j++) {
    const l = lines[j] ?? '';
    if (HDR_DATE.test(l)) date = true;
    if (HDR_TO.test(l) || HDR_SUBJECT.test(l)) toOrSubject = true;
  }
  return date && toOrSubject;
}

function nextNonEmpty(lines: string[], from: number): string | undefined {
  for (let j = from; j < lines.length; j++) {
    if ((lines[j] ?? '').trim() !== '') return lines[j];
  }
  return undefined;
}

function stripSignature(lines: string[]): string[] {
  const sig = lines.findIndex((l) => SIGNATURE_DELIMITER.test(l));
  let end = sig >= 0 ? sig : lines.length;
  // Mobile signatures only count at the end, so a sentence mentioning "sent from my phone" survives.
  for (;;) {
    while (end > 0 && (lines[end - 1] ?? '').trim() === '') end--;
    if (end === 0 || !MOBILE_SIGNATURE.test(lines[end - 1] ?? '')) return lines.slice(0, end);
    end--;
  }
}
