// Reads a Terraform root module with @cdktf/hcl2json (no terraform binary): its variables, locals,
// resources, data sources and outputs, the references between them, and a scope that evaluates its
// expressions with tfvars values and sample values for what only the cloud knows.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { evaluateValue, expressionsIn, Ref, type Scope, type Value } from './hcl-expr.ts';

export type Block = Record<string, unknown>;

export interface TerraformRoot {
  dir: string;
  files: string[];
  variables: Record<string, Block>;
  locals: Record<string, unknown>;
  resources: Record<string, Record<string, Block>>;
  data: Record<string, Record<string, Block>>;
  outputs: Record<string, Block>;
  /** provider and terraform blocks, for their references. */
  settings: Block[];
}

export class TerraformParseError extends Error {
  readonly failures: Array<{ file: string; message: string }>;
  constructor(failures: Array<{ file: string; message: string }>) {
    super(
      `Terraform files that do not parse:\n${failures.map((f) => `  ${f.file}: ${f.message}`).join('\n')}`,
    );
    this.failures = failures;
  }
}

type Parsed = {
  variable?: Record<string, Block[]>;
  locals?: Block[];
  resource?: Record<string, Record<string, Block[]>>;
  data?: Record<string, Record<string, Block[]>>;
  output?: Record<string, Block[]>;
  provider?: Record<string, Block[]>;
  terraform?: Block[];
};

/** Parses one HCL file; throws with the parser's message (file, line, column). */
export async function parseHcl(file: string, text: string): Promise<Parsed> {
  return (await parse(file, text)) as Parsed;
}

/** Loads every .tf file of a root; throws a TerraformParseError naming each file that does not parse. */
export async function loadRoot(dir: string): Promise<TerraformRoot> {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.tf'))
    .sort();
  const root: TerraformRoot = {
    dir,
    files,
    variables: {},
    locals: {},
    resources: {},
    data: {},
    outputs: {},
    settings: [],
  };
  const failures: Array<{ file: string; message: string }> = [];
  const duplicates: string[] = [];
  for (const file of files) {
    const parsed = await parseFile(dir, file, failures);
    if (parsed) mergeFile(root, parsed, duplicates);
  }
  if (failures.length) throw new TerraformParseError(failures);
  if (duplicates.length) throw new Error(`${dir}: ${duplicates.join('; ')}`);
  return root;
}

/** One file parsed, or undefined with its parser's message added to `failures`. */
async function parseFile(
  dir: string,
  file: string,
  failures: Array<{ file: string; message: string }>,
): Promise<Parsed | undefined> {
  try {
    return await parseHcl(join(dir, file), readFileSync(join(dir, file), 'utf8'));
  } catch (error) {
    failures.push({ file, message: String((error as Error).message ?? error) });
    return undefined;
  }
}

/** Adds one file's declarations to the root; a name declared twice (in any files) goes to `duplicates`. */
function mergeFile(root: TerraformRoot, parsed: Parsed, duplicates: string[]): void {
  mergeBlocks(root.variables, parsed.variable, 'variable', duplicates);
  for (const block of parsed.locals ?? []) {
    for (const [name, value] of Object.entries(block)) put(root.locals, name, value, 'local', duplicates);
  }
  for (const [type, byName] of Object.entries(parsed.resource ?? {})) {
    root.resources[type] ??= {};
    mergeBlocks(root.resources[type], byName, `resource ${type}`, duplicates);
  }
  for (const [type, byName] of Object.entries(parsed.data ?? {})) {
    root.data[type] ??= {};
    mergeBlocks(root.data[type], byName, `data ${type}`, duplicates);
  }
  mergeBlocks(root.outputs, parsed.output, 'output', duplicates);
  for (const blocks of Object.values(parsed.provider ?? {})) root.settings.push(...blocks);
  root.settings.push(...(parsed.terraform ?? []));
}

/** hcl2json gives each labelled block as a one-element list. */
function mergeBlocks(
  into: Record<string, Block>,
  byName: Record<string, Block[]> | undefined,
  what: string,
  duplicates: string[],
): void {
  for (const [name, [block]] of Object.entries(byName ?? {})) put(into, name, block!, what, duplicates);
}

function put<T>(into: Record<string, T>, key: string, value: T, what: string, duplicates: string[]): void {
  if (key in into) duplicates.push(`${what} "${key}" is declared twice`);
  into[key] = value;
}

// --- references

export interface Reference {
  kind: 'var' | 'local' | 'resource' | 'data';
  /** var/local name, or resource/data name */
  name: string;
  type?: string;
  attr?: string;
  /** Where the reference was written: `resource aws_lambda_function.products`, `output api_url`, … */
  from: string;
}

