import { allowedAddresses, type HostPolicy, HostRefusedError } from '../net/host-policy.js';
import { unprocessable } from './errors.js';

/**
 * The server connects to `host` for the tenant: only hosts on the public internet, unless the operator
 * allows private ones. The refusal reads the same for every non-public or unknown host; `label` prefixes
 * the message, `field` names the request field in the details.
 */
export async function refuseHiddenHost(policy: HostPolicy, host: string, label: string, field: string) {
  try {
    await allowedAddresses(host, policy);
  } catch (error) {
    if (!(error instanceof HostRefusedError)) throw error;
    throw unprocessable(`${label}: ${error.message}`, [{ field, message: error.message }]);
  }
}

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
  await refuseHiddenHost(policy, url.hostname, field, field);
}
