// Text and numbers from an email made fit to store: PostgreSQL's limits, not the customer's words.

/** Strips NUL (PostgreSQL text and jsonb refuse it) and cuts to `maxBytes` of UTF-8. */
export function clean(
  text: string,
  maxBytes = Number.POSITIVE_INFINITY,
): { text: string; truncated: boolean } {
  const noNul = text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
  if (noNul.length * 3 <= maxBytes || Buffer.byteLength(noNul) <= maxBytes)
    return { text: noNul, truncated: false };
  const cut = Buffer.from(noNul)
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  return { text: cut, truncated: true };
}

/** A size as people read it: `820 KB`, `3.4 MB`. */
export const formatSize = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;

/** The ledger's integer column; a message can be bigger than that. */
export const sizeColumn = (bytes: number) => Math.min(bytes, 2 ** 31 - 1);
