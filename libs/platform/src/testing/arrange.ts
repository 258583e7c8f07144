import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevIssuer, startDevIssuer } from '../dev-issuer/index.ts';

/** A tenant nobody else uses: each test makes its own data and never cleans up. */
export const newTenant = (): string => `t-${randomUUID().slice(0, 13)}`;

/** A dev issuer on a random loopback port with fresh keys: real signed tokens, verified as in production. */
export async function startIssuer(): Promise<DevIssuer> {
  return startDevIssuer({ port: 0, keysDir: await mkdtemp(join(tmpdir(), 'test-issuer-keys-')) });
}

export interface UserTokens {
  admin(tenant: string, sub?: string): Promise<string>;
  customer(tenant: string, sub?: string): Promise<string>;
}

/** Tokens of a tenant's admin or customer (the issuer's default user unless `sub` names one). */
export const userTokensOf = (issuer: DevIssuer): UserTokens => ({
  admin: (tenant, sub) => issuer.mint({ tenant, role: 'admin', ...(sub ? { sub } : {}) }),
  customer: (tenant, sub) => issuer.mint({ tenant, role: 'customer', ...(sub ? { sub } : {}) }),
});
