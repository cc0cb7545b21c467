import { describe, expect, it } from 'vitest';
import { filesProblem, MAX_FILES, MAX_TOTAL_BYTES, sizeText, toUpload } from '../../web/src/files.js';

const fileOf = (name: string, bytes: number) => new File([new Uint8Array(bytes)], name);

describe('the composer’s files', () => {
  it('accepts up to the API’s count and a total that fits its body limit', () => {
    expect(filesProblem([])).toBeNull();
    expect(filesProblem(Array.from({ length: MAX_FILES }, (_, i) => fileOf(`${i}.txt`, 1)))).toBeNull();
    expect(filesProblem([fileOf('big.bin', MAX_TOTAL_BYTES)])).toBeNull();
  });

  it('says in words why files cannot go', () => {
    expect(filesProblem(Array.from({ length: MAX_FILES + 1 }, (_, i) => fileOf(`${i}.txt`, 1)))).toBe(
      'a message carries at most 10 files',
    );
    expect(filesProblem([fileOf('a.txt', 3), fileOf('empty.txt', 0)])).toBe('empty.txt is empty');
    expect(filesProblem([fileOf('a.bin', MAX_TOTAL_BYTES), fileOf('b.bin', 1024 * 1024)])).toBe(
      'a message’s files may total 20.0 MB; these are 21.0 MB',
    );
  });

  it('writes sizes as people read them', () => {
    expect(sizeText(1)).toBe('1 kB');
    expect(sizeText(1536)).toBe('2 kB');
    expect(sizeText(3 * 1024 * 1024)).toBe('3.0 MB');
  });

  it('encodes a file as the API takes it, whatever its size and type', async () => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256);
    const upload = await toUpload(new File([bytes], 'data.bin', { type: 'application/x-custom+thing' }));
    expect(Buffer.from(upload.contentBase64, 'base64').equals(Buffer.from(bytes))).toBe(true);
    expect(upload).toMatchObject({ filename: 'data.bin', mimeType: 'application/x-custom+thing' });
    expect((await toUpload(new File(['x'], 'odd', { type: 'text/plain; charset=utf-8' }))).mimeType).toBe(
      'application/octet-stream',
    );
  });
});
