// Checks of the deploy roots (deploy/aws, deploy/gcp, deploy/azure) and the deploy targets, without a
// cloud or a terraform binary: every .tf parses; every name used is declared; no output carries a
// secret; every output the Makefile and scripts read exists; every deployment of a service sets the
// environment its real config schema requires and would start with it; `make -n deploy-*` only prints.
// The last block proves each check fails on a small broken fixture.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '@shop/platform';
import Type from 'typebox';
import { beforeAll, describe, expect, it } from 'vitest';
import { GSI, TTL_ATTRIBUTE } from '../../services/orders/src/data-access/dynamodb/table.ts';
import {
  assertStorefrontConfig,
  outputsRead,
  storefrontConfig,
  type TerraformOutputs,
} from '../deploy/storefront-config.ts';
import {
  makeDryRun,
  missingOutputs,
  orderTableMismatches,
  publicStockRoutes,
  sampleOutputs,
  stepsInOrder,
  uncoveredDeployments,
} from './lib/checks.ts';
import { type Deployment, deployedEnv, deployments, type Provider } from './lib/deployments.ts';
import { type OutputRead, outputsReadByMakefile, outputsReadInRepo } from './lib/makefile.ts';
import { checkDeployment, requiredVariables, serviceConfigs } from './lib/service-config.ts';
import {
  type Block,
  type EvaluationOptions,
  evaluateValue,
  exampleTfvars,
  loadRoot,
  scopeFor,
  secretOutputs,
  TerraformParseError,
  type TerraformRoot,
  undeclaredReferences,
  unusedVariables,
} from './lib/terraform.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const fixtures = join(import.meta.dirname, 'fixtures');
const providers: readonly Provider[] = ['aws', 'gcp', 'azure'];

const roots = {} as Record<Provider, TerraformRoot>;
const tfvars = {} as Record<Provider, Record<string, unknown>>;

beforeAll(async () => {
  for (const provider of providers) {
    roots[provider] = await loadRoot(join(repoRoot, 'deploy', provider));
    tfvars[provider] = await exampleTfvars(join(repoRoot, 'deploy', provider));
  }
});

