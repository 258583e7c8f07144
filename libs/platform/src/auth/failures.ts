import { errors } from 'jose';
import { AppError, isAppError } from '../errors.ts';

/** 401 for credentials that were presented and refused (RFC 6750 §3.1 `invalid_token`). */
export const invalidCredentials = (message: string, cause?: unknown): AppError =>
  new AppError(401, 'unauthenticated', message, {
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    cause,
  });

/**
 * 503 when the signing keys cannot be fetched. The request still fails closed, but a 401 would tell
 * clients their (possibly valid) token is bad and send users back to sign-in during a provider outage;
 * a 503 with Retry-After tells them to retry.
 */
export const keysUnavailable = (cause: unknown): AppError =>
  new AppError(503, 'dependency_unavailable', 'The identity provider cannot be reached; retry shortly.', {
    headers: { 'retry-after': '5' },
    cause,
  });

/** Every verification failure that is not already an AppError is a refused credential. */
export function verificationFailure(error: unknown): AppError {
  if (isAppError(error)) return error;
  const message =
    error instanceof errors.JWTExpired ? 'The bearer token has expired.' : 'The bearer token is not valid.';
  return invalidCredentials(message, error);
}
