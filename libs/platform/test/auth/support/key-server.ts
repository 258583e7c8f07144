import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { Authenticator, AuthRequest, AuthSettings } from '../../../src/auth/index.ts';
import { AuthConfigSchema, authSettingsFromConfig, createAuthenticator } from '../../../src/auth/index.ts';
import { loadConfig } from '../../../src/config.ts';

export interface TestKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** A real key pair, as an identity provider holds one. */
export async function createKey(alg = 'RS256', kid: string = randomUUID()): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const now = () => Math.floor(Date.now() / 1000);

/** Signs claims as a provider would: `iat` now and `exp` in an hour unless the claims say otherwise. */
export function sign(
  key: TestKey,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({ iat: now(), exp: now() + 3600, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

export interface KeyServer {
  /** Where it answers, and the issuer it names in its discovery document. */
  url: string;
  jwksUrl: string;
  requests: { jwks: number; discovery: number };
  /** Replaces the published keys. */
  publish(...keys: TestKey[]): void;
  /** Discovery documents name this issuer from now on. */
  announceIssuer(issuer: string): void;
  /** Accepts connections and never answers them, like a provider in trouble. */
  hang(): void;
  close(): Promise<void>;
}

/** An identity provider's key endpoints on a random loopback port: discovery and JWKS. */
export async function startKeyServer(...keys: TestKey[]): Promise<KeyServer> {
  let published = keys;
  let hanging = false;
  let issuer: string | undefined;
  const requests = { jwks: 0, discovery: 0 };
  const server = createServer((request, response) => {
    if (hanging) return;
    if (request.url === '/.well-known/jwks.json') {
      requests.jwks++;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: published.map((key) => key.publicJwk) }));
    } else if (request.url === '/.well-known/openid-configuration') {
      requests.discovery++;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ issuer: issuer ?? url, jwks_uri: `${url}/.well-known/jwks.json` }));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwksUrl: `${url}/.well-known/jwks.json`,
    requests,
    publish: (...next) => {
      published = next;
    },
    announceIssuer: (next) => {
      issuer = next;
    },
    hang: () => {
      hanging = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Settings from environment variables, through the same loader the services use. */
export const settingsFrom = (env: Record<string, string>): AuthSettings =>
  authSettingsFromConfig(loadConfig(AuthConfigSchema, env));

export const authenticatorFor = (env: Record<string, string>): Authenticator =>
  createAuthenticator(settingsFrom(env));

export const bearer = (token: string): AuthRequest => ({ headers: { authorization: `Bearer ${token}` } });
