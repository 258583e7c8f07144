/**
 * The local identity provider of `npm start`, `docker compose up` and the tests. It signs in anyone as
 * any tenant and role: it must never be deployed to a cloud.
 */
export {
  DEFAULT_AUDIENCE,
  DEFAULT_ISSUER,
  DEFAULT_KEYS_DIR,
  type DevTokenClaims,
  type DevTokenOptions,
  mintDevToken,
} from './mint.ts';
export { type DevIssuer, type DevIssuerOptions, startDevIssuer } from './server.ts';
