// Writes the storefront's runtime config.json for one deployment from its Terraform outputs:
//   node scripts/deploy/storefront-config.ts aws|gcp|azure [--out services/storefront/dist/config.json]
//                                            [--outputs <file of `terraform output -json`>]
// The shape is deploy/storefront-config.schema.json (documented in deploy/README.md); the result is
// checked against it before it is written.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Ajv } from 'ajv';

export type Provider = 'aws' | 'gcp' | 'azure';
export const providers: readonly Provider[] = ['aws', 'gcp', 'azure'];

/** `terraform output -json`: each output's value (sensitive ones included). */
export type TerraformOutputs = Record<string, { value: unknown; sensitive?: boolean }>;

export interface StorefrontConfig {
  apiBaseUrl: string;
  tenant: string;
  provider?: 'local' | Provider;
  auth:
    | { mode: 'dev'; issuer: string }
    | {
        mode: 'oidc';
        authority: string;
        clientId: string;
        scopes: string[];
        redirectUri: string;
        postLogoutRedirectUri?: string;
        logoutUrl?: string;
        tokenType: 'id_token' | 'access_token';
      }
    | { mode: 'firebase'; apiKey: string; authDomain: string; projectId: string; tenantId?: string };
}

/** The Terraform outputs each provider's config is made of (the deploy checks assert they exist). */
export const outputsRead: Record<Provider, readonly string[]> = {
  aws: [
    'api_url',
    'default_tenant',
    'storefront_url',
    'cognito_issuer',
    'cognito_client_id',
    'cognito_domain_url',
  ],
  gcp: [
    'api_url',
    'default_tenant',
    'firebase_api_key',
    'firebase_auth_domain',
    'project_id',
    'identity_platform_tenant_id',
  ],
  azure: [
    'api_url',
    'default_tenant',
    'storefront_url',
    'entra_authority',
    'entra_client_id',
    'entra_api_scope',
  ],
};

function reader(provider: Provider, outputs: TerraformOutputs) {
  return (name: string): string => {
    if (!outputsRead[provider].includes(name))
      throw new Error(`${name} is not listed in outputsRead.${provider}`);
    const value = outputs[name]?.value;
    if (typeof value !== 'string' || value === '') {
      throw new Error(`terraform output "${name}" of deploy/${provider} is missing or empty: apply first`);
    }
    return value;
  };
}

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

export function storefrontConfig(provider: Provider, outputs: TerraformOutputs): StorefrontConfig {
  const out = reader(provider, outputs);
  switch (provider) {
    case 'aws': {
      const site = withoutTrailingSlash(out('storefront_url'));
      const clientId = out('cognito_client_id');
      return {
        apiBaseUrl: withoutTrailingSlash(out('api_url')),
        tenant: out('default_tenant'),
        provider,
        auth: {
          mode: 'oidc',
          authority: out('cognito_issuer'),
          clientId,
          scopes: ['openid', 'email', 'profile'],
          redirectUri: `${site}/`,
          postLogoutRedirectUri: `${site}/`,
          logoutUrl: `${out('cognito_domain_url')}/logout?client_id=${encodeURIComponent(clientId)}&logout_uri=${encodeURIComponent(`${site}/`)}`,
          tokenType: 'id_token',
        },
      };
    }
    case 'gcp':
      return {
        apiBaseUrl: withoutTrailingSlash(out('api_url')),
        tenant: out('default_tenant'),
        provider,
        auth: {
          mode: 'firebase',
          apiKey: out('firebase_api_key'),
          authDomain: out('firebase_auth_domain'),
          projectId: out('project_id'),
          tenantId: out('identity_platform_tenant_id'),
        },
      };
    case 'azure': {
      const site = withoutTrailingSlash(out('storefront_url'));
      return {
        apiBaseUrl: withoutTrailingSlash(out('api_url')),
        tenant: out('default_tenant'),
        provider,
        auth: {
          mode: 'oidc',
          authority: out('entra_authority'),
          clientId: out('entra_client_id'),
          scopes: ['openid', 'profile', 'email', out('entra_api_scope')],
          redirectUri: `${site}/`,
          postLogoutRedirectUri: `${site}/`,
          tokenType: 'access_token',
        },
      };
    }
  }
}

const schemaPath = resolve(import.meta.dirname, '../../deploy/storefront-config.schema.json');

/** Throws naming every way `config` departs from deploy/storefront-config.schema.json. */
export function assertStorefrontConfig(config: unknown): asserts config is StorefrontConfig {
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
  if (!validate(config)) {
    const problems = (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
    throw new Error(
      `config.json does not match deploy/storefront-config.schema.json:\n  ${problems.join('\n  ')}`,
    );
  }
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string', default: 'services/storefront/dist/config.json' },
      outputs: { type: 'string' },
    },
  });
  const provider = positionals[0] as Provider;
  if (!providers.includes(provider)) {
    throw new Error(`usage: storefront-config.ts ${providers.join('|')} [--out file] [--outputs file]`);
  }
  const text =
    values.outputs === undefined
      ? execFileSync('terraform', [`-chdir=deploy/${provider}`, 'output', '-json'], { encoding: 'utf8' })
      : readFileSync(values.outputs, 'utf8');
  const config = storefrontConfig(provider, JSON.parse(text) as TerraformOutputs);
  assertStorefrontConfig(config);
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(config, null, 2)}\n`);
  console.log(`wrote ${values.out} for ${provider}: API ${config.apiBaseUrl}, tenant ${config.tenant}`);
}

if (import.meta.main) main();
