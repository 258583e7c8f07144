// Where each service runs in each deploy root, and the environment it gets there: read from the
// Terraform (plain variables, and secrets followed to the secret store entry Terraform writes), on top of
// what the image (Dockerfile ENV) and the platform itself set.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ref, type Value } from './hcl-expr.ts';
import {
  type Block,
  type EvaluationOptions,
  evaluateValue,
  referencesIn,
  resourceBlock,
  scopeFor,
  type TerraformRoot,
} from './terraform.ts';

export type Provider = 'aws' | 'gcp' | 'azure';
export type Service = 'products' | 'orders';
export type Kind =
  | 'lambda'
  | 'ecs-task'
  | 'cloud-run-service'
  | 'cloud-run-job'
  | 'container-app'
  | 'container-app-job';

export interface Deployment {
  provider: Provider;
  service: Service;
  /** server: the HTTP service (config and auth settings must load); migrate: dist/migrate.mjs (config must load). */
  role: 'server' | 'migrate';
  kind: Kind;
  address: string;
}

/** Every place a service runs. A compute resource running a service image and missing here fails the checks. */
export const deployments: readonly Deployment[] = [
  {
    provider: 'aws',
    service: 'products',
    role: 'server',
    kind: 'lambda',
    address: 'aws_lambda_function.products',
  },
  {
    provider: 'aws',
    service: 'orders',
    role: 'server',
    kind: 'lambda',
    address: 'aws_lambda_function.orders',
  },
  {
    provider: 'aws',
    service: 'products',
    role: 'migrate',
    kind: 'ecs-task',
    address: 'aws_ecs_task_definition.products_migrate',
  },
  {
    provider: 'aws',
    service: 'orders',
    role: 'migrate',
    kind: 'ecs-task',
    address: 'aws_ecs_task_definition.orders_migrate',
  },
  {
    provider: 'gcp',
    service: 'products',
    role: 'server',
    kind: 'cloud-run-service',
    address: 'google_cloud_run_v2_service.products',
  },
  {
    provider: 'gcp',
    service: 'orders',
    role: 'server',
    kind: 'cloud-run-service',
    address: 'google_cloud_run_v2_service.orders',
  },
  {
    provider: 'gcp',
    service: 'products',
    role: 'migrate',
    kind: 'cloud-run-job',
    address: 'google_cloud_run_v2_job.products_migrate',
  },
  {
    provider: 'gcp',
    service: 'orders',
    role: 'migrate',
    kind: 'cloud-run-job',
    address: 'google_cloud_run_v2_job.orders_migrate',
  },
  {
    provider: 'azure',
    service: 'products',
    role: 'server',
    kind: 'container-app',
    address: 'azurerm_container_app.products',
  },
  {
    provider: 'azure',
    service: 'orders',
    role: 'server',
    kind: 'container-app',
    address: 'azurerm_container_app.orders',
  },
  {
    provider: 'azure',
    service: 'products',
    role: 'migrate',
    kind: 'container-app-job',
    address: 'azurerm_container_app_job.products_migrate',
  },
  {
    provider: 'azure',
    service: 'orders',
    role: 'migrate',
    kind: 'container-app-job',
    address: 'azurerm_container_app_job.orders_migrate',
  },
];

/** Resource types that run containers or functions. */
export const computeTypes: Record<string, Kind> = {
  aws_lambda_function: 'lambda',
  aws_ecs_task_definition: 'ecs-task',
  google_cloud_run_v2_service: 'cloud-run-service',
  google_cloud_run_v2_job: 'cloud-run-job',
  azurerm_container_app: 'container-app',
  azurerm_container_app_job: 'container-app-job',
};

export interface DeployedEnv {
  /** The environment the process starts with. */
  env: Record<string, string>;
  /** Where each variable came from (image, platform, terraform, secret <address>). */
  sources: Record<string, string>;
  image: string;
  command?: string[];
}

/** ENV of the final stage of a Dockerfile (KEY=value pairs, continuation lines joined). */
export function imageEnv(dockerfile: string): Record<string, string> {
  const lines = dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const lastFrom = lines.findLastIndex((line) => /^\s*FROM\s/i.test(line));
  const env: Record<string, string> = {};
  for (const line of lines.slice(lastFrom + 1)) {
    const match = /^\s*ENV\s+(.*)$/i.exec(line);
    if (!match) continue;
    for (const pair of match[1]!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) {
      env[pair[1]!] = pair[2]!.replace(/^"|"$/g, '');
    }
  }
  return env;
}

