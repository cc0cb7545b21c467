import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  consumeRecoveryCode,
  generateRecoveryCodes,
  generateTotpSecret,
  totpCode,
  totpStep,
  totpUri,
  verifyTotp,
} from '../../src/auth/two-factor.js';

// RFC 6238 appendix B: the ASCII seeds "1234567890…" of 20, 32 and 64 bytes, base32-encoded independently.
const RFC_SECRETS = {
  sha1: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
  sha256: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA',
  sha512:
    'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA',
} as const;

const RFC_VECTORS: Array<[seconds: number, sha1: string, sha256: string, sha512: string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
const at = (seconds: number) => new Date(seconds * 1000);

describe('TOTP', () => {
  it('produces the RFC 6238 test vectors for SHA-1, SHA-256 and SHA-512 with 8 digits', () => {
    for (const [seconds, ...expected] of RFC_VECTORS) {
      const step = totpStep(at(seconds));
      (['sha1', 'sha256', 'sha512'] as const).forEach((algorithm, i) => {
        expect(
          totpCode(RFC_SECRETS[algorithm], step, { digits: 8, algorithm }),
          `${algorithm} T=${seconds}`,
        ).toBe(expected[i]);
        expect(
          verifyTotp(RFC_SECRETS[algorithm], expected[i]!, at(seconds), { digits: 8, algorithm, window: 0 }),
        ).toBe(step);
      });
    }
  });

  it('uses six digits by default: the last six of the 8-digit vector', () => {
    expect(totpCode(RFC_SECRETS.sha1, totpStep(at(59)))).toBe('287082');
    expect(verifyTotp(RFC_SECRETS.sha1, '287082', at(59))).toBe(1);
  });

  it('accepts the previous and next step but not two steps away', () => {
    const secret = generateTotpSecret();
    const now = at(1_800_000_000);
    const step = totpStep(now);
    expect(verifyTotp(secret, totpCode(secret, step), now)).toBe(step);
    expect(verifyTotp(secret, totpCode(secret, step - 1), now)).toBe(step - 1);
    expect(verifyTotp(secret, totpCode(secret, step + 1), now)).toBe(step + 1);
    expect(verifyTotp(secret, totpCode(secret, step - 2), now)).toBeNull();
    expect(verifyTotp(secret, totpCode(secret, step + 2), now)).toBeNull();
    expect(verifyTotp(secret, totpCode(secret, step - 1), now, { window: 0 })).toBeNull();
  });

  it('treats the window by time steps: the last second of a step and the first of the next', () => {
    const secret = generateTotpSecret();
    const code = totpCode(secret, 60_000_000);
    // Step 60_000_000 covers [1_800_000_000, 1_800_000_030): still current at +29 s, previous at +59 s, gone at +60 s.
    expect(verifyTotp(secret, code, at(1_800_000_029))).toBe(60_000_000);
    expect(verifyTotp(secret, code, at(1_800_000_059))).toBe(60_000_000);
    expect(verifyTotp(secret, code, at(1_800_000_060))).toBeNull();
    expect(verifyTotp(secret, code, at(1_799_999_970))).toBe(60_000_000);
    expect(verifyTotp(secret, code, at(1_799_999_969))).toBeNull();
  });

  it('refuses a replay of the last used step and any earlier step', () => {
    const secret = generateTotpSecret();
    const now = at(1_800_000_000);
    const step = totpStep(now);
    const code = totpCode(secret, step);
    const used = verifyTotp(secret, code, now);
    expect(used).toBe(step);
    expect(verifyTotp(secret, code, now, { lastUsedStep: used })).toBeNull();
    expect(verifyTotp(secret, totpCode(secret, step - 1), now, { lastUsedStep: used })).toBeNull();
    // The next step's code is still good after this one was used.
    expect(verifyTotp(secret, totpCode(secret, step + 1), now, { lastUsedStep: used })).toBe(step + 1);
  });

  it('refuses malformed codes and ignores spaces', () => {
    const secret = generateTotpSecret();
    const now = at(1_800_000_000);
    const code = totpCode(secret, totpStep(now));
    expect(verifyTotp(secret, ` ${code.slice(0, 3)} ${code.slice(3)} `, now)).toBe(totpStep(now));
    const wrongDigit = code.replace(/^./, (d) => String((Number(d) + 1) % 10));
    for (const bad of [
      '',
      wrongDigit,
      code.slice(0, 5),
      `${code}0`,
      `0${code}`,
      code.replace(/^./, 'a'),
      `${code.slice(0, 5)}x`,
      '-12345',
      '1e5000',
      '١٢٣٤٥٦', // Arabic-Indic digits are digits to Unicode, not to a TOTP
    ])
      expect(verifyTotp(secret, bad, now), JSON.stringify(bad)).toBeNull();
  });

  it('generates distinct 160-bit base32 secrets and the authenticator URI', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
    const uri = new URL(totpUri('ana+help@example.test', secret));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/InsightDesk:ana+help@example.test');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('InsightDesk');
  });

  it('round-trips base32 for every length and refuses foreign characters', () => {
    for (let length = 0; length <= 21; length++) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff));
      expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
    }
    expect(base32Decode('gezd gnbv====')).toEqual(base32Decode('GEZDGNBV'));
    expect(() => base32Decode('GEZ1')).toThrow(/base32/);
  });
});

describe('recovery codes', () => {
  it('are xxxxx-xxxxx with 50 random bits, distinct, stored only as hashes', () => {
    const { codes, hashes } = generateRecoveryCodes(10);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('each works once: the hash it matched is removed and a second use fails', () => {
    const { codes, hashes } = generateRecoveryCodes(3);
    const afterFirst = consumeRecoveryCode(codes[1]!, hashes);
    expect(afterFirst).toEqual([hashes[0], hashes[2]]);
    expect(consumeRecoveryCode(codes[1]!, afterFirst!)).toBeNull();
    expect(consumeRecoveryCode(codes[0]!, afterFirst!)).toEqual([hashes[2]]);
  });

  it('accept the code as a person may type it: case, spaces, no hyphen, O for 0 and I or L for 1', () => {
    const others = generateRecoveryCodes(2).hashes;
    // A chosen code's stored form, as documented: SHA-256 hex of the normalised code.
    const stored = [...others, sha256Hex('a0b1c2d3e4')];
    for (const typed of [
      'A0B1C-2D3E4',
      ' a0b1c 2d3e4 ',
      'a0b1c2d3e4',
      'aOb1c-2d3e4',
      'a0bIc-2d3e4',
      'a0bLc-2d3e4',
    ])
      expect(consumeRecoveryCode(typed, stored), typed).toEqual(others);
  });

  it('refuse malformed and unknown codes', () => {
    const { codes, hashes } = generateRecoveryCodes(2);
    const other = generateRecoveryCodes(1).codes[0]!;
    for (const bad of [
      '',
      other,
      codes[0]!.slice(0, -1),
      `${codes[0]}x`,
      'uuuuu-uuuuu',
      codes[0]!.replace(/.$/, '!'),
    ])
      expect(consumeRecoveryCode(bad, hashes), bad).toBeNull();
    expect(consumeRecoveryCode(codes[0]!, [])).toBeNull();
    expect(consumeRecoveryCode(codes[0]!, ['not-hex', ''])).toBeNull();
  });
});
