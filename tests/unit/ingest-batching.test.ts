import { describe, expect, it } from 'vitest';
import { conversationKeys, groupByConversation } from '../../src/ingest/batching.js';

const mail = (headers: string) =>
  Buffer.from(`${headers.trim().replace(/\n/g, '\r\n')}\r\n\r\nbody <x@y>\r\n`);

describe('conversationKeys', () => {
  it('reads Message-IDs, references, the sender and the ticket token from the headers only', () => {
    const keys = conversationKeys(
      mail(`
From: "Doe, Jane" <Jane@Example.COM>
Subject: Re: [#42] Printer
Message-ID: <a@x>
In-Reply-To: <b@x>
References: <c@x>
 <B@X>
`),
    );
    expect(keys.sort()).toEqual(['from:jane@example.com', 'id:a@x', 'id:b@x', 'id:c@x', 'token:42']);
  });

  it('finds nothing in an empty message', () => {
    expect(conversationKeys(Buffer.from('\r\n\r\n'))).toEqual([]);
  });
});

describe('groupByConversation', () => {
  const items = [
    { uid: 1, keys: ['id:a', 'from:x'] },
    { uid: 2, keys: ['id:b', 'from:y'] },
    { uid: 3, keys: ['id:c', 'id:a', 'from:z'] }, // answers 1
    { uid: 4, keys: ['from:y'] }, // same sender as 2
    { uid: 5, keys: [] },
    { uid: 6, keys: ['token:7', 'from:w'] },
    { uid: 7, keys: ['token:7', 'from:v', 'id:b'] }, // joins 2 and 6 together
  ];

  it('keeps related emails together and in UID order, unrelated ones apart', () => {
    const groups = groupByConversation(items, (i) => i.keys).map((g) => g.map((i) => i.uid));
    expect(groups).toEqual([[1, 3], [2, 4, 6, 7], [5]]);
  });
});