const asString = (value: Value): string => {
  if (value instanceof Ref) throw new Error(`${value.label} is not a value`);
  if (value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
};

const first = (value: unknown): Block => {
  const block = Array.isArray(value) ? value[0] : value;
  if (!block || typeof block !== 'object') throw new Error('expected a block');
  return block as Block;
};

/** The one resource of `type` whose `attribute` refers to `target` (a secret version of a secret). */
function referringResource(
  root: TerraformRoot,
  type: string,
  attribute: string,
  target: string,
): [string, Block] {
  const [targetType, targetName] = target.split('.');
  const found = Object.entries(root.resources[type] ?? {}).filter(([, block]) =>
    referencesIn(block[attribute], '').some((ref) => ref.type === targetType && ref.name === targetName),
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${type} whose ${attribute} refers to ${target}, found ${found.length}`);
  }
  return found[0]!;
}

/** The resource a secret reference names (the first resource reference of `type` in the expression). */
function referencedResource(value: unknown, type: string): string {
  const ref = referencesIn(value, '').find(
    (candidate) => candidate.kind === 'resource' && candidate.type === type,
  );
  if (!ref) throw new Error(`expected a reference to a ${type} in ${JSON.stringify(value)}`);
  return `${type}.${ref.name}`;
}

interface Collected {
  env: Record<string, string>;
  sources: Record<string, string>;
}

function add(into: Collected, name: string, value: string, source: string): void {
  into.env[name] = value;
  into.sources[name] = source;
}

/** Plain `env { name value }` blocks and `dynamic "env"` over a map, as Cloud Run and Container Apps write them. */
function plainEnvBlocks(container: Block, scope: ReturnType<typeof scopeFor>, into: Collected): Block[] {
  const dynamic = (container.dynamic as Record<string, Block[]> | undefined)?.env ?? [];
  for (const block of dynamic) {
    const content = first(block.content);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: hcl2json's text of the HCL expressions env.key, env.value
    if (content.name !== '${env.key}' || content.value !== '${env.value}') {
      throw new Error('dynamic "env" must set name = env.key and value = env.value');
    }
    const map = evaluateValue(block.for_each, scope);
    if (!map || typeof map !== 'object' || Array.isArray(map) || map instanceof Ref) {
      throw new Error('dynamic "env" must iterate over a map');
    }
    for (const [name, value] of Object.entries(map)) add(into, name, asString(value), 'terraform');
  }
  return (container.env as Block[] | undefined) ?? [];
}

export function deployedEnv(
  root: TerraformRoot,
  deployment: Deployment,
  options: EvaluationOptions & { repoRoot: string },
): DeployedEnv {
  const dockerfile = readFileSync(
    join(options.repoRoot, `services/${deployment.service}/Dockerfile`),
    'utf8',
  );
  const into: Collected = { env: {}, sources: {} };
  for (const [name, value] of Object.entries(imageEnv(dockerfile))) add(into, name, value, 'image');
  const reading: Reading = {
    root,
    deployment,
    block: resourceBlock(root, deployment.address),
    scope: scopeFor(root, options),
    into,
  };
  // The image's variables go in first: the compute resource's own settings override them, as at run time.
  const { image, command } = readCompute[deployment.kind](reading);
  return { ...into, image, ...(command && { command }) };
}

/** One compute resource being read: what each kind's reader needs, and where it adds variables. */
interface Reading {
  root: TerraformRoot;
  deployment: Deployment;
  block: Block;
  scope: ReturnType<typeof scopeFor>;
  into: Collected;
}

interface Launch {
  image: string;
  command?: string[];
}

/** Each kind of compute resource writes its image, command and environment its own way. */
const readCompute: Record<Kind, (reading: Reading) => Launch> = {
  lambda: lambdaLaunch,
  'ecs-task': ecsTaskLaunch,
  'cloud-run-service': cloudRunLaunch,
  'cloud-run-job': cloudRunLaunch,
  'container-app': containerAppLaunch,
  'container-app-job': containerAppLaunch,
};

function lambdaLaunch({ block, scope, into }: Reading): Launch {
  const launch = { image: asString(evaluateValue(block.image_uri, scope)) };
  add(into, 'AWS_REGION', 'eu-west-1', 'platform');
  add(into, 'AWS_LAMBDA_FUNCTION_NAME', asString(evaluateValue(block.function_name, scope)), 'platform');
  const variables = evaluateValue(first(block.environment).variables, scope);
  for (const [name, value] of Object.entries(variables as Record<string, Value>)) {
    add(into, name, asString(value), 'terraform');
  }
  return launch;
}

function ecsTaskLaunch(reading: Reading): Launch {
  const { block, scope, into } = reading;
  const definitions = evaluateValue(block.container_definitions, scope) as Array<Record<string, Value>>;
  const container = definitions[0]!;
  const launch = {
    image: asString(container.image!),
    command: (container.command as string[] | undefined) ?? undefined,
  };
  for (const entry of (container.environment as Array<Record<string, Value>> | undefined) ?? []) {
    add(into, asString(entry.name!), asString(entry.value!), 'terraform');
  }
  for (const entry of (container.secrets as Array<Record<string, Value>> | undefined) ?? []) {
    addEcsSecret(reading, entry);
  }
  return launch;
}

/** valueFrom is a Secrets Manager ARN: follow it to the secret version Terraform writes. */
function addEcsSecret({ root, deployment, scope, into }: Reading, entry: Record<string, Value>): void {
  const arn = asString(entry.valueFrom!);
  const secretName = /:secret:(.+)-AbCdEf$/.exec(arn)?.[1];
  if (!secretName)
    throw new Error(`${deployment.address}: ${entry.name} is not from a Secrets Manager secret of this root`);
  const [versionName, version] = referringResource(
    root,
    'aws_secretsmanager_secret_version',
    'secret_id',
    `aws_secretsmanager_secret.${secretName}`,
  );
  add(
    into,
    asString(entry.name!),
    asString(evaluateValue(version.secret_string, scope)),
    `secret aws_secretsmanager_secret_version.${versionName}`,
  );
}

/** command followed by args, when the container overrides the image's command. */
function containerCommand(container: Block, scope: ReturnType<typeof scopeFor>): string[] | undefined {
  if (!container.command) return undefined;
  return [
    ...(evaluateValue(container.command, scope) as string[]),
    ...((evaluateValue(container.args ?? [], scope) as string[]) ?? []),
  ];
}

function cloudRunLaunch(reading: Reading): Launch {
  const { root, deployment, block, scope, into } = reading;
  const template = first(block.template);
  const container = first(
    deployment.kind === 'cloud-run-job' ? first(template.template).containers : template.containers,
  );
  const launch = {
    image: asString(evaluateValue(container.image, scope)),
    command: containerCommand(container, scope),
  };
  add(into, 'PORT', '8080', 'platform');
  add(into, 'K_SERVICE', asString(evaluateValue(block.name, scope)), 'platform');
  for (const env of plainEnvBlocks(container, scope, into)) {
    const name = asString(evaluateValue(env.name, scope));
    if ('value' in env) {
      add(into, name, asString(evaluateValue(env.value, scope)), 'terraform');
      continue;
    }
    const ref = first(first(env.value_source).secret_key_ref);
    const secret = referencedResource(ref.secret, 'google_secret_manager_secret');
    const [versionName, version] = referringResource(
      root,
      'google_secret_manager_secret_version',
      'secret',
      secret,
    );
    add(
      into,
      name,
      asString(evaluateValue(version.secret_data, scope)),
      `secret google_secret_manager_secret_version.${versionName}`,
    );
  }
  return launch;
}

function containerAppLaunch(reading: Reading): Launch {
  const { block, scope, into } = reading;
  const container = first(first(block.template).container);
  const launch = {
    image: asString(evaluateValue(container.image, scope)),
    command: containerCommand(container, scope),
  };
  const secrets = new Map(
    ((block.secret as Block[] | undefined) ?? []).map((secret) => [
      asString(evaluateValue(secret.name, scope)),
      secret,
    ]),
  );
  for (const env of plainEnvBlocks(container, scope, into)) {
    const name = asString(evaluateValue(env.name, scope));
    if ('value' in env) add(into, name, asString(evaluateValue(env.value, scope)), 'terraform');
    else addContainerAppSecret(reading, secrets, env, name);
  }
  return launch;
}

/** An env entry naming one of the app's secrets, which holds a Key Vault secret's id. */
function addContainerAppSecret(
  { root, deployment, scope, into }: Reading,
  secrets: Map<string, Block>,
  env: Block,
  name: string,
): void {
  const secretName = asString(evaluateValue(env.secret_name, scope));
  const secret = secrets.get(secretName);
  if (!secret)
    throw new Error(
      `${deployment.address}: env ${name} names secret "${secretName}", not declared on the app`,
    );
  const vaultSecret = referencedResource(secret.key_vault_secret_id, 'azurerm_key_vault_secret');
  add(
    into,
    name,
    asString(evaluateValue(resourceBlock(root, vaultSecret).value, scope)),
    `secret ${vaultSecret}`,
  );
}

/** The service whose image a compute resource runs (by repository name), or undefined (another image or a zip). */
export function serviceOfImage(image: string): Service | undefined {
  const match = /\/(products|orders):[^/]*$/.exec(image);
  return match?.[1] as Service | undefined;
}

/** The image a compute resource runs, evaluated; undefined for functions deployed from a zip. */
export function imageOf(
  root: TerraformRoot,
  type: string,
  name: string,
  options: EvaluationOptions,
): string | undefined {
  const scope = scopeFor(root, options);
  const block = root.resources[type]![name]!;
  switch (computeTypes[type]) {
    case 'lambda':
      return 'image_uri' in block ? asString(evaluateValue(block.image_uri, scope)) : undefined;
    case 'ecs-task':
      return asString(
        (evaluateValue(block.container_definitions, scope) as Array<Record<string, Value>>)[0]!.image!,
      );
    case 'cloud-run-service':
      return asString(evaluateValue(first(first(block.template).containers).image, scope));
    case 'cloud-run-job':
      return asString(evaluateValue(first(first(first(block.template).template).containers).image, scope));
    default:
      return asString(evaluateValue(first(first(block.template).container).image, scope));
  }
}
