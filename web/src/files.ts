// Files attached in the composer, sent in the reply's JSON body as the API takes them (base64).

/** The API takes at most 10 files a message (POST /tickets/{id}/messages). */
export const MAX_FILES = 10;
/** The API's body limit is 30 MB; base64 makes files a third larger, so 20 MB of files fit with room. */
export const MAX_TOTAL_BYTES = 20 * 1024 * 1024;
const MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+$/;

export interface Upload {
  filename: string;
  mimeType: string;
  contentBase64: string;
}

export const sizeText = (bytes: number) =>
  bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Why these files cannot go with one message, in words; null when they can. */
export function filesProblem(files: readonly File[]): string | null {
  if (files.length > MAX_FILES) return `a message carries at most ${MAX_FILES} files`;
  const empty = files.find((f) => f.size === 0);
  if (empty) return `${empty.name} is empty`;
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (total > MAX_TOTAL_BYTES)
    return `a message’s files may total ${sizeText(MAX_TOTAL_BYTES)}; these are ${sizeText(total)}`;
  return null;
}

/** One file as the API takes it; a type the API would refuse (or none) is sent as plain bytes. */
export async function toUpload(file: File): Promise<Upload> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  // btoa takes a binary string; built in slices, as one call per byte or one huge spread would not scale.
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return {
    filename: file.name,
    mimeType: MEDIA_TYPE.test(file.type) ? file.type : 'application/octet-stream',
    contentBase64: btoa(binary),
  };
}
