import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Type from 'typebox';
import Value from 'typebox/value';
import { ALGORITHM, loadSigningKey } from './keys.ts';
import { DEFAULT_AUDIENCE, DEFAULT_KEYS_DIR, type DevTokenClaims, signDevToken } from './mint.ts';

export interface DevIssuerOptions {
  /** Default 8090; 0 picks a free port. */
  port?: number;
  host?: string;
  keysDir?: string;
  /** The `iss` of its tokens; default `http://localhost:<port>`. */
  issuer?: string;
  audience?: string;
}

export interface DevIssuer {
  /** Where the issuer answers. */
  url: string;
  issuer: string;
  audience: string;
  mint(claims: DevTokenClaims): Promise<string>;
  close(): Promise<void>;
}

const TokenRequest = Type.Object(
  {
    tenant: Type.String(),
    role: Type.Union([Type.Literal('admin'), Type.Literal('customer')]),
    sub: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
  },
  { additionalProperties: false },
);

const BODY_LIMIT_BYTES = 16 * 1024;
const TOKEN_TTL_SECONDS = 3600;

type Reply = [status: number, body: object];

/** A URL host for the address the server bound: wildcard binds are reached over loopback. */
function hostOf({ address, family }: AddressInfo): string {
  if (address === '0.0.0.0' || address === '::') return '127.0.0.1';
  return family === 'IPv6' ? `[${address}]` : address;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT_BYTES) throw new RangeError('body too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const invalidRequest = (description: string): Reply => [
  400,
  { error: 'invalid_request', error_description: description },
];

/**
 * Starts the local identity provider: OpenID discovery, its JWKS, and `POST /token`, which signs in
 * anyone as any tenant and role. It exists for `npm start`, `docker compose up` and tests only; it must
 * never be deployed to a cloud, where it would let anyone be an admin of any tenant.
 */
export async function startDevIssuer(options: DevIssuerOptions = {}): Promise<DevIssuer> {
  const key = await loadSigningKey(options.keysDir ?? DEFAULT_KEYS_DIR);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8090, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${hostOf(address)}:${address.port}`;
  const issuer = options.issuer ?? `http://localhost:${address.port}`;
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const mint = (claims: DevTokenClaims) => signDevToken(key, claims, { issuer, audience });

  const discovery = {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    token_endpoint: `${issuer}/token`,
    response_types_supported: ['token', 'id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [ALGORITHM],
  };

  async function token(request: IncomingMessage): Promise<Reply> {
    let body: unknown;
    try {
      body = await readJson(request);
    } catch (error) {
      return error instanceof RangeError
        ? [413, { error: 'invalid_request' }]
        : invalidRequest('The body is not JSON.');
    }
    const [problem] = Value.Errors(TokenRequest, body);
    if (problem) return invalidRequest(`${problem.instancePath || 'body'} ${problem.message}`);
    const claims = body as DevTokenClaims;
    try {
      const signed = await mint({ ...claims, ttlSeconds: TOKEN_TTL_SECONDS });
      return [
        200,
        { access_token: signed, id_token: signed, token_type: 'Bearer', expires_in: TOKEN_TTL_SECONDS },
      ];
    } catch (error) {
      return invalidRequest((error as Error).message);
    }
  }

  async function route(request: IncomingMessage): Promise<Reply> {
    const path = new URL(request.url ?? '/', url).pathname;
    if (request.method === 'GET' && path === '/.well-known/openid-configuration') return [200, discovery];
    if (request.method === 'GET' && path === '/.well-known/jwks.json')
      return [200, { keys: [key.publicJwk] }];
    if (request.method === 'POST' && path === '/token') return token(request);
    return [404, { error: 'not_found' }];
  }

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    // The storefront signs in from another origin in local stacks.
    response.setHeader('access-control-allow-origin', '*');
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
      });
      response.end();
      return;
    }
    route(request).then(
      ([status, body]) => {
        response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        response.end(JSON.stringify(body));
      },
      () => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'server_error' }));
      },
    );
  });

  return {
    url,
    issuer,
    audience,
    mint,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
