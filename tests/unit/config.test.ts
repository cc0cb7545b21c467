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
});
