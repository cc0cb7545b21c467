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

  it('names every bad variable on a line of its own: the problem and the fix, never a secret value', () => {
    const env = { DATABASE_URL: 'mysql://root:hunter2@db', API_PORT: 'eighty', SMTP_URL: 'http://x' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    const lines = (() => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as Error).message.split('\n');
      }
    })();
    expect(lines.sort()).toEqual([
      'API_PORT ("eighty") is invalid: not a number; fix API_PORT or unset it to use the default 3000',
      'DATABASE_URL is invalid: must be a postgres:// URL; fix DATABASE_URL or unset it',
      'SMTP_URL is invalid: must be an smtp:// or smtps:// URL; fix SMTP_URL or unset it',
    ]);
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('says which variable a mailbox setting needs', () => {
    expect(() => loadConfig({ IMAP_URL: 'imap://u:p@mail.test', SUPPORT_ORGANIZATION: 'acme' })).toThrow(
      'SUPPORT_ADDRESS is missing: it is required when IMAP_URL is set; set SUPPORT_ADDRESS or unset IMAP_URL',
    );
  });

  it('refuses API_TRUST_PROXY=true in one line saying what to write instead', () => {
    expect(() => loadConfig({ API_TRUST_PROXY: 'true' })).toThrow(
      /API_TRUST_PROXY \("true"\) is invalid: `true` would trust any X-Forwarded-For a client writes; name your proxies instead: .*CIDRs.*hop count/,
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
    expect(() => loadConfig({ API_TRUST_PROXY: 'TRUE' })).toThrow(
      /API_TRUST_PROXY \("TRUE"\) is invalid: `true` would trust/,
    );
    expect(loadConfig({ API_TRUST_PROXY: '2' }).api.trustProxy).toBe(2);
    expect(
      loadConfig({ API_TRUST_PROXY: '10.0.0.0/8, 192.168.1.5,fd00::/8,loopback' }).api.trustProxy,
    ).toEqual(['10.0.0.0/8', '192.168.1.5', 'fd00::/8', 'loopback']);
    for (const bad of ['*', '10.0.0.0/33', 'proxy.example.com', '10.0.0.1,,', 'yes']) {
      expect(() => loadConfig({ API_TRUST_PROXY: bad }), bad).toThrow(
        /API_TRUST_PROXY \(".*"\) is invalid: not an address/,
      );
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
