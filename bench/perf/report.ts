// RESULTS.md, results.json and ratios.svg from one run's figures. bench/fixes.md (what each
// performance fix bought, measured by hand with this harness) is copied into RESULTS.md as is.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults } from '../run.ts';
import type { CacheUse } from '../scenarios/cold-start.ts';
import type { ScenarioResult, Spread } from '../scenarios/throughput.ts';
import type { ColdSummary, Range } from './cold-start.ts';
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

const ratio = (value: number) => `${value.toFixed(2)}×`;
const spread = (value: Spread) => `${ratio(value.median)} [${ratio(value.min)}–${ratio(value.max)}]`;

function scenarioBudgets(scenario: ScenarioResult): BudgetRow[] {
  if (!scenario.budget) return [];
  const name = `${scenario.title} — ${scenario.store}`;
  const { raw, service } = scenario.nodeUsPerRequest;
  return [
    {
      budget: `${name}: node CPU/request, service ÷ raw`,
      limit: `≤ ${ratio(scenario.budget.maxCpuRatio)}`,
      measured: `${spread(scenario.cpuRatio)} (${service} / ${raw} µs)`,
      pass: scenario.cpuRatio.median <= scenario.budget.maxCpuRatio,
    },
    {
      budget: `${name}: errors (non-2xx, socket)`,
      limit: '0',
      measured: String(scenario.service.errors),
      pass: scenario.service.errors === 0,
    },
  ];
}

