import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { getFreePort } from '../../src/net/free-port.js';

/**
 * A private Dovecot IMAP server for tests, run by scripts/dovecot.sh in a temporary directory on a free
 * loopback port. Plaintext IMAP (no TLS), passwd-file users, Maildir storage, IDLE supported.
 */
export interface DovecotServer {
  host: string;
  port: number;
  /** The instance directory (config, users file, maildirs, dovecot.log). */
  dir: string;
  /** Adds (or replaces) a user; works while the server runs. */
  addUser(user: string, password: string): Promise<void>;
  /** Appends a raw RFC 5322 message to `folder` (created if missing) of `user`. */
  append(user: string, password: string, rawMessage: string | Buffer, folder?: string): Promise<void>;
  /** Connection options for an ImapFlow client of `user` (logging off, plaintext). */
  clientOptions(user: string, password: string): ImapFlowOptions;
  /** Stops and starts the server on the same port; mail and users are kept. Open connections are dropped. */
  restart(): Promise<void>;
  /** Stops the server and deletes its directory (set KEEP_DOVECOT_DIR=1 to keep it). Idempotent. */
  stop(): Promise<void>;
  /** The server log, for diagnostics in failing tests. */
  readLog(): Promise<string>;
}

const SCRIPT = fileURLToPath(new URL('../../scripts/dovecot.sh', import.meta.url));
const HOST = '127.0.0.1';

/** Instance directories still running, stopped synchronously if the test process exits without stop(). */
const running = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const dir of running) {
      try {
        const pid = Number.parseInt(readFileSync(path.join(dir, 'run', 'master.pid'), 'utf8'), 10);
        if (pid > 0) process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      if (!process.env.KEEP_DOVECOT_DIR) rmSync(dir, { recursive: true, force: true });
    }
  });
}

async function runScript(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [SCRIPT, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`scripts/dovecot.sh ${args[0]} failed: ${error.message}\n${stderr}`.trim()));
        return;
      }
      resolve(stdout);
    });
  });
}

function imapOptions(port: number, user: string, password: string): ImapFlowOptions {
  return {
    host: HOST,
    port,
    secure: false,
    auth: { user, pass: password },
    logger: false,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
  };
}

function isTryCreate(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { serverResponseCode, responseText } = error as {
    serverResponseCode?: unknown;
    responseText?: unknown;
  };
  return (
    serverResponseCode === 'TRYCREATE' ||
    (typeof responseText === 'string' && /TRYCREATE/i.test(responseText))
  );
}

export async function startDovecot(): Promise<DovecotServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'insightdesk-dovecot-'));
  installExitHook();
  running.add(dir);

  let port = 0;
  let lastError: unknown;
  // The free port can be taken by someone else between getFreePort() and dovecot binding it: retry.
  for (let attempt = 0; attempt < 3 && port === 0; attempt++) {
    const candidate = await getFreePort(HOST);
    try {
      await runScript(['start', dir, String(candidate)]);
      port = candidate;
    } catch (error) {
      lastError = error;
      await runScript(['stop', dir]).catch(() => undefined);
    }
  }
  if (port === 0) {
    running.delete(dir);
    if (!process.env.KEEP_DOVECOT_DIR) await rm(dir, { recursive: true, force: true });
    throw lastError;
  }

  let stopped = false;

  const server: DovecotServer = {
    host: HOST,
    port,
    dir,
    async addUser(user, password) {
      await runScript(['adduser', dir, user, password]);
    },
    async append(user, password, rawMessage, folder = 'INBOX') {
      const client = new ImapFlow({ ...imapOptions(port, user, password), disableAutoIdle: true });
      await client.connect();
      try {
        try {
          await client.append(folder, rawMessage);
        } catch (error) {
          if (!isTryCreate(error)) throw error;
          await client.mailboxCreate(folder);
          await client.append(folder, rawMessage);
        }
      } finally {
        await client.logout().catch(() => client.close());
      }
    },
    clientOptions(user, password) {
      return imapOptions(port, user, password);
    },
    async restart() {
      if (stopped) throw new Error('Dovecot server was stopped');
      await runScript(['stop', dir]);
      await runScript(['start', dir, String(port)]);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await runScript(['stop', dir]);
      } finally {
        running.delete(dir);
        if (!process.env.KEEP_DOVECOT_DIR) await rm(dir, { recursive: true, force: true });
      }
    },
    async readLog() {
      return readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => '');
    },
  };
  return server;
}

/** Version string of the installed Dovecot (e.g. "2.3.19.1"), or undefined when it is not installed. */
export function dovecotVersion(): string | undefined {
  for (const bin of ['dovecot', '/usr/sbin/dovecot']) {
    try {
      return execFileSync(bin, ['--version'], { encoding: 'utf8' }).split(' ')[0]?.trim();
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}
