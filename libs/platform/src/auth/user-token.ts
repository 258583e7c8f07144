import { errors, type JWTPayload, jwtVerify } from 'jose';
import type { Principal } from '../principal.ts';
import { principalFrom } from './claims.ts';
import type { AuthSettings } from './config.ts';
import { remoteKeySource } from './key-source.ts';
import { type VerifiedTokens, verifiedTokens } from './verified-tokens.ts';

/**
 * Verifies a user's bearer token against the issuer's published keys: signature with a pinned
 * asymmetric algorithm, `iss`, `aud` (or Cognito's `client_id`), `exp` (required) and `nbf`.
 * A token that verified is remembered for up to a minute, never past `exp` (see verified-tokens.ts).
 */
export function userTokenVerifier(
  settings: AuthSettings,
  verified: VerifiedTokens = verifiedTokens(),
): (token: string) => Promise<Principal> {
  const keys = remoteKeySource(settings);
  const isCognito = settings.provider === 'cognito';

  return async function verifyUserToken(token) {
    const now = Date.now();
    const remembered = verified.recall(token, now);
    if (remembered) return remembered;
    const { payload } = await jwtVerify(token, keys, {
      issuer: settings.issuer,
      // Cognito access tokens carry no `aud`; checkCognitoClient checks the audience of both kinds.
      ...(!isCognito && { audience: settings.audiences }),
      algorithms: settings.algorithms,
      clockTolerance: settings.clockToleranceSeconds,
      requiredClaims: ['exp'],
    });
    if (isCognito) checkCognitoClient(payload, settings);
    const principal = principalFrom(payload, settings.claims, settings.provider);
    verified.remember(token, principal, (payload.exp ?? 0) * 1000, now);
    return principal;
  };
}

/** Cognito names its app client in `aud` on ID tokens and in `client_id` on access tokens. */
function checkCognitoClient(payload: JWTPayload, settings: AuthSettings): void {
  const use = payload.token_use;
  if (
    (use !== 'id' && use !== 'access') ||
    (settings.cognitoTokenUse !== 'any' && use !== settings.cognitoTokenUse)
  ) {
    throw new errors.JWTClaimValidationFailed('unexpected "token_use" claim value', payload, 'token_use');
  }
  const claim = use === 'id' ? 'aud' : 'client_id';
  const client = payload[claim];
  if (typeof client !== 'string' || !settings.audiences.includes(client)) {
    throw new errors.JWTClaimValidationFailed(`unexpected "${claim}" claim value`, payload, claim);
  }
}