function coldBudgets(cold: BenchResults['cold']): BudgetRow[] {
  if (!cold) return [];
  const { hello, targets, budgets } = cold;
  const reference = hello.healthz.median;
  const range = (value: Range) => `${ms(value.median)} [${value.min}–${value.max}]`;
  return targets
    .filter((target) => !target.variant)
    .flatMap((target) => {
      const rows: BudgetRow[] = [
        {
          budget: `cold start ${target.name}: first /healthz`,
          limit: `≤ ${budgets.healthz} × ${reference} = ${(budgets.healthz * reference).toFixed(0)} ms`,
          measured: `${range(target.healthz)} (${ratio(target.healthz.median / reference)})`,
          pass: target.healthz.median <= budgets.healthz * reference,
        },
      ];
      if (target.db) {
        rows.push({
          budget: `cold start ${target.name}: first store-backed 200`,
          limit: `≤ ${budgets.storeBacked} × ${reference} = ${(budgets.storeBacked * reference).toFixed(0)} ms`,
          measured: `${range(target.db)} (${ratio(target.db.median / reference)})`,
          pass: target.db.median <= budgets.storeBacked * reference,
        });
      }
      return rows;
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

const runsOf = (values: readonly number[]) => values.map((value) => value.toFixed(2)).join(', ');

function scenarioTable(scenarios: readonly ScenarioResult[]): string {
  const lines = [
    '| scenario | store | node CPU µs/req raw / service | CPU ratio: median [min–max] (rounds) | store CPU µs/req raw / service | wrk cores (µs/req) raw / service | req/s raw / service | req/s ratio: median [min–max] | p50 / p99 raw | p50 / p99 service | errors raw / service |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
  ];
  const wrk = (side: ScenarioResult['baseline']) =>
    `${side.loadGenerator.cores} (${side.loadGenerator.usPerRequest})`;
  for (const s of scenarios) {
    lines.push(
      `| ${s.title} | ${s.store} | ${s.nodeUsPerRequest.raw} / ${s.nodeUsPerRequest.service} | ` +
        `${spread(s.cpuRatio)} (${runsOf(s.cpuRatio.rounds)}) | ${s.storeUsPerRequest.raw} / ${s.storeUsPerRequest.service} | ` +
        `${wrk(s.baseline)} / ${wrk(s.service)} | ${s.baseline.rps} / ${s.service.rps} | ${pct(s.rpsRatio.median)} [${pct(s.rpsRatio.min)}–${pct(s.rpsRatio.max)}] | ` +
        `${s.baseline.p50} / ${s.baseline.p99} ms | ${s.service.p50} / ${s.service.p99} ms | ${s.baseline.errors} / ${s.service.errors} |`,
    );
  }
  return lines.join('\n');
}

/** `POST /orders — MariaDB`: the route without its note, the store without the products service's. */
const shortLabel = (s: ScenarioResult) =>
  `${s.title.replace(/ \(.*\)$/, '')} — ${s.store.replace(/ \(\+ .*\)$/, '').replace(' Local', '')}`;

/** Node CPU per request, service ÷ raw: the median as a bar, the rounds' range as a whisker, the budget dashed. */
function svgOf(scenarios: readonly ScenarioResult[]): string {
  const rowHeight = 28;
  const left = 350;
  const width = 960;
  const top = 2.5;
  const scale = (width - left - 70) / top;
  const height = 60 + scenarios.length * rowHeight + 30;
  const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const x = (value: number) => left + Math.min(value, top) * scale;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    '<title>Node CPU per request, service ÷ raw baseline, per scenario</title>',
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Node CPU per request, service ÷ raw node:http baseline (median of rounds; whisker: min–max; dashed: budget)</text>`,
  ];
  for (const tick of [0, 0.5, 1, 1.5, 2, 2.5]) {
    parts.push(
      `<line x1="${x(tick)}" y1="40" x2="${x(tick)}" y2="${height - 25}" stroke="${tick === 1 ? '#999' : '#ddd'}"/>`,
      `<text x="${x(tick)}" y="${height - 10}" text-anchor="middle" fill="#555">${tick}×</text>`,
    );
  }
  scenarios.forEach((s, index) => {
    const y = 45 + index * rowHeight;
    const fill = s.budget ? (s.pass ? '#2e7d32' : '#c62828') : '#607d8b';
    const mid = y + (rowHeight - 4) / 2;
    parts.push(
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${xml(shortLabel(s))}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${x(s.cpuRatio.median) - left}" height="${rowHeight - 10}" fill="${fill}"/>`,
      `<line x1="${x(s.cpuRatio.min)}" y1="${mid}" x2="${x(s.cpuRatio.max)}" y2="${mid}" stroke="black"/>`,
      `<text x="${x(Math.max(s.cpuRatio.max, s.budget?.maxCpuRatio ?? 0)) + 6}" y="${y + 15}">${ratio(s.cpuRatio.median)}</text>`,
    );
    if (s.budget) {
      const at = x(s.budget.maxCpuRatio);
      parts.push(
        `<line x1="${at}" y1="${y}" x2="${at}" y2="${y + rowHeight - 4}" stroke="black" stroke-width="2" stroke-dasharray="3,2"/>`,
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
  const out: string[] = [
    ...headerSection(results),
    ...budgetSection(budgets),
    ...throughputSection(results),
    ...coldSection(results),
  ];
  otherSections(results, out);
  writeFileSync(md, out.join('\n'));
  return [md, json, svg];
}

const cores = (value: number) => value.toFixed(2);

/** wrk's CPU over every measured run: cores while it ran, and µs per request beside the services'. */
function wrkShare(results: BenchResults) {
  const sides = results.scenarios.flatMap((s) => [s.baseline, s.service]);
  const seconds = sides.reduce((sum, side) => sum + side.seconds, 0);
  const used = sides.reduce((sum, side) => sum + side.loadGenerator.cores * side.seconds, 0);
  const maxCores = Math.max(0, ...sides.map((side) => side.loadGenerator.cores));
  const shares = results.scenarios.flatMap((s) =>
    [s.baseline, s.service].map((side) => {
      // Node processes and store servers alike: everything that served the request.
      const total = Object.values(side.cpu).reduce((sum, cpu) => sum + cpu.usPerRequest, 0);
      return side.loadGenerator.usPerRequest / (total + side.loadGenerator.usPerRequest || 1);
    }),
  );
  return {
    meanCores: seconds ? used / seconds : 0,
    maxCores,
    maxShare: Math.max(0, ...shares),
    minShare: shares.length ? Math.min(...shares) : 0,
  };
}

function headerSection(results: BenchResults): string[] {
  const v = results.versions as Record<string, string>;
  const { settings, contention } = results;
  const wrk = wrkShare(results);
  const loads = (values: number[]) => values.map((x) => x.toFixed(2)).join(' / ');
  return [
    '# Benchmark results',
    '',
    `Generated by \`npm run bench\` (\`node bench/run.ts\`) on ${results.date}, in ${results.durationSeconds} s. ` +
      'Do not edit by hand: the next run rewrites this file (the fixes section comes from `bench/fixes.md`).',
    '',
    `**Machine:** ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryGb} GB, Linux ${results.machine.kernel}. ` +
      'The load generator, the services, the raw baselines and the stores share these cores.',
    '',
    `**Versions:** Node ${v.node}; wrk ${v.wrk}; MariaDB ${v.mariadb}; PostgreSQL ${v.postgresql}; DynamoDB Local ${v.dynamodbLocal}; ` +
      `koa ${v.koa}, @mikro-orm/core ${v['@mikro-orm/core']}, mysql2 ${v.mysql2}, pg ${v.pg}, @aws-sdk/client-dynamodb ${v['@aws-sdk/client-dynamodb']}, ` +
      `jose ${v.jose}, pino ${v.pino}, typebox ${v.typebox}, esbuild ${v.esbuild}.`,
    '',
    '**Method.** Load comes from `wrk` (Debian’s package, written in C), one thread and ' +
      `${settings.connections} keep-alive connections${settings.wrkCpus ? `, pinned with \`taskset -c ${settings.wrkCpus}\`` : ', not pinned'}; ` +
      'a Lua script (bench/perf/wrk.lua) sends the bearer token, the POST bodies and a new Idempotency-Key per POST /orders, counts every ' +
      'answer’s status (any non-2xx is an error) and prints the latency percentiles. The budgets compare **node CPU per completed request**, ' +
      'service ÷ raw: the user + system CPU of the node process(es) under test, read from `/proc/<pid>/stat` before and after each run, ' +
      'divided by the requests wrk completed in it (POST /orders: orders + products on the service side, raw orders + raw products on the raw side). ' +
      'CPU per request moves much less than req/s with what else runs on the two cores; req/s and p99 are reported beside it. ' +
      (results.scenarios.length
        ? `wrk’s own CPU (this process’s reaped-children counters) averaged ${cores(wrk.meanCores)} cores while it ran (at most ${cores(wrk.maxCores)} in one run), ` +
          `${pct(wrk.minShare)}–${pct(wrk.maxShare)} of the CPU per request of wrk + the node processes + the store servers. `
        : '') +
      `Per scenario, once the machine is quiet (under 15 % busy): a ${settings.warmupSeconds} s warm-up of each side ` +
      `(${settings.firstWarmupSeconds} s for a service’s first scenario, 10 s for a raw baseline’s; discarded), then ${settings.rounds} rounds ` +
      `of one ${settings.roundSeconds} s run per side, alternating which side goes first; each round’s ratio compares two neighbouring runs, ` +
      'and a budget takes the median of the rounds, shown with their [min–max] spread. ' +
      `Pools of ${settings.pool} on both sides; ${settings.products} products (stock 1e9) in tenant \`bench\`.`,
    '',
    `**Services** run as their images run them: /app from the ${results.staging.products.source} (orders: ${results.staging.orders.source}), ` +
      `the image’s ENV (${Object.entries(results.imageEnv)
        .map(([key, value]) => `\`${key}=${value}\``)
        .join(
          ', ',
        )}, \`NODE_ENV=production\`, \`NODE_COMPILE_CACHE=/app/.node-compile-cache\`), the compile cache made as the image’s build makes it ` +
      '(scripts/warm-compile-cache.ts under that ENV, by the uid that runs the service), `node dist/server.mjs`; dev issuer with ' +
      'AUTH_ALLOW_DEV_PROVIDER=true, LOG_LEVEL=info: one synchronous JSON line per request to a file. Raw baselines are ' +
      '`bench/baseline/*.ts` on plain node:http, with the same NODE_OPTIONS and MALLOC_ARENA_MAX.',
    '',
    `**Machine load:** ${pct(contention.busyAtStart)} of the cores busy just before the run and ${pct(contention.busyAtEnd)} after it; ` +
      `${contention.vitestProcessesAtStart} vitest processes at start, ${contention.vitestProcessesAtEnd} at end; ` +
      `load average ${loads(contention.loadAverageAtStart)} at start, ${loads(contention.loadAverageAtEnd)} at end.`,
    '',
  ];
}

function budgetSection(budgets: BudgetRow[]): string[] {
  const missed = budgets.filter((row) => !row.pass);
  return [
    '## Budgets',
    '',
    missed.length
      ? `**${missed.length} of ${budgets.length} budgets missed.**`
      : `All ${budgets.length} budgets met.`,
    '',
    '| budget | limit | measured | verdict |',
    '| --- | --- | --- | --- |',
    ...budgets.map((row) => `| ${row.budget} | ${row.limit} | ${row.measured} | ${verdict(row.pass)} |`),
    '',
  ];
}

function throughputSection(results: BenchResults): string[] {
  if (!results.scenarios.length) return [];
  return [
    '## CPU per request, throughput and latency against the raw baseline',
    '',
    'Raw baseline: a bare `node:http` server doing the same I/O — the same statements / calls with the same driver and pool size, ' +
      'and the same one JSON line per request written synchronously to stdout (the services’ logging, decision D5) — without framework, ' +
      'ORM, validation, auth or logger library. POST /orders compares whole chains: orders service → products service against raw orders → ' +
      'raw products: the Idempotency-Key’s claim, one reservation call, the order write and the key’s completion with the order ' +
      '(an order of one unit of a random product of 200, a new key per request). The token scenario verifies an ES256 dev-issuer JWT on the ' +
      'service side; the raw side ignores the header. Node and store CPU are µs per completed request pooled over the rounds; the ratio ' +
      'columns give the median of the rounds, their [min–max], and each round. wrk: the load generator’s own CPU. Latencies are wrk’s ' +
      '(every answer, µs resolution), averaged over the rounds.',
    '',
    scenarioTable(results.scenarios),
    '',
    '![node CPU per request, service ÷ raw](ratios.svg)',
    '',
  ];
}

function coldSection(results: BenchResults): string[] {
  if (!results.cold) return [];
  const { hello, targets, connectionSetupMs, cacheUse } = results.cold;
  const range = (value: Range | undefined) => (value ? `${value.median} [${value.min}–${value.max}]` : '–');
  const row = (name: string, target: ColdSummary) =>
    `| ${name} | ${range(target.healthz)} | ${range(target.db)} | ${range(target.healthzCpu)} | ${range(target.dbCpu)} | ${mb(target.rssMb)} |`;
  return [
    '## Cold start',
    '',
    `Spawn → first 200, polled every 2 ms over fresh connections; median [min–max] of ${results.settings.coldRuns} runs, targets interleaved ` +
      'run by run, after one unmeasured start of each (files in the page cache, as on a host that has pulled the image). ' +
      'Services as their images run them (see Services above): the staged /app, the image’s ENV and its compile cache. ' +
      `Reference: an ESM node:http hello world (\`bench/baseline/hello.mjs\`) started the same way: **${hello.healthz.median} ms**. ` +
      'Store-backed request: `GET /products/{id}` anonymous on MariaDB and PostgreSQL, `GET /customers/{id}/orders` with a bearer token ' +
      '(so also the first JWKS fetch) on DynamoDB Local and MariaDB. CPU: user + system ms the process had used when that 200 arrived ' +
      '(10 ms ticks) — what a slower or throttled CPU (a small Lambda, a Cloud Run instance outside requests) stretches. ' +
      'Variants (no budget): the services without their compile cache, and the hello world taking node:http through require(). ' +
      `One connection set-up (new connection + trivial round trip, raw driver, warm process): ${Object.entries(
        connectionSetupMs,
      )
        .map(([store, value]) => `${store} ${value} ms`)
        .join(', ')}.`,
    '',
    '| process | first /healthz, ms | first store-backed 200, ms | CPU by /healthz, ms | CPU by store-backed 200, ms | RSS then |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('ESM node:http hello world (reference)', hello),
    ...targets.map((target) => row(target.name, target)),
    '',
    ...compileCacheLines(targets, cacheUse),
  ];
}

/** What V8 took from the cache, and what the cache bought: each service with it against without it. */
function compileCacheLines(targets: readonly ColdSummary[], cacheUse: readonly CacheUse[]): string[] {
  const lines = cacheUse.map(
    (use) =>
      `- ${use.service}: ${use.accepted} modules’ code read from the compile cache, ${use.compiled} compiled from source` +
      `${use.rejected ? `, ${use.rejected} cache entries refused` : ''} (one start with NODE_DEBUG_NATIVE=COMPILE_CACHE).`,
  );
  for (const without of targets.filter((target) => target.name.endsWith(', without the compile cache'))) {
    const name = without.name.replace(/, without the compile cache$/, '');
    const cached = targets.find((target) => target.name === name);
    if (!cached) continue;
    const gain = (a: Range | undefined, b: Range | undefined) =>
      a && b ? `${Math.round((a.median - b.median) * 10) / 10} ms` : '–';
    lines.push(
      `- ${name}: the compile cache saves ${gain(without.healthz, cached.healthz)} to the first /healthz ` +
        `(${gain(without.healthzCpu, cached.healthzCpu)} of CPU) and ${gain(without.db, cached.db)} to the first store-backed 200 ` +
        `(${gain(without.dbCpu, cached.dbCpu)} of CPU), medians.`,
    );
  }
  return lines.length ? ['**Compile cache.**', '', ...lines, ''] : [];
}

function otherSections(results: BenchResults, out: string[]): void {
  if (results.memory.length) out.push('## Memory (RSS)', '');
  if (results.memory.length)
    out.push(
      'Idle: 1 s after start and the readiness probe, before any load. Peak: sampled every 250 ms while the service side of its scenarios ran ' +
        '(products on MariaDB also serves the reservations of the POST /orders scenarios on DynamoDB and MariaDB). After: at the end of its last scenario.',
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
      'V8 sizes its heap from the memory it is given. The images pin it (NODE_OPTIONS above), so the figures above hold ' +
        'on any host; for a 128 MiB function V8 would cap the old generation near 64 MB and the young generation lower. ' +
        'The products bundle again with `--max-old-space-size=64 --max-semi-space-size=1`, serving ' +
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
    'npm run bench                 # ~12 min: build, stores, scenarios, memory, cold starts, drivers, sizes → bench/RESULTS.md',
    'node bench/run.ts --quick     # a smoke run of the harness (~4 min)',
    'node bench/run.ts --only product-token-mysql,order-post-mysql --cpu-prof   # chosen scenarios, CPU profiles in bench/.profiles',
    'node bench/run.ts --only cold-start --out /tmp/cold   # one part alone (cold-start, memory, drivers, sizes)',
    'node bench/profile.ts product-anonymous --bundle   # one route under load: profile summary + flame graph SVG in bench/.profiles',
    '```',
    '',
    'Needs wrk (`apt-get install -y wrk`), MariaDB on 127.0.0.1:3306 (root, no password), PostgreSQL on 127.0.0.1:5432 (postgres, trust) — or `BENCH_MYSQL_URL` / ' +
      '`BENCH_POSTGRES_URL` — and Java for DynamoDB Local (started by the harness). Each run creates its own databases and table and drops them. ' +
      'Run it on a quiet machine: each round compares two runs back to back, and other load on the same cores widens the rounds’ spread.',
    '',
  );
}
