import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSurveyLinks } from '../../src/surveys/signed-links.js';

const links = createSurveyLinks('https://help.example.test', 'a-signing-key-that-is-long-enough-0001');
const tokenOf = (url: string) => url.split('/csat/')[1]!;

describe('signed survey links', () => {
  it('name the survey under the public URL and verify back to its id', () => {
    const id = randomUUID();
    const url = links.url(id);
    expect(url.startsWith('https://help.example.test/csat/')).toBe(true);
    expect(links.verify(tokenOf(url))).toBe(id);
    expect(links.url(id)).toBe(url);
  });

  it('refuse another survey id, a changed signature, another key and malformed tokens', () => {
    const id = randomUUID();
    const [, signature] = tokenOf(links.url(id)).split('.');
    const otherKey = createSurveyLinks('https://help.example.test', 'another-signing-key-long-enough-00002');
    expect(links.verify(`${randomUUID()}.${signature}`)).toBeNull();
    expect(links.verify(`${id}.${signature!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`)).toBeNull();
    expect(links.verify(tokenOf(otherKey.url(id)))).toBeNull();
    for (const bad of ['', id, `${id}.`, `.${signature}`, `${id}.${signature}.x`, `not-a-uuid.${signature}`])
      expect(links.verify(bad), bad).toBeNull();
  });
});
