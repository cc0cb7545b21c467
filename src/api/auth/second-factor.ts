import { consumeRecoveryCode, verifyTotp } from '../../auth/two-factor.js';
import type { Queryable } from '../../db/client.js';
import { useRecoveryCode, useTotpStep } from '../../db/queries/sign-in.js';
import type { User } from '../../db/schema/index.js';
import { ApiError } from '../errors.js';

export const secondFactorRequired = () =>
  new ApiError(401, 'second_factor_required', 'this account signs in with a second factor: send `code`');

const wrongCode = () =>
  new ApiError(401, 'second_factor_invalid', 'the two-factor code is wrong or was used already');

/**
 * Checks the second factor of an account that has one on: a code of the authenticator app (each time
 * step good once) or one of the single-use recovery codes. 401 when missing, wrong or replayed.
 */
export async function verifySecondFactor(db: Queryable, user: User, code: string | undefined) {
  if (!user.twoFactorSecret || !user.twoFactorEnabledAt) return;
  if (!code) throw secondFactorRequired();
  const step = verifyTotp(user.twoFactorSecret, code, new Date(), { lastUsedStep: user.twoFactorLastStep });
  if (step !== null) {
    if (await useTotpStep(db, user.id, step)) return;
    throw wrongCode();
  }
  const codes = user.recoveryCodeHashes ?? [];
  const left = consumeRecoveryCode(code, codes);
  if (left && (await useRecoveryCode(db, user.id, codes, left))) return;
  throw wrongCode();
}
