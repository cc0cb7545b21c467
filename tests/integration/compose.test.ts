import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.js';

const run = promisify(execFile);
const APP_SERVICES = ['migrate', 'api', 'worker', 'ingest'];

interface ComposeService {
  command?: string[];
  environment?: Record<string, string | null>;
}

// Docker cannot run here, but docker-compose can still parse and resolve the file, and the app's own
// config module can check what the containers would be given.
describe('docker-compose.yml', async () => {
  const { stdout } = await run('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
    env: { ...process.env },
  });
  const resolved = parse(stdout) as { services: Record<string, ComposeService> };
  const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts as Record<string, string>;

  it('runs PostgreSQL, Temporal with its UI, a mail server and the three app processes', () => {
    expect(Object.keys(resolved.services).sort()).toEqual(
      ['api', 'ingest', 'mail', 'migrate', 'postgres', 'temporal', 'temporal-ui', 'worker'].sort(),
    );
  });

  it.each(APP_SERVICES)('gives %s only variables the config module knows, with valid values', (name) => {
    const service = resolved.services[name]!;
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v ?? '']));
    expect(Object.keys(env).filter((k) => !CONFIG_VARIABLES.includes(k))).toEqual([]);
    const config = loadConfig(env);
    expect(config.databaseUrl).toMatch(/@postgres:5432\/insightdesk$/);
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.mail.smtpUrl).toBe('smtp://mail:3025');
  });

  it.each(APP_SERVICES)('starts %s with an npm script that exists', (name) => {
    const [npm, verb, script] = resolved.services[name]!.command!;
    expect([npm, verb]).toEqual(['npm', 'run']);
    expect(scripts[script!]).toBeDefined();
  });
});
