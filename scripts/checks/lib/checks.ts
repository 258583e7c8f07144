// The deploy checks as functions returning what is wrong (empty: all is well), shared by the tests
// on the real deploy roots and the negative tests on broken fixtures.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  computeTypes,
  type Deployment,
  deployments,
  imageOf,
  type Provider,
  serviceOfImage,
} from './deployments.ts';
import { Ref, type Value } from './hcl-expr.ts';
import type { OutputRead } from './makefile.ts';
import {
  type Block,
  type EvaluationOptions,
  evaluateValue,
  scopeFor,
  type TerraformRoot,
} from './terraform.ts';

/** Reads of outputs that the provider's root does not declare. */
export function missingOutputs(
  reads: readonly OutputRead[],
  roots: Partial<Record<Provider, TerraformRoot>>,
): string[] {
  return reads.flatMap((read) => {
    const root = roots[read.provider];
    if (!root) return [];
    return read.name in root.outputs
      ? []
      : [`${read.from} reads output "${read.name}", which deploy/${read.provider} does not declare`];
  });
}

/** Compute resources running a service image that the deployment list leaves out, and listed ones that are gone. */
export function uncoveredDeployments(
  provider: Provider,
  root: TerraformRoot,
  options: EvaluationOptions,
  list: readonly Deployment[] = deployments,
): string[] {
  const problems: string[] = [];
  const listed = list.filter((deployment) => deployment.provider === provider);
  for (const [type, kind] of Object.entries(computeTypes)) {
    for (const name of Object.keys(root.resources[type] ?? {})) {
      const image = imageOf(root, type, name, options);
      const service = image === undefined ? undefined : serviceOfImage(image);
      if (!service) continue;
      const address = `${type}.${name}`;
      const entry = listed.find((deployment) => deployment.address === address);
      if (!entry)
        problems.push(
          `${address} runs the ${service} image but is not in the deployment list: its environment is unchecked`,
        );
      else if (entry.service !== service || entry.kind !== kind)
        problems.push(`${address} is listed as ${entry.service}/${entry.kind}, runs ${service}/${kind}`);
    }
  }
  for (const deployment of listed) {
    const [type, name] = deployment.address.split('.');
    if (!root.resources[type!]?.[name!]) problems.push(`${deployment.address} is listed but not declared`);
  }
  return problems;
}

/** Terraform outputs as `terraform output -json` would print them, with sample values. */
export function sampleOutputs(
  root: TerraformRoot,
  options: EvaluationOptions,
): Record<string, { value: Value; sensitive: boolean }> {
  const scope = scopeFor(root, options);
  return Object.fromEntries(
    Object.entries(root.outputs).map(([name, block]) => {
      const value = evaluateValue(block.value, scope);
      if (value instanceof Ref)
        throw new Error(`output ${name} is a whole resource (${value.label}), not a value`);
      return [name, { value, sensitive: block.sensitive === true }];
    }),
  );
}

interface ExpectedIndex {
  name: string;
  partitionKey: string;
  sortKey: string;
}

/** Differences between the orders table in Terraform and the one the orders service creates (table.ts). */
export function orderTableMismatches(
  table: Block,
  expected: { gsi: Record<string, ExpectedIndex>; ttlAttribute: string },
): string[] {
  return [...tableSettingMismatches(table, expected.ttlAttribute), ...indexMismatches(table, expected.gsi)];
}

/** Key, billing, point-in-time recovery and TTL. */
function tableSettingMismatches(table: Block, ttlAttribute: string): string[] {
  const problems: string[] = [];
  if (table.hash_key !== 'PK' || table.range_key !== 'SK') problems.push('the table key is not PK/SK');
  if (table.billing_mode !== 'PAY_PER_REQUEST') problems.push('the table is not on demand (PAY_PER_REQUEST)');
  const pitr = (table.point_in_time_recovery as Block[] | undefined)?.[0];
  if (pitr?.enabled !== true) problems.push('point-in-time recovery is off');
  const ttl = (table.ttl as Block[] | undefined)?.[0];
  if (ttl?.attribute_name !== ttlAttribute || ttl.enabled !== true)
    problems.push(`TTL is not on ${ttlAttribute}`);
  return problems;
}