const NAME = '[A-Za-z_][\\w-]*';
const PROVIDER_TYPE = '(?:aws|google|azurerm|azuread|random|time|archive|null|tls|local)_\\w+';
const patterns: Array<[Reference['kind'], RegExp]> = [
  ['var', new RegExp(`(?<![\\w.])var\\.(${NAME})`, 'g')],
  ['local', new RegExp(`(?<![\\w.])local\\.(${NAME})`, 'g')],
  ['data', new RegExp(`(?<![\\w.])data\\.(\\w+)\\.(${NAME})(?:\\[[^\\]]*\\])?(?:\\.(${NAME}))?`, 'g')],
  [
    'resource',
    new RegExp(`(?<![\\w.])(${PROVIDER_TYPE})\\.(${NAME})(?:\\[[^\\]]*\\])?(?:\\.(${NAME}))?`, 'g'),
  ],
];

/** Every var, local, resource and data reference in a hcl2json value. */
export function referencesIn(value: unknown, from: string): Reference[] {
  const out: Reference[] = [];
  for (const expr of expressionsIn(value)) {
    for (const [kind, pattern] of patterns) {
      for (const match of expr.matchAll(pattern)) {
        if (kind === 'var' || kind === 'local') out.push({ kind, name: match[1]!, from });
        else out.push({ kind, type: match[1]!, name: match[2]!, ...(match[3] && { attr: match[3] }), from });
      }
    }
  }
  return out;
}

/** Every reference in the root, with the block it was written in. */
export function allReferences(root: TerraformRoot): Reference[] {
  const refs: Reference[] = [];
  for (const [name, value] of Object.entries(root.locals)) refs.push(...referencesIn(value, `local ${name}`));
  for (const [type, byName] of Object.entries(root.resources)) {
    for (const [name, block] of Object.entries(byName))
      refs.push(...referencesIn(block, `resource ${type}.${name}`));
  }
  for (const [type, byName] of Object.entries(root.data)) {
    for (const [name, block] of Object.entries(byName))
      refs.push(...referencesIn(block, `data ${type}.${name}`));
  }
  for (const [name, block] of Object.entries(root.outputs))
    refs.push(...referencesIn(block, `output ${name}`));
  for (const [name, block] of Object.entries(root.variables))
    refs.push(...referencesIn(block.validation, `variable ${name}`));
  for (const block of root.settings) refs.push(...referencesIn(block, 'provider settings'));
  return refs;
}

/** References to variables, locals, resources or data sources the root does not declare. */
export function undeclaredReferences(root: TerraformRoot): string[] {
  return allReferences(root).flatMap((ref) => {
    const declared =
      ref.kind === 'var'
        ? ref.name in root.variables
        : ref.kind === 'local'
          ? ref.name in root.locals
          : ref.kind === 'resource'
            ? ref.name in (root.resources[ref.type!] ?? {})
            : ref.name in (root.data[ref.type!] ?? {});
    const what =
      ref.kind === 'resource' || ref.kind === 'data'
        ? `${ref.kind} ${ref.type}.${ref.name}`
        : `${ref.kind}.${ref.name}`;
    return declared ? [] : [`${ref.from} uses ${what}, which is not declared`];
  });
}

/** Variables declared and never used. */
export function unusedVariables(root: TerraformRoot): string[] {
  const used = new Set(
    allReferences(root)
      .filter((ref) => ref.kind === 'var')
      .map((ref) => ref.name),
  );
  return Object.keys(root.variables).filter((name) => !used.has(name));
}

// --- secrets

/** Attributes that hold a secret whatever their expression. */
const secretAttributes = new Set([
  'result:random_password',
  'secret_string',
  'secret_data',
  'password',
  'administrator_password',
]);

