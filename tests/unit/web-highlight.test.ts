import { describe, expect, it } from 'vitest';
import { snippetParts } from '../../web/src/highlight.js';

describe('snippetParts', () => {
  it('splits [[matches]] from the text around them', () => {
    expect(snippetParts('the [[printer]] is on [[fire]]')).toEqual([
      { text: 'the ', match: false },
      { text: 'printer', match: true },
      { text: ' is on ', match: false },
      { text: 'fire', match: true },
    ]);
  });

  it('keeps markup-looking text as text and a snippet without matches whole', () => {
    expect(snippetParts('<b>[[x]]</b>')).toEqual([
      { text: '<b>', match: false },
      { text: 'x', match: true },
      { text: '</b>', match: false },
    ]);
    expect(snippetParts('no match here')).toEqual([{ text: 'no match here', match: false }]);
    expect(snippetParts('')).toEqual([]);
  });
});