describe.each(providers)('deploy/%s', (provider) => {
  it('is a Terraform root with variables, outputs, versions and a README', () => {
    for (const file of [
      'versions.tf',
      'variables.tf',
      'outputs.tf',
      'README.md',
      'terraform.tfvars.example',
    ]) {
      expect(existsSync(join(repoRoot, 'deploy', provider, file)), file).toBe(true);
    }
    expect(Object.keys(roots[provider].variables).length).toBeGreaterThan(0);
    expect(Object.keys(roots[provider].outputs).length).toBeGreaterThan(0);
  });

  it('declares every variable, local, resource and data source it uses', () => {
    expect(undeclaredReferences(roots[provider])).toEqual([]);
  });

  it('uses every variable it declares', () => {
    expect(unusedVariables(roots[provider])).toEqual([]);
  });

  it('gives values only to declared variables in terraform.tfvars.example', () => {
    const unknown = Object.keys(tfvars[provider]).filter((name) => !(name in roots[provider].variables));
    expect(unknown).toEqual([]);
  });

  it('puts no secret in its outputs', () => {
    expect(secretOutputs(roots[provider])).toEqual([]);
  });

  it('declares every output the Makefile, the deploy scripts and storefront-config read', () => {
    const reads: OutputRead[] = [
      ...outputsReadInRepo(repoRoot),
      ...outputsRead[provider].map((name) => ({
        provider,
        name,
        from: 'scripts/deploy/storefront-config.ts',
      })),
    ];
    expect(reads.filter((read) => read.provider === provider).length).toBeGreaterThan(0);
    expect(missingOutputs(reads, { [provider]: roots[provider] })).toEqual([]);
  });

  it('lists every compute resource that runs a service image, so none escapes the environment check', () => {
    expect(uncoveredDeployments(provider, roots[provider], { tfvars: tfvars[provider] })).toEqual([]);
    expect(
      deployments
        .filter((deployment) => deployment.provider === provider)
        .map((d) => d.service)
        .sort(),
    ).toEqual(['orders', 'orders', 'products', 'products']);
  });

  it.each(deployments.filter((deployment) => deployment.provider === provider))(
    'starts $service ($role, $address) with the environment its config schema requires',
    (deployment: Deployment) => {
      const deployed = deployedEnv(roots[provider], deployment, { tfvars: tfvars[provider], repoRoot });
      expect(checkDeployment(deployment, deployed)).toEqual([]);
    },
  );

  it('writes a config.json of the documented shape from its outputs', () => {
    const outputs = sampleOutputs(roots[provider], { tfvars: tfvars[provider] }) as TerraformOutputs;
    const config = storefrontConfig(provider, outputs);
    assertStorefrontConfig(config);
    expect(config.apiBaseUrl).toMatch(/^https:\/\//);
  });

  it('make storefront-config writes that config.json (the script, run as the Makefile runs it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'storefront-config-'));
    try {
      const outputs = sampleOutputs(roots[provider], { tfvars: tfvars[provider] });
      writeFileSync(join(dir, 'outputs.json'), JSON.stringify(outputs));
      execFileSync(
        process.execPath,
        [
          'scripts/deploy/storefront-config.ts',
          provider,
          '--outputs',
          join(dir, 'outputs.json'),
          '--out',
          join(dir, 'dist/config.json'),
        ],
        { cwd: repoRoot, stdio: 'pipe' },
      );
      const written = JSON.parse(readFileSync(join(dir, 'dist/config.json'), 'utf8'));
      expect(written).toEqual(storefrontConfig(provider, outputs as TerraformOutputs));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the stock reservations off the public routes', () => {
    expect(publicStockRoutes(provider, roots[provider], repoRoot)).toEqual([]);
  });

  const steps: Record<Provider, Array<[string, RegExp]>> = {
    aws: [
      ['init', /terraform -chdir=deploy\/aws init/],
      ['registries first', /terraform -chdir=deploy\/aws apply .*-target=aws_ecr_repository\.products/],
      ['registry login', /aws ecr get-login-password .*\| docker login/],
      [
        'products image',
        /docker buildx build --platform linux\/arm64 .*services\/products\/Dockerfile .*:test123 --push/,
      ],
      [
        'orders image',
        /docker buildx build --platform linux\/arm64 .*services\/orders\/Dockerfile .*:test123 --push/,
      ],
      [
        'apply',
        /terraform -chdir=deploy\/aws apply .*-var image_tag=test123 -var lambda_architecture=arm64$/,
      ],
      ['migrate products', /scripts\/deploy\/aws-migrate\.sh products/],
      ['migrate orders', /scripts\/deploy\/aws-migrate\.sh orders/],
      [
        'config.json',
        /node scripts\/deploy\/storefront-config\.ts aws --out services\/storefront\/dist\/config\.json/,
      ],
      ['publish', /aws s3 sync services\/storefront\/dist s3:\/\//],
      ['invalidate', /aws cloudfront create-invalidation/],
    ],
    gcp: [
      ['init', /terraform -chdir=deploy\/gcp init/],
      [
        'registry first',
        /terraform -chdir=deploy\/gcp apply .*-target=google_artifact_registry_repository\.images/,
      ],
      ['registry login', /gcloud auth configure-docker/],
      [
        'products image',
        /docker buildx build --platform linux\/amd64 .*services\/products\/Dockerfile .*\/products:test123 --push/,
      ],
      [
        'orders image',
        /docker buildx build --platform linux\/amd64 .*services\/orders\/Dockerfile .*\/orders:test123 --push/,
      ],
      ['apply', /terraform -chdir=deploy\/gcp apply .*-var image_tag=test123$/],
      ['migrate products', /gcloud run jobs execute .*products_migrate_job.* --wait/],
      ['migrate orders', /gcloud run jobs execute .*orders_migrate_job.* --wait/],
      [
        'config.json',
        /node scripts\/deploy\/storefront-config\.ts gcp --out services\/storefront\/dist\/config\.json/,
      ],
      ['publish', /gcloud storage rsync services\/storefront\/dist gs:\/\//],
    ],
    azure: [
      ['init', /terraform -chdir=deploy\/azure init/],
      ['registry first', /terraform -chdir=deploy\/azure apply .*-target=azurerm_container_registry\.main/],
      ['registry login', /az acr login/],
      [
        'products image',
        /docker buildx build --platform linux\/amd64 .*services\/products\/Dockerfile .*\/products:test123 --push/,
      ],
      [
        'orders image',
        /docker buildx build --platform linux\/amd64 .*services\/orders\/Dockerfile .*\/orders:test123 --push/,
      ],
      [
        'gateway image',
        /docker buildx build --platform linux\/amd64 .*\/gateway:test123 --push deploy\/azure\/gateway/,
      ],
      ['apply', /terraform -chdir=deploy\/azure apply .*-var image_tag=test123$/],
      ['migrate products', /scripts\/deploy\/azure-migrate\.sh products/],
      ['migrate orders', /scripts\/deploy\/azure-migrate\.sh orders/],
      [
        'config.json',
        /node scripts\/deploy\/storefront-config\.ts azure --out services\/storefront\/dist\/config\.json/,
      ],
      ['publish', /az storage blob upload-batch .*--destination '\$web' --source services\/storefront\/dist/],
    ],
  };

  it(`make -n deploy-${provider} prints build, push, apply, migrate and publish without touching a cloud`, () => {
    const run = makeDryRun([...makefileArgs(), `deploy-${provider}`], repoRoot);
    expect(run.calls).toEqual([]);
    expect(run.status).toBe(0);
    expect(stepsInOrder(run.stdout, steps[provider])).toEqual([]);
  });

  it(`make -n plan-${provider} and destroy-${provider} only print terraform plan and destroy`, () => {
    for (const [target, verb] of [
      [`plan-${provider}`, 'plan'],
      [`destroy-${provider}`, 'destroy'],
    ] as const) {
      const run = makeDryRun([...makefileArgs(), target], repoRoot);
      expect(run.calls).toEqual([]);
      expect(run.status).toBe(0);
      expect(
        stepsInOrder(run.stdout, [[verb, new RegExp(`terraform -chdir=deploy/${provider} ${verb} `)]]),
      ).toEqual([]);
    }
  });
});

/** The root Makefile with deploy/deploy.mk, whether or not it includes it yet. */
function makefileArgs(): string[] {
  const includes = /^\s*-?include\s+deploy\/deploy\.mk/m.test(
    readFileSync(join(repoRoot, 'Makefile'), 'utf8'),
  );
  return includes ? [] : ['-f', 'Makefile', '-f', 'deploy/deploy.mk'];
}

describe('deploy/aws orders table', () => {
  it('is the table the orders service creates: keys, indexes, TTL, on demand, point-in-time recovery', () => {
    const table = roots.aws.resources.aws_dynamodb_table!.orders!;
    expect(orderTableMismatches(table, { gsi: GSI, ttlAttribute: TTL_ATTRIBUTE })).toEqual([]);
  });
});

describe('terraform fmt', () => {
  const terraform = (() => {
    try {
      execFileSync('terraform', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!terraform) {
    console.error(
      'TERRAFORM IS NOT INSTALLED: the formatting of deploy/**/*.tf IS NOT CHECKED (the other checks run)',
    );
  }

  it.skipIf(!terraform)('leaves every .tf file as it is', () => {
    const changed = execFileSync('terraform', ['fmt', '-check', '-recursive', '-list=true', 'deploy'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' },
    }).trim();
    expect(changed).toBe('');
  });
});

// --- Catalog caching at the edge (deploy/README.md): each cloud lets its edge cache anonymous catalog reads
// as the products service's Cache-Control says, keyed on what the answer depends on, and nothing else.

const CATALOG_ENV = {
  CATALOG_CACHE_MAX_AGE_SECONDS: 'catalog_cache_max_age_seconds',
  CATALOG_CACHE_STALE_SECONDS: 'catalog_cache_stale_seconds',
} as const;
// AWS managed CloudFront policies (deploy/aws/storefront.tf).
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
/** The API's public prefixes as CloudFront path patterns: nothing else may reach the API origin. */
const CLOUDFRONT_API_PATHS = ['/products*', '/orders*', '/customers/*'];

/** A Terraform expression as hcl2json leaves it in a value: "${expression}". */
const expression = (source: string) => `\${${source}}`;
const nested = (block: Block | undefined, name: string): Block[] =>
  (block?.[name] as Block[] | undefined) ?? [];
const lowered = (values: unknown): string[] =>
  ((values as string[] | undefined) ?? []).map((v) => v.toLowerCase());

/** A value of the root as Terraform would compute it with these options. */
function evaluator(root: TerraformRoot, options: EvaluationOptions) {
  const scope = scopeFor(root, options);
  return (value: unknown) => evaluateValue(value, scope);
}

/** CloudFront: one API origin, the public prefixes only, the catalog cached on the right key, the rest not. */
function cloudFrontProblems(root: TerraformRoot, options: EvaluationOptions): string[] {
  const value = evaluator(root, options);
  const distribution = root.resources.aws_cloudfront_distribution?.storefront;
  if (!distribution) return ['aws_cloudfront_distribution.storefront is missing'];
  const problems: string[] = [];
  const origin = nested(distribution, 'origin').find((candidate) => candidate.origin_id === 'api');
  if (!/^[\w-]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com$/.test(String(value(origin?.domain_name)))) {
    problems.push('the "api" origin is not the HTTP API\'s execute-api host');
  }
  if (nested(origin, 'custom_origin_config')[0]?.origin_protocol_policy !== 'https-only') {
    problems.push('the "api" origin is not reached over HTTPS only');
  }
  if (nested(distribution, 'custom_error_response').length > 0) {
    problems.push("custom_error_response would rewrite the API's error answers too");
  }
  const toApi = nested(distribution, 'ordered_cache_behavior').filter((b) => b.target_origin_id === 'api');
  for (const path of CLOUDFRONT_API_PATHS) {
    if (!toApi.some((b) => b.path_pattern === path)) problems.push(`no behaviour sends ${path} to the API`);
  }
  for (const behaviour of toApi) problems.push(...apiBehaviourProblems(behaviour, value));
  return [...problems, ...catalogCachePolicyProblems(root, value)];
}

function apiBehaviourProblems(behaviour: Block, value: (v: unknown) => unknown): string[] {
  const path = String(behaviour.path_pattern);
  if (!CLOUDFRONT_API_PATHS.includes(path))
    return [`behaviour ${path} sends a path outside the public prefixes to the API`];
  const problems: string[] = [];
  if (JSON.stringify([...(value(behaviour.cached_methods) as string[])].sort()) !== '["GET","HEAD"]') {
    problems.push(`${path}: caches more than GET and HEAD`);
  }
  if (value(behaviour.origin_request_policy_id) !== ALL_VIEWER_EXCEPT_HOST) {
    problems.push(`${path}: does not forward the viewer's headers without Host (AllViewerExceptHostHeader)`);
  }
  if (behaviour.compress !== false) problems.push(`${path}: CloudFront compression would weaken the ETag`);
  const catalog = behaviour.cache_policy_id === expression('aws_cloudfront_cache_policy.catalog.id');
  if (path === '/products*' && !catalog) problems.push('/products*: not on the catalog cache policy');
  if (path !== '/products*' && value(behaviour.cache_policy_id) !== CACHING_DISABLED) {
    problems.push(`${path}: cached (only the catalog may be)`);
  }
  return problems;
}

function catalogCachePolicyProblems(root: TerraformRoot, value: (v: unknown) => unknown): string[] {
  const policy = root.resources.aws_cloudfront_cache_policy?.catalog;
  if (!policy) return ['aws_cloudfront_cache_policy.catalog is missing'];
  const problems: string[] = [];
  if (value(policy.min_ttl) !== 0 || value(policy.default_ttl) !== 0) {
    problems.push(
      'catalog policy: min and default TTL must be 0 (only what the service marks cacheable is cached)',
    );
  }
  const maxAge = Number(value(expression('var.catalog_cache_max_age_seconds')));
  if (Number(value(policy.max_ttl)) !== Math.max(maxAge, 1)) {
    problems.push('catalog policy: max TTL is not bounded by catalog_cache_max_age_seconds');
  }
  const key = nested(policy, 'parameters_in_cache_key_and_forwarded_to_origin')[0];
  const headers = nested(key, 'headers_config')[0];
  const keyed = lowered(nested(headers, 'headers')[0]?.items);
  for (const header of ['authorization', 'x-tenant-id', 'origin']) {
    if (headers?.header_behavior !== 'whitelist' || !keyed.includes(header)) {
      problems.push(`catalog policy: ${header} is not in the cache key`);
    }
  }
  if (nested(key, 'query_strings_config')[0]?.query_string_behavior !== 'all') {
    problems.push('catalog policy: the query string is not in the cache key');
  }
  return problems;
}

/** Cloud CDN: on the products backend only, origin headers, keyed on the query and X-Tenant-Id, no Authorization. */
function cloudCdnProblems(root: TerraformRoot, options: EvaluationOptions): string[] {
  const value = evaluator(root, options);
  const problems: string[] = [];
  for (const [name, backend] of Object.entries(root.resources.google_compute_backend_service ?? {})) {
    if (name !== 'products' && value(backend.enable_cdn ?? false) !== false) {
      problems.push(`backend service ${name} has Cloud CDN on (only the catalog may be cached)`);
    }
  }
  const products = root.resources.google_compute_backend_service?.products;
  const maxAge = Number(value(expression('var.catalog_cache_max_age_seconds')));
  if (value(products?.enable_cdn) !== maxAge > 0) {
    problems.push('the products backend does not follow catalog_cache_max_age_seconds (on when > 0)');
  }
  const policy = nested(products, 'cdn_policy')[0];
  if (policy?.cache_mode !== 'USE_ORIGIN_HEADERS')
    problems.push("the products CDN does not use the origin's headers");
  for (const ttl of ['default_ttl', 'max_ttl', 'client_ttl']) {
    if (policy && ttl in policy) problems.push(`cdn_policy.${ttl} is refused with USE_ORIGIN_HEADERS`);
  }
  if (value(policy?.serve_while_stale) !== Number(value(expression('var.catalog_cache_stale_seconds')))) {
    problems.push(
      'serve_while_stale is not catalog_cache_stale_seconds (the API default serves a day-old answer)',
    );
  }
  const key = nested(policy, 'cache_key_policy')[0];
  if (key?.include_query_string !== true) problems.push('the query string is not in the Cloud CDN key');
  if (!lowered(key?.include_http_headers).includes('x-tenant-id'))
    problems.push('X-Tenant-Id is not in the Cloud CDN key');
  const bypass = nested(policy, 'bypass_cache_on_request_headers').map((h) =>
    String(h.header_name).toLowerCase(),
  );
  if (!bypass.includes('authorization'))
    problems.push('a request with Authorization does not bypass Cloud CDN');
  return problems;
}

/** The Azure gateway's nginx: a cache on the /products locations only, keyed on the store, bypassed by tokens. */
function gatewayCacheProblems(template: string): string[] {
  // Comments out, and the image's ${PRODUCTS_HOST}-style placeholders (their braces are not blocks).
  const text = template.replace(/^\s*#.*$/gm, '').replace(/\$\{\w+\}/g, 'placeholder');
  const locations = [...text.matchAll(/location\s+(?:=|\^~)?\s*(\S+)\s*\{([^}]*)\}/g)];
  const outside = text.replace(/location\s+(?:=|\^~)?\s*\S+\s*\{[^}]*\}/g, '');
  const problems: string[] = [];
  for (const [, path, body] of locations) {
    const cached = /^\s*proxy_cache\s+catalog\s*;/m.test(body!);
    if (/^\/products\/?$/.test(path!) && !cached)
      problems.push(`location ${path} does not use the catalog cache`);
    if (!/^\/products\/?$/.test(path!) && /^\s*proxy_cache\s+\w+\s*;/m.test(body!)) {
      problems.push(`location ${path} is cached (only the catalog may be)`);
    }
  }
  if (/^\s*proxy_cache\s+\w+\s*;/m.test(outside)) problems.push('proxy_cache is on for the whole server');
  if (!/proxy_cache_key\s+"[^"]*\$request_uri[^"]*\$http_x_tenant_id[^"]*"/.test(text)) {
    problems.push('the cache key is not the URI with its query and X-Tenant-Id');
  }
  for (const directive of ['proxy_cache_bypass', 'proxy_no_cache']) {
    if (!new RegExp(`${directive}\\s+\\$http_authorization\\s*;`).test(text)) {
      problems.push(`${directive} does not name $http_authorization`);
    }
  }
  for (const directive of ['proxy_cache_valid', 'proxy_ignore_headers']) {
    if (text.includes(directive))
      problems.push(`${directive} would cache against the service's Cache-Control`);
  }
  return problems;
}

describe('catalog caching at the edge', () => {
  const gatewayTemplate = () =>
    readFileSync(join(repoRoot, 'deploy/azure/gateway/default.conf.template'), 'utf8');

  it.each(
    deployments.filter((deployment) => deployment.service === 'products' && deployment.role === 'server'),
  )(
    '$provider gives products ($address) the catalog_cache_* variables as CATALOG_CACHE_*',
    (deployment: Deployment) => {
      for (const [maxAge, stale] of [
        [undefined, undefined],
        [120, 0],
      ] as const) {
        const options = {
          tfvars: {
            ...tfvars[deployment.provider],
            ...(maxAge === undefined
              ? {}
              : { catalog_cache_max_age_seconds: maxAge, catalog_cache_stale_seconds: stale }),
          },
          repoRoot,
        };
        const { env } = deployedEnv(roots[deployment.provider], deployment, options);
        expect(env.CATALOG_CACHE_MAX_AGE_SECONDS).toBe(String(maxAge ?? 30));
        expect(env.CATALOG_CACHE_STALE_SECONDS).toBe(String(stale ?? 30));
      }
    },
  );

  it.each(providers)('%s declares both variables: 30 seconds by default, validated', (provider) => {
    for (const name of Object.values(CATALOG_ENV)) {
      const variable = roots[provider].variables[name];
      expect(variable?.default, name).toBe(30);
      expect(nested(variable, 'validation').length, name).toBeGreaterThan(0);
    }
  });

  it('aws: CloudFront sends the public API prefixes to the HTTP API and caches the catalog on its key', () => {
    expect(cloudFrontProblems(roots.aws, { tfvars: tfvars.aws })).toEqual([]);
    expect(
      cloudFrontProblems(roots.aws, { tfvars: { ...tfvars.aws, catalog_cache_max_age_seconds: 0 } }),
    ).toEqual([]);
  });

  it('aws: the storefront reads the API through CloudFront, on its own origin', () => {
    const outputs = sampleOutputs(roots.aws, { tfvars: tfvars.aws }) as TerraformOutputs;
    expect(storefrontConfig('aws', outputs).apiBaseUrl).toBe(outputs.storefront_url!.value);
  });

  it('gcp: Cloud CDN on the products backend only, keyed on the query and X-Tenant-Id, bypassed with a token', () => {
    expect(cloudCdnProblems(roots.gcp, { tfvars: tfvars.gcp })).toEqual([]);
    expect(
      cloudCdnProblems(roots.gcp, { tfvars: { ...tfvars.gcp, catalog_cache_max_age_seconds: 0 } }),
    ).toEqual([]);
  });

  it('azure: the gateway caches the /products locations only, keyed on the store, never with a token', () => {
    expect(gatewayCacheProblems(gatewayTemplate())).toEqual([]);
  });

  it('deploy/README.md documents the edge caches and both settings', () => {
    const readme = readFileSync(join(repoRoot, 'deploy/README.md'), 'utf8');
    const section = readme.split(/^## /m).find((part) => part.startsWith('Catalog caching at the edge'));
    expect(section, 'a "## Catalog caching at the edge" section').toBeDefined();
    for (const word of ['CloudFront', 'Cloud CDN', 'Front Door', 'purge-catalog'])
      expect(section).toContain(word);
    for (const [env, variable] of Object.entries(CATALOG_ENV)) {
      expect(readme).toMatch(new RegExp(`\\|\\s*\`${env}\`[^\\n]*${variable}`));
    }
  });

  it.each(providers)('make -n purge-catalog-%s only prints the purge', (provider) => {
    const run = makeDryRun([...makefileArgs(), `purge-catalog-${provider}`], repoRoot);
    expect(run.calls).toEqual([]);
    expect(run.status).toBe(0);
    const purge = {
      aws: /aws cloudfront create-invalidation .*'\/products\/\*'/,
      gcp: /gcloud compute url-maps invalidate-cdn-cache .*'\/products\/\*'/,
      azure: /az containerapp revision restart/,
    };
    expect(run.stdout).toMatch(purge[provider]);
  });

  describe('each check fails on a broken copy', () => {
    const broken = (root: TerraformRoot, change: (copy: TerraformRoot) => void): TerraformRoot => {
      const copy = structuredClone(root);
      change(copy);
      return copy;
    };

    it('CloudFront: a token left out of the key, an error page, /stock routed, orders cached', () => {
      const root = broken(roots.aws, (copy) => {
        const policy = copy.resources.aws_cloudfront_cache_policy!.catalog!;
        const key = nested(policy, 'parameters_in_cache_key_and_forwarded_to_origin')[0]!;
        nested(nested(key, 'headers_config')[0], 'headers')[0]!.items = ['X-Tenant-Id', 'Origin'];
        const distribution = copy.resources.aws_cloudfront_distribution!.storefront!;
        distribution.custom_error_response = [
          { error_code: 404, response_code: 200, response_page_path: '/index.html' },
        ];
        const behaviours = nested(distribution, 'ordered_cache_behavior');
        behaviours.find((b) => b.path_pattern === '/orders*')!.cache_policy_id = expression(
          'aws_cloudfront_cache_policy.catalog.id',
        );
        behaviours.push({
          ...behaviours.find((b) => b.path_pattern === '/customers/*')!,
          path_pattern: '/stock*',
        });
      });
      expect(cloudFrontProblems(root, { tfvars: tfvars.aws })).toEqual([
        "custom_error_response would rewrite the API's error answers too",
        '/orders*: cached (only the catalog may be)',
        'behaviour /stock* sends a path outside the public prefixes to the API',
        'catalog policy: authorization is not in the cache key',
      ]);
    });

    it("Cloud CDN: on the orders backend, a token not bypassed, the API's day-long stale default", () => {
      const root = broken(roots.gcp, (copy) => {
        copy.resources.google_compute_backend_service!.orders!.enable_cdn = true;
        const policy = nested(copy.resources.google_compute_backend_service!.products, 'cdn_policy')[0]!;
        delete policy.bypass_cache_on_request_headers;
        delete policy.serve_while_stale;
      });
      expect(cloudCdnProblems(root, { tfvars: tfvars.gcp })).toEqual([
        'backend service orders has Cloud CDN on (only the catalog may be cached)',
        'serve_while_stale is not catalog_cache_stale_seconds (the API default serves a day-old answer)',
        'a request with Authorization does not bypass Cloud CDN',
      ]);
    });

    it('gateway: a cache for every location, without the store in its key, filled with tokens', () => {
      const template = gatewayTemplate()
        .replace('server_name _;', 'server_name _;\n  proxy_cache catalog;')
        .replace('|tenant=$http_x_tenant_id', '')
        .replace(/proxy_no_cache \$http_authorization;/, '');
      expect(gatewayCacheProblems(template)).toEqual([
        'proxy_cache is on for the whole server',
        'the cache key is not the URI with its query and X-Tenant-Id',
        'proxy_no_cache does not name $http_authorization',
      ]);
    });
  });
});

describe('each check fails on a broken fixture', () => {
  it('parse: names the file that does not parse', async () => {
    const error = await loadRoot(join(fixtures, 'bad-syntax')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TerraformParseError);
    expect((error as TerraformParseError).failures.map((failure) => failure.file)).toEqual(['main.tf']);
  });

  it('declarations: names every undeclared variable, local and resource, and the unused variable', async () => {
    const root = await loadRoot(join(fixtures, 'undeclared'));
    expect(undeclaredReferences(root).sort()).toEqual(
      [
        'resource aws_s3_bucket.storefront uses var.missing, which is not declared',
        'resource aws_s3_bucket.storefront uses local.nobody, which is not declared',
        'output ghost uses resource aws_s3_bucket.ghost, which is not declared',
      ].sort(),
    );
    expect(unusedVariables(root)).toEqual(['never_used']);
  });

  it('secrets: refuses an output carrying a generated password, sensitive or not', async () => {
    const root = await loadRoot(join(fixtures, 'secret-output'));
    expect(secretOutputs(root)).toEqual([
      'output database_url exposes local.database_url <- random_password.db',
    ]);
  });

  it('outputs: names an output the Makefile reads and the root does not declare, and a direct terraform output', () => {
    const reads = outputsReadByMakefile(
      readFileSync(join(fixtures, 'bad-outputs.mk'), 'utf8'),
      'bad-outputs.mk',
    );
    const problems = missingOutputs(reads, { aws: roots.aws });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('reads output "no_such_output"');
    expect(problems[1]).toContain('direct terraform output');
  });

  it('environment: names the variable the schema requires and the deployment forgot', async () => {
    const root = await loadRoot(join(fixtures, 'orders-env'));
    const deployment: Deployment = {
      provider: 'aws',
      service: 'orders',
      role: 'server',
      kind: 'lambda',
      address: 'aws_lambda_function.orders',
    };
    const problems = checkDeployment(deployment, deployedEnv(root, deployment, { repoRoot }));
    expect(problems).toContain('SERVICE_TOKEN_SECRET is required by the schema and not set');
    expect(problems).toContain('config: SERVICE_TOKEN_SECRET is required');
    expect(problems).toContain('PRODUCTS_URL is not set (the default points at localhost)');
  });

  it('environment: a variable newly required by a schema fails every deployment until it is set', () => {
    expect(requiredVariables(serviceConfigs.orders.schema)).toContain('SERVICE_TOKEN_SECRET');
    for (const deployment of deployments) {
      const base = serviceConfigs[deployment.service].schema;
      const grown = Type.Object({
        ...base.properties,
        PAYMENT_PROVIDER_URL: Type.String({ pattern: '^https://' }),
      });
      const config = { schema: grown, load: (env: NodeJS.ProcessEnv) => loadConfig(grown, env) };
      const deployed = deployedEnv(roots[deployment.provider], deployment, {
        tfvars: tfvars[deployment.provider],
        repoRoot,
      });
      const problems = checkDeployment(deployment, deployed, config);
      expect(problems, deployment.address).toContain(
        'PAYMENT_PROVIDER_URL is required by the schema and not set',
      );
    }
  });

  it('coverage: a compute resource running a service image outside the deployment list is reported', () => {
    const list = deployments.filter(
      (deployment) => deployment.address !== 'aws_ecs_task_definition.orders_migrate',
    );
    expect(uncoveredDeployments('aws', roots.aws, { tfvars: tfvars.aws }, list)).toEqual([
      'aws_ecs_task_definition.orders_migrate runs the orders image but is not in the deployment list: its environment is unchecked',
    ]);
  });

  it('orders table: names the index keyed wrong, the missing ones and point-in-time recovery', async () => {
    const root = await loadRoot(join(fixtures, 'orders-table'));
    const problems = orderTableMismatches(root.resources.aws_dynamodb_table!.orders!, {
      gsi: GSI,
      ttlAttribute: TTL_ATTRIBUTE,
    });
    expect(problems).toEqual([
      'point-in-time recovery is off',
      'index GSI1 is keyed GSI1PK/SK, not GSI1PK/GSI1SK',
      'attribute GSI1SK is not declared as a string',
      'index GSI2 is missing',
      'index GSI3 is missing',
    ]);
  });

  it('routes: a public route to /stock is reported', () => {
    const routes = { ...(roots.aws.locals.routes as object), 'ANY /stock/{proxy+}': ['products', false] };
    const broken = { ...roots.aws, locals: { ...roots.aws.locals, routes } };
    expect(publicStockRoutes('aws', broken, repoRoot)).toEqual([
      'HTTP API route "ANY /stock/{proxy+}" is not one of the public prefixes',
    ]);
  });

  it('config.json: refuses a config without the provider settings the storefront needs', () => {
    expect(() =>
      assertStorefrontConfig({ apiBaseUrl: 'https://api.example', tenant: 'demo', auth: { mode: 'oidc' } }),
    ).toThrow(/does not match/);
  });

  it('make -n: a deploy target that calls a cloud while printing is caught', () => {
    const run = makeDryRun(['-f', join(fixtures, 'touches-cloud.mk'), 'deploy-aws'], repoRoot);
    expect(run.calls).toEqual([
      'aws sts get-caller-identity --query Account --output text',
      'terraform -chdir=deploy/aws apply',
    ]);
  });
});
