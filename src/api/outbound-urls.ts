import { allowedAddresses, type HostPolicy, HostRefusedError } from '../net/host-policy.js';
import { unprocessable } from './errors.js';

/**
 * The server posts to this URL for the tenant (webhooks, Slack): http(s), no credentials in it, and a
 * host on the public internet unless the operator allows private ones (the mailbox hosts' rule).
 */
export async function refuseHiddenUrl(policy: HostPolicy, raw: string, field: string) {
  const refuse = (message: string) => unprocessable(`${field}: ${message}`, [{ field, message }]);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('must be http or https');
  if (url.username || url.password) throw refuse('must not carry credentials');
  try {
    await allowedAddresses(url.hostname, policy);
  } catch (error) {
    if (!(error instanceof HostRefusedError)) throw error;
    throw refuse(error.message);
  }
}
