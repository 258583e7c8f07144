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
  exampleTfvars,
  loadRoot,
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
