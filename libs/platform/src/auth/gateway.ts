import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../principal.ts';
import type { AuthRequest } from './auth-request.ts';
import { type Claims, isRecord, principalFrom } from './claims.ts';
import type { AuthSettings, GatewaySource } from './config.ts';
import { invalidCredentials } from './failures.ts';

/** Where each gateway puts the claims of the token it verified. */
const headerOf: Record<GatewaySource, string> = {
  apigateway: 'x-amzn-request-context',
  easyauth: 'x-ms-client-principal',
  'gcp-apigateway': 'x-apigateway-api-userinfo',
};

const gatewayName: Record<GatewaySource, string> = {
  apigateway: 'API Gateway',
  easyauth: 'Azure Easy Auth',
  'gcp-apigateway': 'GCP API Gateway',
};

const field = (value: unknown, name: string): unknown => (isRecord(value) ? value[name] : undefined);

const malformed = (header: string) => invalidCredentials(`The ${header} header is malformed.`);

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw malformed(name);
  return value;
}

function parseJson(text: string, header: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw malformed(header);
  }
}

/** Claims of an API Gateway authorizer: HTTP API (payload 2.0) JWT authorizer, else REST Cognito authorizer. */
function authorizerClaims(requestContext: unknown): Claims | undefined {
  const authorizer = field(requestContext, 'authorizer');
  const claims = field(field(authorizer, 'jwt'), 'claims') ?? field(authorizer, 'claims');
  return isRecord(claims) ? claims : undefined;
}

function apiGatewayClaims({ headers, lambdaEvent }: AuthRequest): Claims | undefined {
  const header = headerValue(headers, headerOf.apigateway);
  if (lambdaEvent !== undefined) {
    // Under serverless-http the request context is the event's own; a header of that name came from
    // the client (API Gateway passes client headers through), so it is a forgery.
    if (header !== undefined) {
      throw invalidCredentials(`The ${headerOf.apigateway} header is not accepted here.`);
    }
    return authorizerClaims(field(lambdaEvent, 'requestContext'));
  }
  // The Lambda Web Adapter sets this header on every request, from the event; only claims in it count.
  return header === undefined ? undefined : authorizerClaims(parseJson(header, headerOf.apigateway));
}

/** Easy Auth's WS-Federation claim types for the claims the Entra preset reads (roles come as `role_typ`). */
const easyAuthClaimNames: Record<string, string> = {
  'http://schemas.microsoft.com/identity/claims/objectidentifier': 'oid',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': 'email',
};

/** `X-MS-CLIENT-PRINCIPAL`: base64 JSON `{auth_typ, name_typ, role_typ, claims: [{typ, val}]}`. */
function easyAuthClaims({ headers }: AuthRequest): Claims | undefined {
  const header = headerValue(headers, headerOf.easyauth);
  if (header === undefined) return undefined;
  const principal = parseJson(Buffer.from(header, 'base64').toString('utf8'), headerOf.easyauth);
  const list = field(principal, 'claims');
  if (!Array.isArray(list)) throw malformed(headerOf.easyauth);
  const roleType = field(principal, 'role_typ');
  // A claim repeats once per value (each role, each group).
  const values = new Map<string, string[]>();
  for (const claim of list) {
    const type = field(claim, 'typ');
    const value = field(claim, 'val');
    if (typeof type !== 'string' || typeof value !== 'string') throw malformed(headerOf.easyauth);
    const name = type === roleType ? 'roles' : (easyAuthClaimNames[type] ?? type);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return Object.fromEntries([...values].map(([name, all]) => [name, all.length === 1 ? all[0] : all]));
}

/** `X-Apigateway-Api-Userinfo`: the verified JWT's payload, base64url JSON. */
function gcpUserinfoClaims({ headers }: AuthRequest): Claims | undefined {
  const header = headerValue(headers, headerOf['gcp-apigateway']);
  if (header === undefined) return undefined;
  const claims = parseJson(Buffer.from(header, 'base64url').toString('utf8'), headerOf['gcp-apigateway']);
  if (!isRecord(claims)) throw malformed(headerOf['gcp-apigateway']);
  return claims;
}

const readers: Record<GatewaySource, (request: AuthRequest) => Claims | undefined> = {
  apigateway: apiGatewayClaims,
  easyauth: easyAuthClaims,
  'gcp-apigateway': gcpUserinfoClaims,
};

/**
 * The principal a gateway vouches for, or null when no gateway claims arrived. Claims from a gateway
 * that is not configured are refused, not ignored: on a platform without that gateway, the client wrote them.
 */
export function gatewayPrincipalReader(
  gateways: AuthSettings['gateways'],
): (request: AuthRequest) => Principal | null {
  return function readGatewayPrincipal(request) {
    const arrived = (Object.keys(readers) as GatewaySource[]).flatMap((source) => {
      const claims = readers[source](request);
      return claims === undefined ? [] : [{ source, claims }];
    });
    for (const { source } of arrived) {
      if (gateways[source] === undefined) {
        throw invalidCredentials(
          `Claims from ${gatewayName[source]} are not accepted here: this service does not trust it.`,
        );
      }
    }
    const [first, second] = arrived;
    if (first === undefined) return null;
    if (second !== undefined) throw invalidCredentials('Claims from more than one gateway arrived.');
    return principalFrom(first.claims, gateways[first.source]!, first.source);
  };
}
