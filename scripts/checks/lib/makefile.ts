// Which Terraform outputs the deploy targets read: `$(call tf_out,<provider>,<name>)` in deploy/deploy.mk,
// `out <name>` in the scripts under scripts/deploy (whose provider is the -chdir they read from), and
// the outputs storefront-config.ts builds config.json from.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from './deployments.ts';

export interface OutputRead {
  provider: Provider;
  name: string;
  /** file (and line) reading it */
  from: string;
}

const providerPattern = /deploy\/(aws|gcp|azure)\b/;

/** Outputs a makefile reads through tf_out. */
export function outputsReadByMakefile(text: string, file: string): OutputRead[] {
  const reads: OutputRead[] = [];
  text.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(/\$\(call tf_out,(aws|gcp|azure),([\w-]+)\)/g)) {
      reads.push({ provider: match[1] as Provider, name: match[2]!, from: `${file}:${index + 1}` });
    }
    // A direct `terraform ... output` outside tf_out would escape this check: refuse it.
    if (/terraform\b.*\boutput\b/.test(line) && !/^\s*(#|tf_out\s*=)/.test(line)) {
      reads.push({
        provider: 'aws',
        name: `<direct terraform output at ${file}:${index + 1}: use tf_out>`,
        from: `${file}:${index + 1}`,
      });
    }
  });
  return reads;
}

/** Outputs a deploy script reads through its `out` helper; ${service} stands for products and orders. */
export function outputsReadByScript(text: string, file: string): OutputRead[] {
  const provider = providerPattern.exec(text)?.[1] as Provider | undefined;
  const reads: OutputRead[] = [];
  text.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(/\bout\s+"?([\w${}-]+)"?/g)) {
      if (!provider) throw new Error(`${file} reads outputs but names no deploy/<provider> root`);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell variable of the scripts
      const placeholder = '${service}';
      const names = match[1]!.includes(placeholder)
        ? ['products', 'orders'].map((service) => match[1]!.replace(placeholder, service))
        : [match[1]!];
      for (const name of names) reads.push({ provider, name, from: `${file}:${index + 1}` });
    }
  });
  return reads;
}

/** Every output read by deploy/deploy.mk and scripts/deploy/*.sh of a repository. */
export function outputsReadInRepo(repoRoot: string): OutputRead[] {
  const reads = outputsReadByMakefile(
    readFileSync(join(repoRoot, 'deploy/deploy.mk'), 'utf8'),
    'deploy/deploy.mk',
  );
  const scripts = join(repoRoot, 'scripts/deploy');
  for (const name of readdirSync(scripts).filter((file) => file.endsWith('.sh'))) {
    reads.push(...outputsReadByScript(readFileSync(join(scripts, name), 'utf8'), `scripts/deploy/${name}`));
  }
  return reads;
}
