// Which people named on an email may follow its ticket. Pure: ingest decides with it which To and Cc
// addresses become followers, and the API which address an agent may add.
import type { InboundAddress, InboundEmail } from './parse.js';
import { canonicalAddress, isUnattendedAddress } from './protection.js';

/** An email copying more people than this is a newsletter or spam, not a conversation: the rest are dropped. */
export const MAX_FOLLOWERS_PER_EMAIL = 20;
export const MAX_ADDRESS_LENGTH = 320;
export const MAX_NAME_LENGTH = 200;

// One @, no spaces, brackets, quotes or separators, a dot in the domain: an address that can be put in Cc as is.
const PLAIN_ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:".]+(?:\.[^\s@<>()[\]\\,;:".]+)+$/;

/** Why `address` cannot follow a ticket (malformed, one of ours, unattended), or null when it can. */
export function followerRefusal(address: string, ourAddresses: readonly string[]): string | null {
  if (address.length > MAX_ADDRESS_LENGTH || !PLAIN_ADDRESS.test(address)) return 'not a valid email address';
  const canonical = canonicalAddress(address);
  if (ourAddresses.some((ours) => canonicalAddress(ours) === canonical))
    return 'a support mailbox of the organisation cannot follow a ticket';
  if (isUnattendedAddress(address)) return 'a no-reply or mail-system address cannot follow a ticket';
  return null;
}

/**
 * The recipients of `email` (To, then Cc) who become followers of its ticket: not the sender, none of
 * our addresses (mailboxes, sub-addresses included), no unattended address; lower-cased, each once.
 */
export function followersOf(
  email: Pick<InboundEmail, 'from' | 'recipients'>,
  ourAddresses: readonly string[],
): InboundAddress[] {
  const sender = email.from ? canonicalAddress(email.from.address) : null;
  const seen = new Set<string>();
  const out: InboundAddress[] = [];
  for (const { address, name } of email.recipients) {
    const lower = address.trim().toLowerCase();
    if (seen.has(lower) || canonicalAddress(lower) === sender) continue;
    seen.add(lower);
    if (followerRefusal(lower, ourAddresses)) continue;
    out.push({ address: lower, name: name.trim().slice(0, MAX_NAME_LENGTH) });
    if (out.length === MAX_FOLLOWERS_PER_EMAIL) break;
  }
  return out;
}