/** Each index the service uses, as it uses it, and no other. */
function indexMismatches(table: Block, gsi: Record<string, ExpectedIndex>): string[] {
  const indexes = (table.global_secondary_index as Block[] | undefined) ?? [];
  const attributes = new Map(((table.attribute as Block[] | undefined) ?? []).map((a) => [a.name, a.type]));
  const expected = Object.values(gsi);
  const problems = expected.flatMap((index) => {
    const found = indexes.find((candidate) => candidate.name === index.name);
    return found ? declaredIndexMismatches(found, index, attributes) : [`index ${index.name} is missing`];
  });
  for (const index of indexes) {
    if (!expected.some((candidate) => candidate.name === index.name)) {
      problems.push(`index ${String(index.name)} is not one the service uses`);
    }
  }
  return problems;
}

function declaredIndexMismatches(
  found: Block,
  index: ExpectedIndex,
  attributes: Map<unknown, unknown>,
): string[] {
  const problems: string[] = [];
  if (found.hash_key !== index.partitionKey || found.range_key !== index.sortKey) {
    problems.push(
      `index ${index.name} is keyed ${found.hash_key}/${found.range_key}, not ${index.partitionKey}/${index.sortKey}`,
    );
  }
  if (found.projection_type !== 'ALL') problems.push(`index ${index.name} does not project ALL`);
  for (const key of [index.partitionKey, index.sortKey]) {
    if (attributes.get(key) !== 'S') problems.push(`attribute ${key} is not declared as a string`);
  }
  return problems;
}

/** Public routes that would reach the stock reservations, per provider. */
export function publicStockRoutes(provider: Provider, root: TerraformRoot, repoRoot: string): string[] {
  return stockExposure[provider](root, repoRoot);
}

/** Each cloud keeps the stock routes private its own way. */
const stockExposure: Record<Provider, (root: TerraformRoot, repoRoot: string) => string[]> = {
  aws: (root) => [...awsRouteExposure(root), ...awsStockApiExposure(root)],
  gcp: (root) => [...gcpUrlMapExposure(root), ...gcpIngressExposure(root)],
  azure: (root, repoRoot) => [...azureIngressExposure(root), ...azureGatewayExposure(repoRoot)],
};

// Only the public prefixes: /products*, /orders*, /customers/* (never /stock*, $default or /{proxy+}).
const PUBLIC_AWS_ROUTE =
  /^(GET|POST|PUT|PATCH|DELETE|ANY) \/(products|orders)(\/\{proxy\+\})?$|^(GET|ANY) \/customers\/\{proxy\+\}$/;

/** HTTP API routes, from the routes local and from literal route keys, outside the public prefixes. */
function awsRouteExposure(root: TerraformRoot): string[] {
  const routes = evaluateValue(root.locals.routes, scopeFor(root, {})) as Record<string, Value>;
  const problems = Object.keys(routes)
    .filter((key) => !PUBLIC_AWS_ROUTE.test(key))
    .map((key) => `HTTP API route "${key}" is not one of the public prefixes`);
  for (const [name, route] of Object.entries(root.resources.aws_apigatewayv2_route ?? {})) {
    const key = route.route_key;
    // A key built from an expression comes from the routes local, checked above.
    if (typeof key === 'string' && !key.includes('${') && !PUBLIC_AWS_ROUTE.test(key)) {
      problems.push(`aws_apigatewayv2_route.${name} routes ${key}`);
    }
  }
  return problems;
}

function awsStockApiExposure(root: TerraformRoot): string[] {
  const endpoint = (
    root.resources.aws_api_gateway_rest_api?.internal?.endpoint_configuration as Block[] | undefined
  )?.[0];
  return (endpoint?.types as string[] | undefined)?.includes('PRIVATE')
    ? []
    : ['the stock API is not PRIVATE'];
}

