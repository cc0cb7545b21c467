import { createHash, randomUUID } from 'node:crypto';

/**
 * A UUID (version 5 layout) derived from a name: the same email or request always maps to the same
 * record id, so repeating the work finds the first result instead of making a second one.
 */
export function uuidFromName(namespace: string, name: string): string {
  const hash = createHash('sha1').update(`${namespace}\u0000${name}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Our own Message-ID for an outgoing email, on the sender's domain. */
export function newMessageId(fromAddress: string, seed: string = randomUUID()): string {
  const domain = fromAddress.split('@')[1] ?? 'insightdesk.localhost';
  return `${seed}@${domain}`;
}
