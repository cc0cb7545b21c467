import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('config', () => {
  it('runs embedded with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.temporal.address).toBeUndefined();
    expect(config.mail.smtpUrl).toBeUndefined();
    expect(config.api.port).toBe(3000);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: '  ' }).databaseUrl).toBeUndefined();
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x', API_PORT: 'eighty', SMTP_URL: 'http://x' })).toThrow(
      ConfigError,
    );
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', API_PORT: 'eighty', SMTP_URL: 'http://x' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('DATABASE_URL: must be a postgres:// URL');
      expect(message).toContain('API_PORT');
      expect(message).toContain('SMTP_URL');
    }
  });

  it('refuses API_TRUST_PROXY=true in one line saying what to write instead', () => {
    expect(() => loadConfig({ API_TRUST_PROXY: 'true' })).toThrow(
      /API_TRUST_PROXY: `true` would trust any X-Forwarded-For a client writes; name your proxies instead: .*CIDRs.*hop count/,
    );
    const message = (() => {
      try {
        loadConfig({ API_TRUST_PROXY: 'true' });
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message?.split('\n').filter((line) => line.includes('API_TRUST_PROXY'))).toHaveLength(1);
  });

  it('reads API_TRUST_PROXY as addresses and CIDRs or a hop count, none by default', () => {
    expect(loadConfig({}).api.trustProxy).toBe(false);
    expect(loadConfig({ API_TRUST_PROXY: 'false' }).api.trustProxy).toBe(false);
    expect(() => loadConfig({ API_TRUST_PROXY: 'TRUE' })).toThrow(/API_TRUST_PROXY: `true` would trust/);
    expect(loadConfig({ API_TRUST_PROXY: '2' }).api.trustProxy).toBe(2);
    expect(
      loadConfig({ API_TRUST_PROXY: '10.0.0.0/8, 192.168.1.5,fd00::/8,loopback' }).api.trustProxy,
    ).toEqual(['10.0.0.0/8', '192.168.1.5', 'fd00::/8', 'loopback']);
    for (const bad of ['*', '10.0.0.0/33', 'proxy.example.com', '10.0.0.1,,', 'yes']) {
      expect(() => loadConfig({ API_TRUST_PROXY: bad }), bad).toThrow(/API_TRUST_PROXY: not an address/);
    }
  });

  it('allows mailboxes on private hosts only in tests and on the embedded database, unless told', () => {
    expect(loadConfig({}).mailboxHosts.allowPrivate).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://db/x' }).mailboxHosts.allowPrivate).toBe(
      true,
    );
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }).mailboxHosts.allowPrivate).toBe(false);
    expect(
      loadConfig({ DATABASE_URL: 'postgres://db/x', MAILBOX_ALLOW_PRIVATE_HOSTS: 'true' }).mailboxHosts
        .allowPrivate,
    ).toBe(true);
    expect(loadConfig({ MAILBOX_ALLOW_PRIVATE_HOSTS: 'false' }).mailboxHosts.allowPrivate).toBe(false);
    // The host of the operator's own IMAP_URL is allowed wherever it is.
    const env = {
      IMAP_URL: 'imap://u:p@mail:3143',
      SUPPORT_ADDRESS: 's@acme.test',
      SUPPORT_ORGANIZATION: 'acme',
    };
    expect(loadConfig(env).mailboxHosts.operatorHosts).toEqual(['mail']);
  });
});
