// Each service's real configuration schema and loader, and the check that a deployment's environment
// satisfies them: every variable the schema requires (no default) is set, the service's own loader
// accepts the environment, and (for the HTTP service) so does authSettingsFromConfig, exactly as the
// service does at start. A variable made required in a schema fails this check until every deployment sets it.
import { type AuthConfig, authSettingsFromConfig, ConfigError } from '@shop/platform';
import type { TObject } from 'typebox';
import { loadOrdersConfig, OrdersConfigSchema } from '../../../services/orders/src/config.ts';
import { loadProductsConfig, ProductsConfigSchema } from '../../../services/products/src/config.ts';
import type { DeployedEnv, Deployment, Provider, Service } from './deployments.ts';

export interface ServiceConfig {
  schema: TObject;
  load(env: NodeJS.ProcessEnv): Record<string, unknown>;
}

export const serviceConfigs: Record<Service, ServiceConfig> = {
  products: { schema: ProductsConfigSchema, load: loadProductsConfig },
  orders: { schema: OrdersConfigSchema, load: loadOrdersConfig },
};

/** Variables the schema requires and gives no default: a deployment must set each one. */
export function requiredVariables(schema: TObject): string[] {
  const required = (schema.required as string[] | undefined) ?? [];
  return required.filter((name) => !('default' in (schema.properties[name] as object)));
}

const problemsOf = (error: unknown): string[] =>
  error instanceof ConfigError ? error.problems : [String((error as Error).message ?? error)];

/** What each cloud's deployment is meant to configure, beyond what the schemas require. */
const authProviderOf: Record<Provider, string> = { aws: 'cognito', gcp: 'firebase', azure: 'entra' };
const ordersStoreOf: Record<Provider, string> = { aws: 'dynamodb', gcp: 'sql', azure: 'sql' };

function databaseUrlProblems(url: string | undefined, scheme: string): string[] {
  if (url === undefined || url === '')
    return ['DATABASE_URL is not set (the service would fall back to SQLite)'];
  if (!url.startsWith(`${scheme}://`))
    return [`DATABASE_URL must be a ${scheme}:// URL, not ${url.split(':')[0]}:`];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return ['DATABASE_URL is not a URL (does the password need escaping?)'];
  }
  const problems: string[] = [];
  if (!parsed.hostname) problems.push('DATABASE_URL has no host');
  if (!parsed.username || !parsed.password) problems.push('DATABASE_URL has no user or password');
  if (parsed.pathname.length < 2) problems.push('DATABASE_URL names no database');
  if (parsed.search || parsed.hash)
    problems.push('DATABASE_URL has a query or fragment (a password character to escape?)');
  return problems;
}

/** Everything wrong with one deployment's environment; empty when the service would start as intended. */
export function checkDeployment(
  deployment: Deployment,
  deployed: DeployedEnv,
  config: ServiceConfig = serviceConfigs[deployment.service],
): string[] {
  return [
    ...schemaProblems(deployment, deployed.env, config),
    // What the deployment is for.
    ...launchProblems(deployment, deployed),
    ...storeProblems(deployment, deployed),
    ...(deployment.role === 'server' ? serverProblems(deployment, deployed) : []),
  ];
}

/** Required variables unset, and what the service's own loaders (config, then auth settings) refuse. */
function schemaProblems(
  deployment: Deployment,
  env: Record<string, string>,
  config: ServiceConfig,
): string[] {
  const problems = requiredVariables(config.schema)
    .filter((name) => env[name] === undefined || env[name] === '')
    .map((name) => `${name} is required by the schema and not set`);
  let loaded: Record<string, unknown>;
  try {
    loaded = config.load(env);
  } catch (error) {
    return [...problems, ...problemsOf(error).map((problem) => `config: ${problem}`)];
  }
  if (deployment.role === 'server') {
    try {
      authSettingsFromConfig(loaded as AuthConfig);
    } catch (error) {
      problems.push(...problemsOf(error).map((problem) => `auth: ${problem}`));
    }
  }
  return problems;
}

/** Production mode, the service's own image, and the command its role runs. */
function launchProblems(deployment: Deployment, { env, image, command: argv }: DeployedEnv): string[] {
  const problems: string[] = [];
  if (env.NODE_ENV !== 'production') problems.push(`NODE_ENV is ${env.NODE_ENV ?? 'unset'}, not production`);
  if (!/\/(products|orders):/.test(image) || !image.includes(`/${deployment.service}:`)) {
    problems.push(`runs image ${image}, not the ${deployment.service} image`);
  }
  const command = argv?.join(' ');
  if (deployment.role === 'migrate' && !/^node (.* )?dist\/migrate\.mjs\b/.test(command ?? '')) {
    problems.push(`runs "${command ?? 'the image CMD'}", not node dist/migrate.mjs`);
  }
  if (deployment.role === 'server' && command !== undefined) {
    problems.push(`overrides the image CMD with "${command}"`);
  }
  return problems;
}

/** The store each cloud gives the service, and its address. */
function storeProblems(deployment: Deployment, { env, sources }: DeployedEnv): string[] {
  const problems: string[] = [];
  const store = deployment.service === 'orders' ? env.ORDERS_STORE : 'sql';
  const expected = ordersStoreOf[deployment.provider];
  if (deployment.service === 'orders' && store !== expected) {
    problems.push(`ORDERS_STORE is ${store ?? 'unset'}; on ${deployment.provider} it is ${expected}`);
  }
  if (store === 'sql') {
    const scheme = deployment.service === 'products' ? 'mysql' : 'postgresql';
    problems.push(...databaseUrlProblems(env.DATABASE_URL, scheme));
  } else if (sources.DYNAMODB_TABLE !== 'terraform') {
    problems.push('DYNAMODB_TABLE is not set from the Terraform table');
  }
  return problems;
}

/** What only the HTTP service needs: its name, the cloud's identity provider, and the calls it makes or takes. */
function serverProblems(deployment: Deployment, { env, sources }: DeployedEnv): string[] {
  const problems: string[] = [];
  if (env.SERVICE_NAME !== deployment.service)
    problems.push(`SERVICE_NAME is ${env.SERVICE_NAME ?? 'unset'}, not ${deployment.service}`);
  const authProvider = authProviderOf[deployment.provider];
  if (env.AUTH_PROVIDER !== authProvider) {
    problems.push(
      `AUTH_PROVIDER is ${env.AUTH_PROVIDER ?? 'unset'}; on ${deployment.provider} it is ${authProvider}`,
    );
  }
  // Products takes the orders service's calls only when it can verify its tokens.
  if (!env.SERVICE_TOKEN_SECRET)
    problems.push('SERVICE_TOKEN_SECRET is not set: service tokens would be refused');
  if (deployment.service === 'orders' && sources.PRODUCTS_URL !== 'terraform') {
    problems.push('PRODUCTS_URL is not set (the default points at localhost)');
  }
  if (deployment.service === 'products' && sources.DEFAULT_TENANT !== 'terraform') {
    problems.push('DEFAULT_TENANT is not set: anonymous visitors would see the built-in "demo" store');
  }
  return problems;
}
