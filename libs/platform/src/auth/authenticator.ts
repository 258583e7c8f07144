import { decodeProtectedHeader } from 'jose';
import type { Principal } from '../principal.ts';
import type { AuthRequest } from './auth-request.ts';
import type { AuthSettings } from './config.ts';
import { invalidCredentials, verificationFailure } from './failures.ts';
import { gatewayPrincipalReader } from './gateway.ts';
import { SERVICE_TOKEN_TYPE, serviceTokenVerifier } from './service-token.ts';
import { userTokenVerifier } from './user-token.ts';
import { verifiedTokens } from './verified-tokens.ts';

export interface Authenticator {
  /** The caller, or null when no credentials arrived; throws 401 for refused ones, 403 without a tenant. */
  authenticate(request: AuthRequest): Promise<Principal | null>;
}

function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer +([^\s]+) *$/i.exec(authorization);
  if (!match?.[1]) throw invalidCredentials('Only Bearer credentials are accepted.');
  return match[1];
}

function isServiceToken(token: string): boolean {
  try {
    return decodeProtectedHeader(token).typ === SERVICE_TOKEN_TYPE;
  } catch (error) {
    throw invalidCredentials('The bearer token is not valid.', error);
  }
}

/**
 * Sources are tried in a fixed order, each enabled by configuration alone: claims of a trusted gateway,
 * then a bearer token, verified as a service token when typed as one, else as a user token.
 */
export function createAuthenticator(settings: AuthSettings): Authenticator {
  const readGatewayPrincipal = gatewayPrincipalReader(settings.gateways);
  // One memory of verified tokens for both kinds, read before the header is even decoded.
  const verified = verifiedTokens();
  const verifyUserToken = userTokenVerifier(settings, verified);
  const verifyServiceToken = settings.serviceTokens
    ? serviceTokenVerifier(
        { ...settings.serviceTokens, clockToleranceSeconds: settings.clockToleranceSeconds },
        verified,
      )
    : refuseServiceToken;

  return {
    async authenticate(request) {
      const fromGateway = readGatewayPrincipal(request);
      if (fromGateway) return fromGateway;
      const token = bearerToken(request.headers.authorization);
      if (token === undefined) return null;
      const remembered = verified.recall(token, Date.now());
      if (remembered) return remembered;
      const verify = isServiceToken(token) ? verifyServiceToken : verifyUserToken;
      try {
        return await verify(token);
      } catch (error) {
        throw verificationFailure(error);
      }
    },
  };
}

/** Without SERVICE_TOKEN_SECRET this service takes no service calls. */
async function refuseServiceToken(): Promise<never> {
  throw invalidCredentials('Service credentials are not accepted here.');
}
