import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';

export const ALGORITHM = 'ES256';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** The public half, as served from the JWKS endpoint. */
  publicJwk: JWK;
}

const FILE = 'signing-key.json';

/**
 * The dev issuer's key pair, generated on first use and kept in `keysDir`, so tokens minted by the
 * CLI and by a running issuer verify against the same JWKS, across restarts.
 */
export async function loadSigningKey(keysDir: string): Promise<SigningKey> {
  const file = join(keysDir, FILE);
  const jwk = await readJwk(file).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    return createJwk(keysDir, file);
  });
  const { d: _private, ...publicJwk } = jwk;
  return {
    kid: jwk.kid!,
    privateKey: (await importJWK(jwk, ALGORITHM)) as CryptoKey,
    publicJwk,
  };
}

const readJwk = async (file: string): Promise<JWK> => JSON.parse(await readFile(file, 'utf8')) as JWK;

async function createJwk(keysDir: string, file: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  // Written aside then linked into place: link fails if another process (the CLI and `npm start`
  // racing on a first run) got there first, and then its key is the one everybody uses.
  const draft = join(keysDir, `.${randomUUID()}.tmp`);
  await writeFile(draft, JSON.stringify({ ...jwk, kid, alg: ALGORITHM, use: 'sig' }), { mode: 0o600 });
  try {
    await link(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(draft, { force: true });
  }
  return readJwk(file);
}
