// Which emails of a batch may be ingested at the same time. Emails that could belong to one conversation
// (they share a Message-ID reference, a sender, or a [#N] subject token) stay in one group, ingested one
// after the other in UID order, so a reply never overtakes the email it answers and a customer's messages
// reach their ticket in order. Different groups run concurrently. Pure: header bytes in, groups out.
import { extractTicketToken } from '../domain/subject.js';

const MAX_HEADER_BYTES = 64 * 1024;

/** The keys an email could share with another email of its conversation, read from its raw headers. */
export function conversationKeys(raw: Buffer): string[] {
  const head = raw.subarray(0, MAX_HEADER_BYTES).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const fields = (end < 0 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
  const keys = new Set<string>();
  for (const field of fields) {
    const colon = field.indexOf(':');
    if (colon < 0) continue;
    const name = field.slice(0, colon).trim().toLowerCase();
    const value = field.slice(colon + 1);
    if (name === 'message-id' || name === 'in-reply-to' || name === 'references') {
      for (const m of value.matchAll(/<([^<>\s]+)>/g)) keys.add(`id:${m[1]!.toLowerCase()}`);
    } else if (name === 'from') {
      const address = /[^\s<>"',;:]+@[^\s<>"',;:]+/.exec(value)?.[0];
      if (address) keys.add(`from:${address.toLowerCase()}`);
    } else if (name === 'subject') {
      const token = extractTicketToken(value);
      if (token !== null) keys.add(`token:${token}`);
    }
  }
  return [...keys];
}

/**
 * Splits items (in UID order) into groups that share no conversation key; each group keeps the items'
 * order. Items without any key form groups of their own.
 */
export function groupByConversation<T>(items: readonly T[], keysOf: (item: T) => readonly string[]): T[][] {
  const parent = items.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const owner = new Map<string, number>();
  items.forEach((item, i) => {
    for (const key of keysOf(item)) {
      const other = owner.get(key);
      if (other === undefined) owner.set(key, i);
      else {
        const [a, b] = [find(i), find(other)];
        // The smaller index stays the root, so groups come out in the order of their first item.
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  });
  const groups = new Map<number, T[]>();
  items.forEach((item, i) => {
    const root = find(i);
    const group = groups.get(root) ?? [];
    group.push(item);
    groups.set(root, group);
  });
  return [...groups.values()];
}