/** Whether a value depends, through locals and resource arguments, on a generated password or a sensitive variable. */
export function dependsOnSecret(
  root: TerraformRoot,
  value: unknown,
  seen = new Set<string>(),
): string | undefined {
  for (const ref of referencesIn(value, '')) {
    const key = `${ref.kind}:${ref.type ?? ''}.${ref.name}.${ref.attr ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const via = secretBehind(root, ref, seen);
    if (via) return via;
  }
  return undefined;
}

/** The secret one reference leads to, directly or through what it refers to (seen stops cycles). */
function secretBehind(root: TerraformRoot, ref: Reference, seen: Set<string>): string | undefined {
  if (ref.kind === 'var') {
    return root.variables[ref.name]?.sensitive === true ? `var.${ref.name} (sensitive)` : undefined;
  }
  if (ref.kind === 'local') {
    if (!(ref.name in root.locals)) return undefined;
    const via = dependsOnSecret(root, root.locals[ref.name], seen);
    return via && `local.${ref.name} <- ${via}`;
  }
  return ref.kind === 'resource' ? secretInResource(root, ref, seen) : undefined;
}

function secretInResource(root: TerraformRoot, ref: Reference, seen: Set<string>): string | undefined {
  if (ref.type === 'random_password') return `random_password.${ref.name}`;
  if (!ref.attr) return undefined;
  if (secretAttributes.has(ref.attr) || secretAttributes.has(`${ref.attr}:${ref.type}`)) {
    return `${ref.type}.${ref.name}.${ref.attr}`;
  }
  const block = root.resources[ref.type!]?.[ref.name];
  if (!block || !(ref.attr in block)) return undefined;
  const via = dependsOnSecret(root, block[ref.attr], seen);
  return via && `${ref.type}.${ref.name}.${ref.attr} <- ${via}`;
}

/** Outputs whose value carries a secret (sensitive or not: a secret does not belong in outputs). */
export function secretOutputs(root: TerraformRoot): string[] {
  return Object.entries(root.outputs).flatMap(([name, block]) => {
    const via = dependsOnSecret(root, block.value);
    return via ? [`output ${name} exposes ${via}`] : [];
  });
}

// --- evaluation

/** Values Terraform only learns from the cloud: sample values of the right shape for each attribute. */
export type Samples = Record<string, (instance: { name: string; config: (attr: string) => Value }) => Value>;

export const defaultSamples: Samples = {
  'random_password.result': ({ config }) => {
    const length = Number(config('length') ?? 16);
    const special = config('special') !== false;
    const alphabet = special ? 'Aa0!#$%&*()-_=+[]{}<>:?@/' : 'Aa0Bb1Cc2Dd3Ee4Ff5Gg6Hh7';
    return Array.from({ length }, (_, i) => alphabet[i % alphabet.length]).join('');
  },
  'random_string.result': ({ config }) => 'abcdefghij'.slice(0, Number(config('length') ?? 8)),
  'random_id.hex': () => 'a1b2c3',
  'random_uuid.result': () => '3f2c1a9e-6b7d-4e21-9c4b-8a1f0d2e3b4c',
  'aws_caller_identity.account_id': () => '123456789012',
  'aws_region.region': () => 'eu-west-1',
  'aws_region.name': () => 'eu-west-1',
  'aws_availability_zones.names': () => ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  'aws_cognito_user_pool.id': () => 'eu-west-1_AbCdEf123',
  'aws_cognito_user_pool.endpoint': () => 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
  'aws_cognito_user_pool_client.id': () => '4f1example0client0id0abcd',
  'aws_cognito_user_pool_domain.domain': ({ config }) => config('domain'),
  'aws_db_proxy.endpoint': ({ name }) => `${name}.proxy-cexample123.eu-west-1.rds.amazonaws.com`,
  'aws_db_instance.address': ({ name }) => `${name}.cexample123.eu-west-1.rds.amazonaws.com`,
  'aws_api_gateway_rest_api.id': () => 'a1b2c3d4e5',
  'aws_api_gateway_stage.stage_name': ({ config }) => config('stage_name'),
  'aws_apigatewayv2_stage.invoke_url': () => 'https://abcde12345.execute-api.eu-west-1.amazonaws.com/',
  'aws_cloudfront_distribution.domain_name': () => 'd111111abcdef8.cloudfront.net',
  'aws_cloudfront_distribution.id': () => 'E2EXAMPLE12345',
  'aws_ecr_repository.repository_url': ({ config }) =>
    `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${config('name')}`,
  'aws_ecs_task_definition.arn': ({ config }) =>
    `arn:aws:ecs:eu-west-1:123456789012:task-definition/${config('family')}:1`,
  'aws_secretsmanager_secret.arn': ({ name }) =>
    `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`,
  'aws_s3_bucket.bucket': ({ config }) => `${config('bucket_prefix') ?? config('bucket')}20250101abcdef`,
  'google_sql_database_instance.private_ip_address': () => '10.20.0.3',
  'google_identity_platform_tenant.name': () => 'shop-demo-a1b2c',
  'google_cloud_run_v2_service.uri': ({ config }) => `https://${config('name')}-abcdefghij-ew.a.run.app`,
  'google_compute_global_address.address': () => '203.0.113.10',
  'google_apikeys_key.key_string': () => 'AIzaSyExample0Example0Example0Example00',
  'google_artifact_registry_repository.repository_id': ({ config }) => config('repository_id'),
  'google_project.number': () => '123456789012',
  'azurerm_container_app_environment.default_domain': () =>
    'kindsky-1a2b3c4d.westeurope.azurecontainerapps.io',
  'azurerm_container_app.ingress': ({ config }) => [
    { fqdn: `${config('name')}.kindsky-1a2b3c4d.westeurope.azurecontainerapps.io` },
  ],
  'azurerm_storage_account.primary_web_endpoint': ({ config }) =>
    `https://${config('name')}.z6.web.core.windows.net/`,
  'azurerm_mysql_flexible_server.fqdn': ({ config }) => `${config('name')}.mysql.database.azure.com`,
  'azurerm_postgresql_flexible_server.fqdn': ({ config }) => `${config('name')}.postgres.database.azure.com`,
  'azurerm_container_registry.login_server': ({ config }) => `${config('name')}.azurecr.io`,
  'azurerm_key_vault_secret.versionless_id': ({ config }) =>
    `https://kv-example.vault.azure.net/secrets/${config('name')}`,
  'azuread_application.client_id': () => '6e1c2a8b-1d4f-4c3e-9a7b-2f5d8c0e1a23',
  'azuread_client_config.tenant_id': () => '9b2d4f6a-8c0e-4a1b-b3d5-7f9a1c3e5b70',
  'azuread_client_config.object_id': () => '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  'azurerm_client_config.tenant_id': () => '9b2d4f6a-8c0e-4a1b-b3d5-7f9a1c3e5b70',
  'azurerm_client_config.object_id': () => '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
};

export interface EvaluationOptions {
  /** Variable values, as a terraform.tfvars would give them; defaults fill the rest. */
  tfvars?: Record<string, unknown>;
  samples?: Samples;
}

/** Reads terraform.tfvars.example of a root (the values the checks deploy with). */
export async function exampleTfvars(dir: string): Promise<Record<string, unknown>> {
  const file = join(dir, 'terraform.tfvars.example');
  try {
    return (await parse(file, readFileSync(file, 'utf8'))) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/** A scope evaluating the root's expressions: vars from tfvars/defaults, locals, resource attributes. */
export function scopeFor(root: TerraformRoot, options: EvaluationOptions = {}): Scope {
  const samples = { ...defaultSamples, ...options.samples };
  const tfvars = options.tfvars ?? {};
  const localValues = new Map<string, Value>();
  const evaluating = new Set<string>();

  const variable = (name: string): Value => {
    if (name in tfvars) return evaluateValue(tfvars[name], scope);
    const block = root.variables[name];
    if (!block) throw new Error(`var.${name} is not declared`);
    if (!('default' in block)) throw new Error(`var.${name} has no default and no value in the tfvars`);
    return evaluateValue(block.default, scope);
  };

  const local = (name: string): Value => {
    if (localValues.has(name)) return localValues.get(name)!;
    if (!(name in root.locals)) throw new Error(`local.${name} is not declared`);
    if (evaluating.has(name)) throw new Error(`local.${name} refers to itself`);
    evaluating.add(name);
    const value = evaluateValue(root.locals[name], scope);
    evaluating.delete(name);
    localValues.set(name, value);
    return value;
  };

  const instance = (type: string, name: string, block: Block, label: string): Ref => {
    const config = (attr: string): Value => (attr in block ? evaluateValue(block[attr], scope) : null);
    return new Ref(label, (attr) => {
      const sample = samples[`${type}.${attr}`];
      if (sample) return sample({ name, config });
      if (attr in block) return evaluateValue(block[attr], scope);
      return `${name}-${attr}`.replaceAll('_', '-');
    });
  };

  const resource = (type: string, name: string, block: Block, label: string): Value => {
    if ('count' in block) {
      const count = Number(evaluateValue(block.count, scope));
      return Array.from({ length: count }, () => instance(type, name, block, label));
    }
    if ('for_each' in block) return new Ref(label, () => instance(type, name, block, label));
    return instance(type, name, block, label);
  };

  const scope: Scope = {
    root(name) {
      if (name === 'var') return new Ref('var', variable);
      if (name === 'local') return new Ref('local', local);
      if (name === 'path') return new Ref('path', () => '.');
      if (name === 'count') return new Ref('count', () => 0);
      if (name === 'each') return new Ref('each', () => 'each');
      if (name === 'data') {
        return new Ref(
          'data',
          (type) =>
            new Ref(`data.${type}`, (dataName) => {
              const block = root.data[type]?.[dataName];
              if (!block) throw new Error(`data.${type}.${dataName} is not declared`);
              return resource(type, dataName, block, `data.${type}.${dataName}`);
            }),
        );
      }
      const byName = root.resources[name];
      if (byName) {
        return new Ref(name, (resourceName) => {
          const block = byName[resourceName];
          if (!block) throw new Error(`${name}.${resourceName} is not declared`);
          return resource(name, resourceName, block, `${name}.${resourceName}`);
        });
      }
      throw new Error(`unknown name "${name}"`);
    },
  };
  return scope;
}

/** A resource's arguments as hcl2json gives them; throws when it is not declared. */
export function resourceBlock(root: TerraformRoot, address: string): Block {
  const [type, name] = address.split('.');
  const block = root.resources[type!]?.[name!];
  if (!block) throw new Error(`${root.dir}: resource ${address} is not declared`);
  return block;
}

export { evaluateValue, type Value };
