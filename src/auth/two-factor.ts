import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Second factor for sign-in: time-based one-time passwords (RFC 6238, the codes authenticator apps
 * show) and single-use recovery codes. Pure functions over node:crypto; the caller stores the secret,
 * the last accepted time step and the recovery code hashes on the account.
 */

const ISSUER = 'InsightDesk';
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface TotpOptions {
  /** Code length; 6 is what authenticator apps use. */
  digits?: number;
  /** Seconds per time step. */
  period?: number;
  algorithm?: 'sha1' | 'sha256' | 'sha512';
}

export interface TotpVerifyOptions extends TotpOptions {
  /** Steps accepted either side of the current one, for clock drift and typing time. */
  window?: number;
  /** The last step this account used: it and every earlier step are refused, so a seen code cannot be replayed. */
  lastUsedStep?: number | null;
}

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes RFC 4648 base32, case-insensitive, padding and spaces ignored; throws on any other character. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = BASE32_ALPHABET.indexOf(char);
    if (index < 0) throw new Error(`not a base32 character: ${JSON.stringify(char)}`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new shared secret: 160 random bits (RFC 4226's recommended length), base32 as apps expect it. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** The URI an authenticator app reads from a QR code. */
export function totpUri(email: string, secret: string): string {
  const label = `${encodeURIComponent(ISSUER)}:${encodeURIComponent(email)}`;
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(ISSUER)}`;
}

export function totpStep(at: Date, period = 30): number {
  return Math.floor(at.getTime() / 1000 / period);
}

/** The code for one time step (RFC 4226 HOTP with the step as counter). */
export function totpCode(secret: string, step: number, options: TotpOptions = {}): string {
  const { digits = 6, algorithm = 'sha1' } = options;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac(algorithm, base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/**
 * The time step a code matches at `at`, within ±window steps and after `lastUsedStep`, or null.
 * Spaces are ignored (apps show "123 456"); anything but exactly `digits` digits is refused.
 * The caller stores the returned step as the account's last used step.
 */
export function verifyTotp(
  secret: string,
  code: string,
  at: Date,
  options: TotpVerifyOptions = {},
): number | null {
  const { digits = 6, period = 30, window = 1, lastUsedStep = null } = options;
  const given = code.replace(/\s/g, '');
  if (given.length !== digits || !/^\d+$/.test(given)) return null;
  const current = totpStep(at, period);
  let matched: number | null = null;
  // Every step in the window is computed and compared, so timing does not tell which one matched.
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0 || (lastUsedStep !== null && step <= lastUsedStep)) continue;
    const expected = totpCode(secret, step, options);
    if (timingSafeEqual(Buffer.from(expected), Buffer.from(given)) && matched === null) matched = step;
  }
  return matched;
}

// Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const RECOVERY_GROUP = 5;
const RECOVERY_LENGTH = 2 * RECOVERY_GROUP; // 10 characters × 5 bits = 50 bits

export interface RecoveryCodes {
  /** Shown to the person once, as `xxxxx-xxxxx`. */
  codes: string[];
  /** Stored instead of the codes (SHA-256 hex of the normalised code). */
  hashes: string[];
}

export function generateRecoveryCodes(count = 10): RecoveryCodes {
  const codes = Array.from({ length: count }, () => {
    // 256 is a multiple of 32, so masking each byte keeps every character equally likely.
    const chars = [...randomBytes(RECOVERY_LENGTH)].map((byte) => RECOVERY_ALPHABET[byte & 31]).join('');
    return `${chars.slice(0, RECOVERY_GROUP)}-${chars.slice(RECOVERY_GROUP)}`;
  });
  return { codes, hashes: codes.map((code) => hashRecoveryCode(code)!) };
}

/** Case, spaces and hyphens do not matter; O reads as 0 and I or L as 1. Null when it cannot be a code. */
function normaliseRecoveryCode(code: string): string | null {
  const clean = code.toLowerCase().replace(/[\s-]/g, '').replace(/o/g, '0').replace(/[il]/g, '1');
  if (clean.length !== RECOVERY_LENGTH) return null;
  return [...clean].every((char) => RECOVERY_ALPHABET.includes(char)) ? clean : null;
}

function hashRecoveryCode(code: string): string | null {
  const normal = normaliseRecoveryCode(code);
  return normal === null ? null : createHash('sha256').update(normal).digest('hex');
}

/**
 * Uses up a recovery code: the stored hashes without the one it matched, or null when it matches none.
 * Every stored hash is compared, in constant time each, whatever matches first.
 */
export function consumeRecoveryCode(code: string, hashes: readonly string[]): string[] | null {
  const given = hashRecoveryCode(code);
  if (given === null) return null;
  const givenBytes = Buffer.from(given, 'hex');
  let matchedIndex = -1;
  hashes.forEach((hash, index) => {
    const stored = Buffer.from(hash, 'hex');
    if (stored.length === givenBytes.length && timingSafeEqual(stored, givenBytes) && matchedIndex < 0)
      matchedIndex = index;
  });
  return matchedIndex < 0 ? null : hashes.filter((_, index) => index !== matchedIndex);
}
