// RESULTS.md, results.json and ratios.svg from one run's figures. bench/fixes.md (what each
// performance fix bought, measured by hand with this harness) is copied into RESULTS.md as is.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults } from '../run.ts';
import type { ScenarioResult } from '../scenarios/throughput.ts';
import { root } from './proc.ts';

const MB = 1024 * 1024;
const pct = (ratio: number) => `${(ratio * 100).toFixed(0)} %`;
const ms = (value: number | undefined) => (value === undefined ? '–' : `${value} ms`);
const mb = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(1)} MB`);
const verdict = (pass: boolean | undefined) => (pass === undefined ? '–' : pass ? 'met' : '**MISSED**');

export interface BudgetRow {
  budget: string;
  limit: string;
  measured: string;
  pass: boolean;
}

export function budgetsOf(results: BenchResults): BudgetRow[] {
  return [
    ...results.scenarios.flatMap(scenarioBudgets),
    ...coldBudgets(results.cold),
    ...results.memory.flatMap(memoryBudgets),
    ...results.sizedMemory.map(sizedMemoryBudget),
    ...(results.sizes?.bundles ?? []).map(bundleBudget),
    ...results.drivers.map(driverBudget),
  ];
}

function scenarioBudgets(scenario: ScenarioResult): BudgetRow[] {
  if (!scenario.budget) return [];
  const name = `${scenario.title} — ${scenario.store}`;
  const rows: BudgetRow[] = [
    {
      budget: `${name}: req/s vs raw`,
      limit: `≥ ${pct(scenario.budget.minRatio)}`,
      measured: `${pct(scenario.ratio)} (rounds: ${scenario.roundRatios.map(pct).join(', ')})`,
      pass: scenario.ratio >= scenario.budget.minRatio,
    },
  ];
  if (scenario.budget.maxP99Ratio !== undefined) {
    rows.push({
      budget: `${name}: p99 vs raw`,
      limit: `≤ ${scenario.budget.maxP99Ratio}×`,
      measured: `${scenario.p99Ratio}× (${scenario.service.p99} / ${scenario.baseline.p99} ms)`,
      pass: scenario.p99Ratio <= scenario.budget.maxP99Ratio,
    });
  }
  rows.push({
    budget: `${name}: errors`,
    limit: '0',
    measured: String(scenario.service.errors),
    pass: scenario.service.errors === 0,
  });
  return rows;
}

function coldBudgets(cold: BenchResults['cold']): BudgetRow[] {
  if (!cold) return [];
  const { hello, targets, connectionSetupMs } = cold;
  return targets
    .filter((target) => !target.variant)
    .flatMap((target) => {
      const store = /\((.+)\)/.exec(target.name)?.[1] ?? '';
      const setup = connectionSetupMs[store] ?? 0;
      const limit = 3 * hello.healthzMs + setup;
      return [
        {
          budget: `cold start ${target.name}: first /healthz`,
          limit: `≤ 3 × ${hello.healthzMs} = ${(3 * hello.healthzMs).toFixed(0)} ms`,
          measured: ms(target.healthzMs),
          pass: target.healthzMs <= 3 * hello.healthzMs,
        },
        {
          budget: `cold start ${target.name}: first store-backed 200`,
          limit: `≤ 3 × ${hello.healthzMs} + ${setup} = ${limit.toFixed(0)} ms`,
          measured: ms(target.dbMs),
          pass: target.dbMs !== undefined && target.dbMs <= limit,
        },
      ];
    });
}

function memoryBudgets(memory: BenchResults['memory'][number]): BudgetRow[] {
  const rows: BudgetRow[] = [];
  if (memory.idleMb !== undefined) {
    rows.push({
      budget: `RSS idle, ${memory.service}`,
      limit: '≤ 80 MB',
      measured: mb(memory.idleMb),
      pass: memory.idleMb <= 80,
    });
  }
  const loaded = Math.max(memory.afterLoadMb ?? 0, memory.peakMb ?? 0);
  if (loaded > 0) {
    rows.push({
      budget: `RSS under and after load (peak), ${memory.service}`,
      limit: '≤ 160 MB',
      measured: `${mb(memory.afterLoadMb)} after, ${mb(memory.peakMb)} peak`,
      pass: loaded <= 160,
    });
  }
  return rows;
}

// The images' own heap is what the memory rows above measure; the sized run is the 128 MiB function.
const sizedMemoryBudget = (sized: BenchResults['sizedMemory'][number]): BudgetRow => ({
  budget: `reads work in a 128 MB Lambda: ${sized.service}, ${sized.heap} heap, peak RSS and errors`,
  limit: '< 128 MB, 0 errors',
  measured: `${mb(sized.peakMb)} peak (${mb(sized.peakAnonMb)} anonymous), ${sized.errors} errors (${sized.rps} req/s, p99 ${sized.p99} ms)`,
  pass: (sized.peakMb ?? Number.POSITIVE_INFINITY) < 128 && sized.errors === 0,
});

const bundleBudget = (bundle: NonNullable<BenchResults['sizes']>['bundles'][number]): BudgetRow => ({
  budget: `bundle ${bundle.service} (dist without maps)`,
  limit: '≤ 5 MB',
  measured: `${(bundle.bytes / MB).toFixed(2)} MB`,
  pass: bundle.bytes <= 5 * MB,
});

const driverBudget = (check: BenchResults['drivers'][number]): BudgetRow => ({
  budget: `drivers loaded by ${check.service} on ${check.store}`,
  limit: `only ${check.expected.join(' + ')}`,
  measured: check.families.join(' + ') || '(none)',
  pass: check.pass,
});

const runsOf = (result: object) =>
  'rpsRuns' in result && Array.isArray(result.rpsRuns) ? ` (${result.rpsRuns.join(' / ')})` : '';

function scenarioTable(scenarios: readonly ScenarioResult[]): string {
  const lines = [
    '| scenario | store | raw req/s | service req/s | ratio | raw p50 / p99 | service p50 / p99 | p99 ratio | errors (raw / service) | node CPU µs/req (raw / service) | store CPU µs/req (raw / service) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const STORES = ['MariaDB', 'PostgreSQL', 'DynamoDB Local'];
  const cpuOf = (result: ScenarioResult['baseline'], stores: boolean) =>
    Object.entries(result.cpu)
      .filter(([name]) => STORES.includes(name) === stores)
      .reduce((sum, [, cpu]) => sum + cpu.usPerRequest, 0);
  for (const s of scenarios) {
    lines.push(
      `| ${s.title} | ${s.store} | ${s.baseline.rps}${runsOf(s.baseline)} | ${s.service.rps}${runsOf(s.service)} | ${pct(s.ratio)} (${s.roundRatios.map(pct).join(', ')}) | ${s.baseline.p50} / ${s.baseline.p99} ms | ${s.service.p50} / ${s.service.p99} ms | ${s.p99Ratio}× | ${s.baseline.errors} / ${s.service.errors} | ${cpuOf(s.baseline, false)} / ${cpuOf(s.service, false)} | ${cpuOf(s.baseline, true)} / ${cpuOf(s.service, true)} |`,
    );
  }
  return lines.join('\n');
}

function svgOf(scenarios: readonly ScenarioResult[]): string {
  const rowHeight = 28;
  const left = 380;
  const width = 860;
  const scale = (width - left - 60) / 1.2;
  const height = 60 + scenarios.length * rowHeight + 30;
  const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    '<title>Service req/s as a share of the raw baseline, per scenario</title>',
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Service req/s as a share of the raw node:http baseline (same I/O, same driver)</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const x = left + tick * scale;
    parts.push(
      `<line x1="${x}" y1="40" x2="${x}" y2="${height - 25}" stroke="#ddd"/>`,
      `<text x="${x}" y="${height - 10}" text-anchor="middle" fill="#555">${tick * 100} %</text>`,
    );
  }
  scenarios.forEach((s, index) => {
    const y = 45 + index * rowHeight;
    const pass = s.pass ?? true;
    const bar = Math.min(s.ratio, 1.2) * scale;
    parts.push(
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${xml(`${s.title} — ${s.store}`.slice(0, 62))}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${bar}" height="${rowHeight - 10}" fill="${s.budget ? (pass ? '#2e7d32' : '#c62828') : '#607d8b'}"/>`,
      `<text x="${left + bar + 5}" y="${y + 15}">${pct(s.ratio)}</text>`,
    );
    if (s.budget) {
      const x = left + s.budget.minRatio * scale;
      parts.push(
        `<line x1="${x}" y1="${y}" x2="${x}" y2="${y + rowHeight - 4}" stroke="black" stroke-width="2" stroke-dasharray="3,2"/>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function writeReports(results: BenchResults, outDir: string): string[] {
  const budgets = budgetsOf(results);
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, 'results.json');
  const md = join(outDir, 'RESULTS.md');
  const svg = join(outDir, 'ratios.svg');
  writeFileSync(json, `${JSON.stringify({ ...results, budgets }, null, 2)}\n`);
  // In the repository's own JSON style, so `npm run lint` stays clean after a run.
  const biome = join(root, 'node_modules', '.bin', 'biome');
  if (existsSync(biome)) spawnSync(biome, ['format', '--write', json], { stdio: 'ignore' });
  writeFileSync(svg, `${svgOf(results.scenarios)}\n`);

  const v = results.versions as Record<string, string>;
  const out: string[] = [];
  out.push('# Benchmark results', '');
  out.push(
    `Generated by \`npm run bench\` (\`node bench/run.ts\`) on ${results.date}, in ${results.durationSeconds} s. ` +
      'Do not edit by hand: the next run rewrites this file (the fixes section comes from `bench/fixes.md`).',
    '',
  );
  out.push(
    `**Machine:** ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryGb} GB, Linux ${results.machine.kernel}. ` +
      `Load generator (autocannon ${v.autocannon}), services, raw baselines and the stores share these cores.`,
    '',
    `**Versions:** Node ${v.node}; MariaDB ${v.mariadb}; PostgreSQL ${v.postgresql}; DynamoDB Local ${v.dynamodbLocal}; ` +
      `koa ${v.koa}, @mikro-orm/core ${v['@mikro-orm/core']}, mysql2 ${v.mysql2}, pg ${v.pg}, @aws-sdk/client-dynamodb ${v['@aws-sdk/client-dynamodb']}, ` +
      `jose ${v.jose}, pino ${v.pino}, typebox ${v.typebox}, esbuild ${v.esbuild}.`,
    '',
    `**Settings:** ${results.settings.connections} connections; per scenario, once the machine is quiet (under 15 % busy), a ` +
      `${results.settings.warmupSeconds} s warm-up of each side (${results.settings.firstWarmupSeconds} s for a service's first scenario, 10 s for a raw baseline's; discarded), then ${results.settings.rounds} rounds of one run per side ` +
      `(${results.settings.durationSeconds / results.settings.rounds} s each, ${results.settings.durationSeconds} s measured per side), ` +
      'alternating which side goes first; the ratio is the median of the rounds’ ratios (req/s, latencies and CPU are means over the runs), ' +
      `so a drift of the machine or a burst of background work moves one round, not the verdict; pools of ${results.settings.pool} ` +
      `on both sides; ${results.settings.products} products (stock 1e9) in tenant \`bench\`; ${results.settings.coldRuns} cold starts per target. ` +
      'Services run as their images run them: the bundle staged as the image holds it, with the V8 compile cache its build makes and ' +
      `the image's ENV (${Object.entries(results.imageEnv)
        .map(([key, value]) => `\`${key}=${value}\``)
        .join(', ')}), \`node dist/server.mjs\`; dev issuer with AUTH_ALLOW_DEV_PROVIDER=true, ` +
      'LOG_LEVEL=info: one synchronous JSON line per request to a file. Raw baselines are `bench/baseline/*.ts` on plain node:http, ' +
      'with the same NODE_OPTIONS and MALLOC_ARENA_MAX.',
    '',
    `**Contention:** ${results.contention.vitestProcessesAtStart} vitest processes at start, ${results.contention.vitestProcessesAtEnd} at end; ` +
      `load average ${results.contention.loadAverageAtStart.map((x) => x.toFixed(2)).join(' / ')} at start, ` +
      `${results.contention.loadAverageAtEnd.map((x) => x.toFixed(2)).join(' / ')} at end.`,
    '',
  );

  const missed = budgets.filter((row) => !row.pass);
  out.push('## Budgets', '');
  out.push(
    missed.length
      ? `**${missed.length} of ${budgets.length} budgets missed.**`
      : `All ${budgets.length} budgets met.`,
    '',
    '| budget | limit | measured | verdict |',
    '| --- | --- | --- | --- |',
    ...budgets.map((row) => `| ${row.budget} | ${row.limit} | ${row.measured} | ${verdict(row.pass)} |`),
    '',
  );

  out.push('## Throughput and latency against the raw baseline', '');
  out.push(
    'Ratio = median over the rounds of service req/s ÷ raw req/s (2xx only; each round’s ratio in brackets). Raw baseline: a bare `node:http` server doing the same I/O — the same statements / calls ' +
      'with the same driver and pool size, and the same one JSON line per request written synchronously to stdout (the services’ logging, ' +
      'decision D5) — without framework, ORM, validation, auth or logger library. POST /orders compares whole chains: orders service → products ' +
      'service against raw orders → raw products (one reservation call, then the order write; no Idempotency-Key, a random product of 200 per request). ' +
      'The token scenario verifies an ES256 dev-issuer JWT on the service side; the raw side ignores the header. ' +
      'p50/p99 come from every 2xx response time (autocannon’s own histogram keeps whole milliseconds only), averaged over the two runs of a side.',
    '',
    scenarioTable(results.scenarios),
    '',
    '![service req/s as a share of the raw baseline](ratios.svg)',
    '',
  );

  if (results.cold) {
    const { hello, targets, connectionSetupMs } = results.cold;
    out.push('## Cold start', '');
    out.push(
      `Spawn → first 200, polled every 2 ms over fresh connections; median of ${results.settings.coldRuns} runs, targets interleaved. ` +
        `Reference: bare node:http hello world (\`bench/baseline/hello.mjs\`) started the same way: **${hello.healthzMs} ms**. ` +
        'Variants (no budget): the services without their compile cache, and the hello world taking node:http through require(), ' +
        'which skips the undici load an ESM import of node:http triggers (the services’ bundles do the same). ' +
        `One connection set-up (new connection + trivial round trip, raw driver, warm process): ` +
        `${Object.entries(connectionSetupMs)
          .map(([store, value]) => `${store} ${value} ms`)
          .join(', ')}. ` +
        'Store-backed request: `GET /products/{id}` (anonymous) and `GET /customers/{id}/orders` (bearer token: includes the first JWKS fetch).',
      '',
      '| process | first /healthz | first store-backed 200 | RSS then |',
      '| --- | ---: | ---: | ---: |',
      `| bare node:http hello world | ${ms(hello.healthzMs)} | – | ${mb(hello.rssMb)} |`,
      ...targets.map(
        (target) => `| ${target.name} | ${ms(target.healthzMs)} | ${ms(target.dbMs)} | ${mb(target.rssMb)} |`,
      ),
      '',
    );
  }

  out.push('## Memory (RSS)', '');
  out.push(
    'Idle: 1 s after start and the readiness probe, before any load. Peak: sampled every 250 ms while the service side of its scenarios ran ' +
      '(products on MariaDB also serves the reservations of both POST /orders scenarios). After: at the end of its last scenario.',
    '',
    '| service | idle (anonymous) | peak under load (anonymous) | after load |',
    '| --- | ---: | ---: | ---: |',
    ...results.memory.map(
      (m) =>
        `| ${m.service} | ${mb(m.idleMb)} (${mb(m.idleAnonMb)}) | ${mb(m.peakMb)} (${mb(m.peakAnonMb)}) | ${mb(m.afterLoadMb)} |`,
    ),
    '',
  );

  if (results.sizedMemory.length) {
    out.push('### In a 128 MiB function', '');
    out.push(
      'V8 sizes its heap from the memory it is given. The images pin the young generation V8 derives for a 512 MiB ' +
        'container (`--max-semi-space-size=1`), so the figures above hold on any host; for a 128 MiB function V8 would ' +
        'also cap the old generation near 64 MB. The products bundle again with `--max-old-space-size=64`, serving ' +
        'reads as a function instance does (one request at a time, the Lambda defaults: DB_POOL_MAX 2).',
      '',
      '| service | heap | load | idle (anonymous) | peak (anonymous) | after | req/s (last load) | p99 | errors |',
      '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...results.sizedMemory.map(
        (m) =>
          `| ${m.service} | ${m.heap} | ${m.load} | ${mb(m.idleMb)} (${mb(m.idleAnonMb)}) | ${mb(m.peakMb)} (${mb(m.peakAnonMb)}) | ${mb(m.afterLoadMb)} | ${m.rps} | ${m.p99} ms | ${m.errors} |`,
      ),
      '',
    );
  }

  if (results.sizes) {
    out.push('## Size', '');
    out.push(
      '| service | dist without maps (budget) | of which JavaScript | source maps | files |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...results.sizes.bundles.map(
        (b) =>
          `| ${b.service} | ${(b.bytes / MB).toFixed(2)} MB | ${(b.codeBytes / MB).toFixed(2)} MB | ${(b.mapBytes / MB).toFixed(2)} MB | ${b.files} |`,
      ),
      '',
      `The image's /app as the harness stages it (dist with maps and meta.json, migrations, the SQLite addon): ` +
        `products ${(results.sizes.apps.products / MB).toFixed(1)} MB, orders ${(results.sizes.apps.orders / MB).toFixed(1)} MB.`,
      '',
      '| image | app layer (`COPY … /app`) | all layers above node:24-bookworm-slim | built |',
      '| --- | ---: | ---: | --- |',
      ...results.sizes.images.map((image) =>
        image.found
          ? `| ${image.image} | ${((image.appLayerBytes ?? 0) / MB).toFixed(1)} MB | ${((image.aboveBaseBytes ?? 0) / MB).toFixed(1)} MB | ${image.created} |`
          : `| ${image.image} | – | – | ${image.note} |`,
      ),
      '',
      'The app layer holds dist (source maps and meta.json included) and the SQLite native addon.',
      '',
    );
  }

  if (results.drivers.length) {
    out.push('## Drivers loaded per store', '');
    out.push(
      'Each bundled server started under `node --import bench/perf/module-trace.ts` (a `module.registerHooks` load hook that records every ' +
        'module URL: static and dynamic imports and `require()` alike), taken through `/readyz` and one store-backed request, then stopped. ' +
        'Each loaded chunk is mapped to the packages bundled into it with esbuild’s metafile (`dist/meta.json`); a family counts as loaded ' +
        'when any of its packages has code in a loaded chunk (parsed, even if never called).',
      '',
      '| service | store | expected | loaded | chunks loaded | verdict |',
      '| --- | --- | --- | --- | ---: | --- |',
      ...results.drivers.map(
        (d) =>
          `| ${d.service} | ${d.store} | ${d.expected.join(' + ')} | ${d.families.join(' + ') || '(none)'} | ${d.chunks.length} | ${verdict(d.pass)} |`,
      ),
      '',
    );
  }

  const fixes = join(root, 'bench', 'fixes.md');
  if (existsSync(fixes)) out.push(readFileSync(fixes, 'utf8').trim(), '');

  out.push(
    '## Reproduce',
    '',
    '```bash',
    'npm run bench                 # ~8 min: build, stores, scenarios, memory, cold starts, drivers, sizes → bench/RESULTS.md',
    'node bench/run.ts --quick     # a smoke run of the harness (~3 min)',
    'node bench/run.ts --only product-token-mysql,order-post-mysql --cpu-prof   # chosen scenarios, CPU profiles in bench/.profiles',
    'node bench/profile.ts product-anonymous --bundle   # one route under load: profile summary + flame graph SVG in bench/.profiles',
    '```',
    '',
    'Needs MariaDB on 127.0.0.1:3306 (root, no password), PostgreSQL on 127.0.0.1:5432 (postgres, trust) — or `BENCH_MYSQL_URL` / ' +
      '`BENCH_POSTGRES_URL` — and Java for DynamoDB Local (started by the harness). Each run creates its own databases and table and drops them. ' +
      'Run it on a quiet machine: the ratios compare two runs back to back, and other load on the same cores moves them by ±10 points.',
    '',
  );
  writeFileSync(md, out.join('\n'));
  return [md, json, svg];
}
