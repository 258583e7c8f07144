/** Where an identity came from. */
export type Provider =
  | 'cognito'
  | 'entra'
  | 'firebase'
  | 'oidc'
  | 'dev'
  | 'apigateway'
  | 'easyauth'
  | 'gcp-apigateway'
  | 'service';

export type Role = 'admin' | 'customer' | 'service';

/** The one normalised identity every source is turned into. */
export interface Principal {
  tenantId: string;
  userId: string;
  email: string | null;
  roles: Role[];
  provider: Provider;
  /** Service credentials only: what the caller may do (e.g. `stock:reserve`). */
  scopes?: string[];
}

export const hasRole = (principal: Principal | undefined, role: Role): boolean =>
  principal?.roles.includes(role) ?? false;
