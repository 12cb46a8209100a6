import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ErrorCode, isDomainError } from '../errors.ts';
import type { Logger } from './types.ts';

/**
 * The one table from domain error codes to HTTP statuses. Codes that describe our own faults (a
 * corrupt snapshot, a policy that failed to compile) are not the caller's business: they become a
 * generic 500 and are logged.
 */
const STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  'bad-request': 400,
  // A query that would return more than the configured bound: the caller must narrow it.
  'query-too-expensive': 400,
  unauthorized: 401,
  // The node only serves reads; writes go to Oso Cloud itself.
  'read-only': 403,
  'not-found': 404,
  'payload-too-large': 413,
  'not-supported': 501,
  'not-ready': 503,
  'store-unavailable': 503,
};

/** The HTTP status for an error code; `undefined` for internal codes. */
export function statusFor(code: ErrorCode): ContentfulStatusCode | undefined {
  return STATUS[code];
}

/** Builds the app's single `onError`: `{"message"}` bodies, internal errors logged once as a 500. */
export function createErrorHandler(logger: Logger) {
  return (err: Error, c: Context): Response => {
    if (isDomainError(err)) {
      const status = statusFor(err.code);
      if (status !== undefined) return c.json({ message: err.message, code: err.code }, status);
    }
    logger.error('request failed', {
      requestId: c.res.headers.get('x-request-id') ?? undefined,
      method: c.req.method,
      path: c.req.path,
      error: err.message,
      code: isDomainError(err) ? err.code : undefined,
      stack: err.stack,
    });
    return c.json({ message: 'internal error', code: 'internal' }, 500);
  };
}
