// Reads a V8 .cpuprofile (node --cpu-prof) into the figures that point at a cause: self time per
// function, time per package with the package anywhere on the stack (inclusive), and a flame graph SVG.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { root } from './proc.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}

const maps = new Map<string, SourceMap | undefined>();

/** A bundled frame (dist/*.mjs) seen through its source map: the original file, when the map is there. */
function originalUrl(frame: CallFrame): string {
  if (!frame.url.startsWith('file:') || !frame.url.includes('/dist/')) return frame.url;
  let map = maps.get(frame.url);
  if (!maps.has(frame.url)) {
    let file = `${fileURLToPath(frame.url)}.map`;
    // A staged app folder (perf/stage.ts) is gone after the run: its maps are the repository's dist's.
    const staged = /\/bench-app-[^/]+\/(products|orders)\/dist\/(.*)$/.exec(file);
    if (!existsSync(file) && staged) file = join(root, 'services', staged[1] ?? '', 'dist', staged[2] ?? '');
    map = existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : undefined;
    maps.set(frame.url, map);
  }
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber ?? 0);
  return entry && 'originalSource' in entry && entry.originalSource ? entry.originalSource : frame.url;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<pkg>, the workspace's own folders, node's internals, or V8's pseudo-frames. */
export function packageOf(frame: CallFrame): string {
  const { functionName } = frame;
  const url = originalUrl(frame);
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const at = url.lastIndexOf('node_modules/');
  if (at >= 0) {
    const [first, second] = url.slice(at + 'node_modules/'.length).split('/');
    return first?.startsWith('@') ? `${first}/${second}` : (first ?? url);
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[1] ?? url.slice(5)}`;
  const local = /\/(libs\/platform|services\/\w+|bench)\//.exec(url);
  return local?.[1] ?? url;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  selfByFunction: Array<{ name: string; ms: number; share: number }>;
  selfByPackage: Array<{ name: string; ms: number; share: number }>;
  inclusiveByPackage: Array<{ name: string; ms: number; share: number }>;
}

export function summarise(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  let idleMs = 0;
  let busyMs = 0;
  const fn = new Map<string, number>();
  const pkgSelf = new Map<string, number>();
  const pkgIncl = new Map<string, number>();
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    const frame = node.callFrame;
    const key = `${frame.functionName || '(anonymous)'} ${originalUrl(frame).replace(/^.*\/(node_modules|libs|services)\//, '$1/')}:${frame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + ms);
    const pkg = packageOf(frame);
    pkgSelf.set(pkg, (pkgSelf.get(pkg) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const ancestor = byId.get(at);
      if (ancestor) seen.add(packageOf(ancestor.callFrame));
    }
    for (const name of seen) pkgIncl.set(name, (pkgIncl.get(name) ?? 0) + ms);
  }
  const ranked = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: Math.round((ms / busyMs) * 1000) / 10 }));
  return {
    totalMs: Math.round(busyMs),
    idleMs: Math.round(idleMs),
    selfByFunction: ranked(fn),
    selfByPackage: ranked(pkgSelf),
    inclusiveByPackage: ranked(pkgIncl),
  };
}

/** An icicle-style flame graph (root on top), frames narrower than 0.2 % left out. */
export function flameGraphSvg(file: string, title: string): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const total = new Map<number, number>();
  const totalOf = (id: number): number => {
    const node = byId.get(id);
    if (!node) return 0;
    if (node.callFrame.functionName === '(idle)') return 0;
    const sum = (self.get(id) ?? 0) + (node.children ?? []).reduce((acc, child) => acc + totalOf(child), 0);
    total.set(id, sum);
    return sum;
  };
  const rootNode = profile.nodes[0];
  if (!rootNode) return '<svg xmlns="http://www.w3.org/2000/svg"/>';
  const all = totalOf(rootNode.id);
  const width = 1600;
  const row = 16;
  const rects: string[] = [];
  let depthMax = 0;
  const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const hue = (pkg: string) => {
    let hash = 0;
    for (const char of pkg) hash = (hash * 31 + char.charCodeAt(0)) % 360;
    return hash;
  };
  const draw = (id: number, x: number, depth: number) => {
    const node = byId.get(id);
    const value = total.get(id) ?? 0;
    if (!node || value / all < 0.002) return;
    depthMax = Math.max(depthMax, depth);
    const w = (value / all) * width;
    const name = node.callFrame.functionName || '(anonymous)';
    const pkg = packageOf(node.callFrame);
    const label = `${name} [${pkg}] ${((value / all) * 100).toFixed(1)} %`;
    rects.push(
      `<g><title>${xml(label)}</title><rect x="${x.toFixed(1)}" y="${30 + depth * row}" width="${w.toFixed(1)}" height="${row - 1}" fill="hsl(${hue(pkg)},60%,70%)"/>` +
        (w > 60
          ? `<text x="${(x + 3).toFixed(1)}" y="${30 + depth * row + 12}" font-size="10">${xml(label.slice(0, Math.floor(w / 6)))}</text>`
          : '') +
        '</g>',
    );
    let offset = x;
    for (const child of node.children ?? []) {
      draw(child, offset, depth + 1);
      offset += ((total.get(child) ?? 0) / all) * width;
    }
  };
  draw(rootNode.id, 0, 0);
  const height = 40 + (depthMax + 1) * row;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace">`,
    `<rect width="100%" height="100%" fill="white"/><text x="4" y="18" font-size="13" font-family="sans-serif">${xml(title)} (busy time only; hover for names)</text>`,
    ...rects,
    '</svg>',
  ].join('\n');
}