function gcpUrlMapExposure(root: TerraformRoot): string[] {
  const problems: string[] = [];
  for (const [name, map] of Object.entries(root.resources.google_compute_url_map ?? {})) {
    const rules = ((map.path_matcher as Block[] | undefined) ?? []).flatMap(
      (matcher) => (matcher.path_rule as Block[] | undefined) ?? [],
    );
    for (const path of rules.flatMap((rule) => (rule.paths as string[]) ?? [])) {
      if (path.startsWith('/stock') || path === '/*') problems.push(`url map ${name} routes ${path}`);
    }
  }
  return problems;
}

const INTERNAL_CLOUD_RUN_INGRESS = [
  'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
  'INGRESS_TRAFFIC_INTERNAL_ONLY',
];

function gcpIngressExposure(root: TerraformRoot): string[] {
  return Object.entries(root.resources.google_cloud_run_v2_service ?? {})
    .filter(([, service]) => !INTERNAL_CLOUD_RUN_INGRESS.includes(service.ingress as string))
    .map(
      ([name, service]) =>
        `Cloud Run service ${name} admits traffic from anywhere (ingress ${String(service.ingress)})`,
    );
}

function azureIngressExposure(root: TerraformRoot): string[] {
  return Object.entries(root.resources.azurerm_container_app ?? {})
    .filter(
      ([name, app]) =>
        name !== 'gateway' && (app.ingress as Block[] | undefined)?.[0]?.external_enabled !== false,
    )
    .map(([name]) => `container app ${name} has external ingress`);
}

function azureGatewayExposure(repoRoot: string): string[] {
  const template = readFileSync(join(repoRoot, 'deploy/azure/gateway/default.conf.template'), 'utf8');
  const problems: string[] = [];
  if (!/location \^~ \/stock\/ \{ return 404; \}/.test(template))
    problems.push('the gateway does not answer 404 to /stock/');
  if (/location \/ \{[^}]*proxy_pass/.test(template)) problems.push('the gateway proxies every path');
  return problems;
}

export interface DryRun {
  stdout: string;
  /** Cloud and container tools make ran (or tried to), with their arguments. */
  calls: string[];
  status: number;
}

const guardedTools = ['terraform', 'aws', 'gcloud', 'az', 'docker', 'kubectl', 'curl'];

/**
 * `make -n` with every cloud tool replaced by a stub that records its call and fails: a dry run that
 * touches a cloud (through $(shell …) while parsing, or a recipe make runs despite -n) shows in `calls`.
 */
export function makeDryRun(args: string[], cwd: string): DryRun {
  const bin = mkdtempSync(join(tmpdir(), 'deploy-dry-run-'));
  const log = join(bin, 'calls.log');
  try {
    writeFileSync(log, '');
    mkdirSync(join(bin, 'stubs'));
    for (const tool of guardedTools) {
      const stub = join(bin, 'stubs', tool);
      writeFileSync(stub, `#!/bin/sh\necho "${tool} $*" >> "${log}"\nexit 97\n`);
      chmodSync(stub, 0o755);
    }
    let stdout = '';
    let status = 0;
    try {
      stdout = execFileSync('make', ['--no-print-directory', '-n', ...args], {
        cwd,
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${join(bin, 'stubs')}:${process.env.PATH}`,
          MAKEFLAGS: '',
          IMAGE_TAG: 'test123',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const failure = error as { stdout?: string; status?: number };
      stdout = failure.stdout ?? '';
      status = failure.status ?? 1;
    }
    const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    return { stdout, calls, status };
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

/** Lines of `stdout` matching each pattern, in this order; names the first step missing or out of order. */
export function stepsInOrder(stdout: string, steps: ReadonlyArray<[string, RegExp]>): string[] {
  const lines = stdout.split('\n');
  let at = 0;
  for (const [label, pattern] of steps) {
    const found = lines.findIndex((line, index) => index >= at && pattern.test(line));
    if (found === -1) return [`step "${label}" (${pattern}) is missing or out of order`];
    at = found + 1;
  }
  return [];
}
