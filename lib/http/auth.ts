import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../errors.ts';

/** sha256 of an API key as lower-case hex: the form keys are configured in. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key.trim(), 'utf8').digest('hex');
}

/**
 * Builds the API-key check. With no hashes configured every request passes. Otherwise the bearer
 * token's sha256 is compared with every configured hash in constant time (all of them, so timing does
 * not reveal which one matched).
 */
export function createApiKeyCheck(
  hashes: readonly string[],
): ((authorization: string | undefined) => void) | null {
  if (hashes.length === 0) return null;
  const accepted = hashes.map((h) => {
    if (!/^[0-9a-f]{64}$/i.test(h))
      throw new DomainError('bad-request', `api key hash is not 64 hex digits: "${h.slice(0, 8)}..."`);
    return Buffer.from(h.toLowerCase(), 'hex');
  });
  return (authorization) => {
    const match = authorization === undefined ? null : /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match === null) {
      throw new DomainError('unauthorized', 'missing api key: send "Authorization: Bearer <key>"');
    }
    const digest = createHash('sha256').update(match[1]!.trim(), 'utf8').digest();
    let ok = false;
    for (const h of accepted) ok = timingSafeEqual(digest, h) || ok;
    if (!ok) throw new DomainError('unauthorized', 'invalid api key');
  };
}
