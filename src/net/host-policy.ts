import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress } from './address-ranges.js';

/** Which hosts the server connects to on a tenant's behalf (mailbox IMAP and SMTP servers). */
export interface HostPolicy {
  /** Loopback, private, link-local, metadata… addresses too (MAILBOX_ALLOW_PRIVATE_HOSTS). */
  allowPrivate: boolean;
  /** Hosts the operator configured (IMAP_URL's): allowed whatever they resolve to. */
  operatorHosts?: readonly string[];
}

/** The host is not on the public internet, or does not resolve: the same refusal for both. */
export class HostRefusedError extends Error {
  override name = 'HostRefusedError';
}

export type Resolve = (host: string) => Promise<string[]>;

const resolveWithDns: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

const isAllowedAsIs = (host: string, policy: HostPolicy) =>
  policy.allowPrivate || (policy.operatorHosts ?? []).some((h) => h.toLowerCase() === host.toLowerCase());

/**
 * The addresses to connect to for `host`: every address it resolves to must be public (one private
 * answer among public ones is how DNS rebinding starts). Without restrictions, the host itself.
 * Callers connect to the address returned (TLS still checks the certificate against the host name), so
 * the name cannot resolve to something else between this check and the connection.
 */
export async function allowedAddresses(
  host: string,
  policy: HostPolicy,
  resolve: Resolve = resolveWithDns,
): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isAllowedAsIs(bare, policy)) return [bare];
  const refused = new HostRefusedError(
    `${host} is not a host on the public internet (it does not resolve, or resolves to a loopback, private, link-local or reserved address)`,
  );
  let addresses: string[];
  try {
    addresses = isIP(bare) ? [bare] : await resolve(bare);
  } catch {
    throw refused;
  }
  if (addresses.length === 0 || addresses.some((a) => classifyAddress(a) !== 'public')) throw refused;
  return addresses;
}
