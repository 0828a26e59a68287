/**
 * `npm run bench:serve`: the scoring server under load on loopback. Trains two small DCN-v2
 * models on the demo's synthetic click log (different seeds), bundles them, serves the first with
 * `deeprank serve` in its own process (so the load generator does not share its event loop) and
 * runs autocannon with 500-candidate POST /v1/score bodies (one user context, 500 items), twice:
 * steady, and with a reload to the second bundle in the middle (POST /admin/reload). Prints JSON:
 * requests/s, candidates/s, p50/p90/p99 latency, non-2xx and errors (0 expected in both runs).
 * Options: --candidates 500  --connections 8  --duration 10  --threads 1  --rows 20000
 *          --out bench/results/serve-load.json
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBundle } from '../src/bundle/create-bundle.js';
import { demoConfig } from '../src/cli/demo.js';
import { syntheticClickLogCsv } from '../src/data/synthetic-click-log.js';
import { parseRunConfig } from '../src/train/run-config.js';
import { trainFromConfig } from '../src/train/train-run.js';
import { writeJsonAtomic } from '../src/util/atomic-write.js';
import { Random } from '../src/util/random.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    candidates: { type: 'string', default: '500' },
    connections: { type: 'string', default: '8' },
    duration: { type: 'string', default: '10' },
    threads: { type: 'string', default: '1' },
    rows: { type: 'string', default: '20000' },
    out: { type: 'string', default: join(resolve(here, '..', '..'), 'bench', 'results', 'serve-load.json') },
  },
});
const CANDIDATES = Number(args.candidates);
const CONNECTIONS = Number(args.connections);
const DURATION = Number(args.duration);
const THREADS = Number(args.threads);

/** Request bodies: a user's context and CANDIDATES items with their own features, seeded. */
function requestBodies(count: number, seed: number): string[] {
  const rng = new Random(seed);
  return Array.from({ length: count }, () =>
    JSON.stringify({
      context: { user: `u${rng.int(400)}`, country: `c${rng.int(50)}`, device: ['ios', 'android', 'web'][rng.int(3)] },
      candidates: Array.from({ length: CANDIDATES }, () => ({ item: `i${rng.int(200)}`, bananas: rng.int(24), cookbooks: rng.int(6) })),
      topK: 20,
    }),
  );
}

async function trainBundle(root: string, name: string, seed: number): Promise<string> {
  const config = demoConfig('train.csv', { type: 'dcn-v2', embeddingDim: 8, hiddenUnits: [64, 32], crossLayers: 2 }, 0.002, 2);
  const modelDir = join(root, `model-${name}`);
  await trainFromConfig(parseRunConfig({ ...config, train: { ...config.train, seed, threads: THREADS } }), { baseDir: root, outDir: modelDir, threads: THREADS });
  const bundle = join(root, `bundle-${name}`);
  await createBundle(modelDir, bundle);
  return bundle;
}

const root = await mkdtemp(join(tmpdir(), 'deeprank-serve-bench-'));
try {
  await writeFile(join(root, 'train.csv'), syntheticClickLogCsv({ rows: Number(args.rows) }));
  const first = await trainBundle(root, 'a', 1);
  const second = await trainBundle(root, 'b', 2);
  const cli = join(here, '..', 'src', 'cli', 'main.js');
  const server = spawn(process.execPath, [cli, 'serve', '--bundle', first, '--port', '0', '--threads', String(THREADS), '--max-candidates', String(Math.max(1000, CANDIDATES))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const found = /serving .* on (http:\/\/\S+)/.exec(out)?.[1];
      if (found) resolveUrl(found);
    });
    server.on('exit', (code) => reject(new Error(`deeprank serve exited with ${code}: ${out}`)));
  });
  const bodies = requestBodies(16, 7);
  let next = 0;
  const load = (duration = DURATION) =>
    autocannon({
      url,
      connections: CONNECTIONS,
      duration,
      timeout: 30,
      requests: [{ method: 'POST', path: '/v1/score', headers: { 'content-type': 'application/json' }, setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length]! }) }],
    });
  const summarize = (result: Awaited<ReturnType<typeof autocannon>>) => ({
    requestsPerSecond: Math.round(result.requests.average * 10) / 10,
    candidatesPerSecond: Math.round(result.requests.average * CANDIDATES),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    completed: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  });

  await load(2); // warm-up at full load, discarded
  const steady = summarize(await load());
  const reloading = load();
  await new Promise((resolveWait) => setTimeout(resolveWait, (DURATION * 1000) / 2));
  const reloadStarted = performance.now();
  const reply = await fetch(`${url}/admin/reload`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: second }) });
  const reloadMs = Math.round(performance.now() - reloadStarted);
  const withReload = { ...summarize(await reloading), reload: { status: reply.status, ms: reloadMs, servingAfter: ((await reply.json()) as { model: unknown }).model } };
  server.kill('SIGTERM');

  const report = {
    settings: { candidates: CANDIDATES, connections: CONNECTIONS, durationSeconds: DURATION, threads: THREADS, model: 'dcn-v2 (embeddingDim 8, hidden [64, 32], 2 cross layers)', node: process.version },
    steady,
    withReload,
  };
  console.log(JSON.stringify(report, null, 2));
  await writeJsonAtomic(args.out!, report);
  if (steady.non2xx + steady.errors + withReload.non2xx + withReload.errors > 0 || reply.status !== 200) {
    console.error('serve-load: failed requests (expected none)');
    process.exitCode = 1;
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
