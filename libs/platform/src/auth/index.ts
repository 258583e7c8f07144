export type { AuthRequest } from './auth-request.ts';
export { type Authenticator, createAuthenticator } from './authenticator.ts';
export {
  type AuthConfig,
  AuthConfigSchema,
  type AuthSettings,
  authSettingsFromConfig,
  type GatewaySource,
  type KeyLocation,
} from './config.ts';
export { authenticate } from './middleware.ts';
export type { ClaimMapping, UserTokenProvider } from './presets.ts';
export {
  createServiceTokenIssuer,
  SERVICE_TOKEN_TYPE,
  type ServiceTokenIssuer,
  type ServiceTokenIssuerOptions,
} from './service-token.ts';
