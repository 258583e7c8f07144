// What ships: each service's dist (without source maps) and, when the podman images exist, their app
// layer (the `COPY … /app` layer of the final stage, read from `podman history`).
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './proc.ts';

export interface BundleSize {
  service: string;
  /** Every file of dist except *.map: what the budget counts (meta.json included; the image ships it). */
  bytes: number;
  /** JavaScript only (entries + chunks). */
  codeBytes: number;
  mapBytes: number;
  files: number;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

export function bundleSizes(): BundleSize[] {
  return ['products', 'orders'].map((service) => {
    const files = walk(join(root, 'services', service, 'dist'));
    const size = (predicate: (file: string) => boolean) =>
      files.filter(predicate).reduce((sum, file) => sum + statSync(file).size, 0);
    return {
      service,
      bytes: size((file) => !file.endsWith('.map')),
      codeBytes: size((file) => file.endsWith('.mjs')),
      mapBytes: size((file) => file.endsWith('.map')),
      files: files.filter((file) => !file.endsWith('.map')).length,
    };
  });
}

export interface ImageLayer {
  image: string;
  found: boolean;
  appLayerBytes?: number;
  /** Every layer above the node base image (the Lambda adapter included). */
  aboveBaseBytes?: number;
  created?: string;
  note?: string;
}

export function imageLayers(): ImageLayer[] {
  if (spawnSync('podman', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return ['shop-products', 'shop-orders'].map((image) => ({
      image,
      found: false,
      note: 'podman is not installed',
    }));
  }
  return ['shop-products', 'shop-orders'].map((image) => {
    try {
      const history = JSON.parse(
        execFileSync('podman', ['history', '--format', 'json', image], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      ) as Array<{ CreatedBy: string; size: number; comment?: string; created: string }>;
      // Newest first; the base image starts at the first layer whose comment names the node image.
      const base = history.findIndex((layer) =>
        /FROM docker\.io\/library\/node|imported from tarball/.test(layer.comment ?? ''),
      );
      const mine = base < 0 ? history : history.slice(0, base);
      const app = mine.find((layer) => / in \/app\s*$/.test(layer.CreatedBy));
      return {
        image,
        found: true,
        appLayerBytes: app?.size,
        aboveBaseBytes: mine.reduce((sum, layer) => sum + layer.size, 0),
        created: history[0]?.created,
      };
    } catch {
      return { image, found: false, note: `podman has no image ${image} (build it with make image-test)` };
    }
  });
}

/** Bytes under a folder (a staged /app: dist with maps and meta.json, migrations, the SQLite addon). */
export function folderBytes(dir: string): number {
  return walk(dir).reduce((sum, file) => sum + statSync(file).size, 0);
}
