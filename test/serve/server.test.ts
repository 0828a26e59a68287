/**
 * POST /v1/score end to end on bundles of small trained models: scores equal BundleScorer on the
 * same rows (input order, calibration, utility, every task of a multi-task model), the context
 * is broadcast, topK, every validation case answered 400 naming the field, unknown categories
 * served as OOV and counted, and the health, readiness and metrics routes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleScorer } from '../../src/bundle/bundle-scorer.js';
import { createBundle } from '../../src/bundle/create-bundle.js';
import { loadBundle } from '../../src/bundle/load-bundle.js';
import { saveCalibration } from '../../src/calibration/calibration-file.js';
import { calibrationSummary } from '../../src/calibration/calibration-summary.js';
import { SegmentedCalibration, type SegmentValues } from '../../src/calibration/segmented-calibration.js';
import { loadWithPipeline } from '../../src/data/load-dataset.js';
import { NativeSession } from '../../src/engine/native-session.js';
import { createServer, topK, type ScoringServer } from '../../src/serve/server.js';
import { scoreWithModelDir } from '../bundle/bundle-fixtures.js';
import { post, serveFixtures, type ServeFixtures } from './serve-fixtures.js';

let f: ServeFixtures;
let server: ScoringServer;

before(async () => {
  f = await serveFixtures();
  server = await createServer({ bundle: f.dnnBundle, threads: 1 });
});
after(async () => {
  await server?.app.close();
  await f?.fixtures.cleanup();
});

/** BundleScorer's scores of the first `n` rows of score.csv. */
async function scorerOn(bundlePath: string, n: number, segments?: ReadonlyMap<string, SegmentValues>) {
  const bundle = await loadBundle(bundlePath);
  const data = await loadWithPipeline(bundle.pipeline, f.fixtures.scoreFile, process.cwd(), { requireLabels: false });
  const scorer = await BundleScorer.create(bundle, { threads: 1 });
  try {
    return await scorer.score(data.source, data.rows.subarray(0, n), segments);
  } finally {
    await scorer.release();
  }
}

test('scores, per-task predictions and utility equal BundleScorer on the same rows, in input order', async () => {
  const started = performance.now();
  const { status, body } = await post(server.app, '/v1/score', { candidates: f.candidates.slice(0, 120) });
  console.log(`120 candidates scored in ${(performance.now() - started).toFixed(1)} ms (inject, 1 thread)`);
  assert.equal(status, 200, JSON.stringify(body));
  const expected = await scorerOn(f.dnnBundle, 120);
  assert.deepEqual(body.scores, Array.from(expected.score));
  assert.deepEqual(body.utility, Array.from(expected.utility!));
  assert.deepEqual(body.predictions, { click: Array.from(expected.tasks.get('click')!.calibrated) });
  // utility = 2 * calibrated click, and calibration changed the raw prediction
  body.scores.forEach((score: number, i: number) => assert.ok(Math.abs(score - 2 * body.predictions.click[i]) < 1e-6));
  assert.notDeepEqual(Array.from(expected.tasks.get('click')!.raw), body.predictions.click);
  assert.equal(body.model.type, 'dnn');
  assert.equal(body.topK, undefined);
});

test('a multi-task bundle answers every task; without a policy the score is the main task', async () => {
  const mmoe = await createServer({ bundle: f.mmoeBundle, threads: 1 });
  try {
    const { status, body } = await post(mmoe.app, '/v1/score', { candidates: f.candidates.slice(0, 40) });
    assert.equal(status, 200);
    const expected = await scorerOn(f.mmoeBundle, 40);
    assert.deepEqual(Object.keys(body.predictions), ['click', 'buy']);
    assert.deepEqual(body.predictions.buy, Array.from(expected.tasks.get('buy')!.calibrated));
    assert.deepEqual(body.scores, Array.from(expected.tasks.get('click')!.calibrated));
    assert.equal(body.utility, undefined);
  } finally {
    await mmoe.app.close();
  }
});

test('a context field is broadcast to every candidate: same scores as giving it in each', async () => {
  const items = f.candidates.slice(0, 30).map(({ item, price }) => ({ item, price }));
  const shared = await post(server.app, '/v1/score', { context: { user: 'u5' }, candidates: items });
  const each = await post(server.app, '/v1/score', { candidates: items.map((c) => ({ user: 'u5', ...c })) });
  assert.equal(shared.status, 200);
  assert.deepEqual(shared.body.scores, each.body.scores);
  const lease = server.serving.acquire();
  try {
    // The user's part of the network ran once: a graph fed 'user' as one row scored the request.
    assert.deepEqual(await lease.model.scorer.contextGraphs(), [{ features: ['user'], used: true }]);
  } finally {
    lease.release();
  }
  // integers are categorical text: user 5 is the value '5' (unknown here, so OOV), not u5
  const numeric = await post(server.app, '/v1/score', { context: { user: 5 }, candidates: items });
  assert.equal(numeric.status, 200);
  assert.notDeepEqual(numeric.body.scores, shared.body.scores);
});

test('topK: the best k by score, best first, ties in input order', async () => {
  assert.deepEqual(topK([0.2, 0.9, 0.5, 0.9], 3), [
    { index: 1, score: 0.9 },
    { index: 3, score: 0.9 },
    { index: 2, score: 0.5 },
  ]);
  assert.deepEqual(topK([0.3], 5), [{ index: 0, score: 0.3 }]);
  const { body } = await post(server.app, '/v1/score', { candidates: f.candidates.slice(0, 50), topK: 5 });
  const order = body.scores.map((score: number, index: number) => ({ index, score })).sort((a: any, b: any) => b.score - a.score || a.index - b.index);
  assert.deepEqual(body.topK, order.slice(0, 5));
  assert.equal(body.scores.length, 50);
});

test('bad requests are 400 naming the field', async () => {
  const c = f.candidates.slice(0, 5);
  const cases: [string, unknown, string | null, RegExp?][] = [
    ['wrong type', { candidates: c.map((x, i) => (i === 2 ? { ...x, price: 'cheap' } : x)) }, 'candidates[2].price', /finite number/],
    ['"NaN" string', { candidates: c.map((x, i) => (i === 1 ? { ...x, price: 'NaN' } : x)) }, 'candidates[1].price'],
    ['Infinity (1e999)', JSON.stringify({ candidates: c }).replace(/"price":[0-9.]+/, '"price":1e999'), 'candidates[0].price', /finite/],
    ['categorical not text', { candidates: c.map((x, i) => (i === 4 ? { ...x, item: { id: 1 } } : x)) }, 'candidates[4].item', /string or an integer/],
    ['fractional categorical', { context: { user: 1.5 }, candidates: c.map(({ item, price }) => ({ item, price })) }, 'context.user'],
    ['missing in one candidate', { candidates: c.map(({ price, ...x }, i) => (i === 3 ? x : { ...x, price })) }, 'candidates[3].price', /required/],
    ['missing everywhere', { candidates: c.map(({ item, price }) => ({ item, price })) }, 'context.user', /required/],
    ['in context and a candidate', { context: { user: 'u1' }, candidates: c }, 'candidates[0].user', /also given in context/],
    ['unknown field', { context: { country: 'de' }, candidates: c }, 'context.country', /not a field/],
    ['unknown top-level field', { candidates: c, debug: true }, 'debug'],
    ['too many candidates', { candidates: Array.from({ length: 1001 }, () => c[0]) }, 'candidates', /more than 1000/],
    ['no candidates', { candidates: [] }, 'candidates', /at least one/],
    ['candidates not a list', { candidates: { a: 1 } }, 'candidates'],
    ['topK zero', { candidates: c, topK: 0 }, 'topK', /positive integer/],
    ['topK fractional', { candidates: c, topK: 2.5 }, 'topK'],
    ['not an object', '[1, 2]', null],
    ['not JSON', '{"candidates": [', null],
  ];
  for (const [name, payload, field, message] of cases) {
    const { status, body } = await post(server.app, '/v1/score', payload);
    assert.equal(status, 400, `${name}: ${JSON.stringify(body)}`);
    assert.equal(body.field, field, `${name}: ${JSON.stringify(body)}`);
    if (message) assert.match(body.error, message, name);
    assert.doesNotMatch(JSON.stringify(body), /\bat .+:\d+:\d+/, `${name}: no stack trace`);
  }
});

test('an int8 bundle serves, and deeprank_model_info says precision="int8"', async () => {
  const int8 = join(f.fixtures.root, 'bundle-dnn-int8');
  await createBundle(f.fixtures.dnn, int8, { quantize: 'int8' });
  const quantized = await createServer({ bundle: int8, threads: 1 });
  try {
    const scored = await post(quantized.app, '/v1/score', { candidates: f.candidates.slice(0, 5) });
    assert.equal(scored.status, 200, JSON.stringify(scored.body));
    assert.equal(scored.body.scores.length, 5);
    const text = (await quantized.app.inject({ method: 'GET', url: '/metrics' })).body;
    const version = quantized.serving.version!;
    assert.equal(metric(text, `deeprank_model_info{model_type="dnn",created_at="${version.createdAt}",manifest_sha256="${version.manifestSha256}",path="${int8}",precision="int8"}`), 1);
  } finally {
    await quantized.app.close();
  }
});

test('a server scoring with bf16 products answers as the float32 one to bf16 rounding, broadcasts a context, and deeprank_model_info says precision="bf16"', { skip: NativeSession.unavailable() ? `bf16 scoring runs in deeprank's own sessions (${NativeSession.unavailable()})` : false }, async () => {
  const bf16 = await createServer({ bundle: f.dnnBundle, threads: 1, precision: 'bf16' });
  try {
    const request = { candidates: f.candidates.slice(0, 20) };
    const [scored, float] = [await post(bf16.app, '/v1/score', request), await post(server.app, '/v1/score', request)];
    assert.equal(scored.status, 200, JSON.stringify(scored.body));
    scored.body.scores.forEach((score: number, i: number) => assert.ok(Math.abs(score - float.body.scores[i]) < 0.01, `candidate ${i}: ${score} against ${float.body.scores[i]}`));
    const items = f.candidates.slice(0, 30).map(({ item, price }) => ({ item, price }));
    const shared = await post(bf16.app, '/v1/score', { context: { user: 'u5' }, candidates: items });
    const each = await post(bf16.app, '/v1/score', { candidates: items.map((c) => ({ user: 'u5', ...c })) });
    shared.body.scores.forEach((score: number, i: number) => assert.ok(Math.abs(score - each.body.scores[i]) <= 1e-5, `context: ${score} against ${each.body.scores[i]}`));
    const lease = bf16.serving.acquire();
    try {
      // The context graph is built with bf16 products too, so it agrees with the bundle graph and scores the request.
      assert.deepEqual(await lease.model.scorer.contextGraphs(), [{ features: ['user'], used: true }]);
    } finally {
      lease.release();
    }
    const text = (await bf16.app.inject({ method: 'GET', url: '/metrics' })).body;
    const version = bf16.serving.version!;
    assert.equal(metric(text, `deeprank_model_info{model_type="dnn",created_at="${version.createdAt}",manifest_sha256="${version.manifestSha256}",path="${f.dnnBundle}",precision="bf16"}`), 1);
  } finally {
    await bf16.app.close();
  }
});

/** The value of a metric line, e.g. `deeprank_feature_oov_total{feature="user"}`. */
function metric(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  assert.ok(found, `${line} in\n${text}`);
  return Number(found.split(' ').at(-1));
}

async function metricsText(): Promise<string> {
  const response = await server.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  assert.match(response.headers['content-type'] as string, /^text\/plain/);
  return response.body;
}

test('unknown categories are served with the OOV id and counted; nulls are missing values, counted', async () => {
  const before = await metricsText();
  const candidates = f.candidates.slice(0, 7).map(({ item, price }, i) => ({ item: i < 3 ? `never-seen-${i}` : item, price: i === 6 ? null : price }));
  const { status, body } = await post(server.app, '/v1/score', { context: { user: 'nobody' }, candidates });
  assert.equal(status, 200, JSON.stringify(body));
  assert.ok(body.scores.every(Number.isFinite));
  // an unknown value scores exactly as the OOV bucket does, whatever the value
  const other = await post(server.app, '/v1/score', { context: { user: 'someone else' }, candidates });
  assert.deepEqual(other.body.scores, body.scores);
  const after = await metricsText();
  const delta = (line: string) => metric(after, line) - (before.includes(`${line} `) ? metric(before, line) : 0);
  // two requests of 7 rows: every user OOV, 3 items OOV, 1 price missing
  assert.equal(delta('deeprank_feature_oov_total{feature="user"}'), 14);
  assert.equal(delta('deeprank_feature_oov_total{feature="item"}'), 6);
  assert.equal(delta('deeprank_feature_values_total{feature="item"}'), 14);
  assert.equal(delta('deeprank_feature_missing_total{feature="price"}'), 2);
  assert.equal(delta('deeprank_feature_missing_total{feature="item"}'), 0);
  assert.equal(delta('deeprank_candidates_per_request_count'), 2);
  assert.equal(delta('deeprank_candidates_per_request_sum'), 14);
  assert.equal(delta('deeprank_score_count'), 14);
});

test('/metrics has every metric; /healthz and /readyz answer; unknown routes 404, wrong methods 405', async () => {
  await post(server.app, '/v1/score', { candidates: f.candidates.slice(0, 3) });
  const text = await metricsText();
  for (const name of ['deeprank_request_duration_seconds', 'deeprank_candidates_per_request', 'deeprank_score', 'deeprank_feature_values_total', 'deeprank_feature_oov_total', 'deeprank_feature_missing_total', 'deeprank_model_info', 'deeprank_reloads_total']) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  const version = server.serving.version!;
  assert.equal(metric(text, `deeprank_model_info{model_type="dnn",created_at="${version.createdAt}",manifest_sha256="${version.manifestSha256}",path="${f.dnnBundle}",precision="float32"}`), 1);
  assert.ok(metric(text, 'deeprank_request_duration_seconds_count{route="/v1/score",status="200"}') >= 1);
  assert.ok(metric(text, 'deeprank_request_duration_seconds_count{route="/v1/score",status="400"}') >= 1);

  const health = await server.app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 200);
  const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.equal(ready.json().model.version, version.manifestSha256);
  const missing = await server.app.inject({ method: 'GET', url: '/v2/score' });
  assert.equal(missing.statusCode, 404);
  const wrongMethod = await server.app.inject({ method: 'GET', url: '/v1/score' });
  assert.equal(wrongMethod.statusCode, 405);
  assert.equal(wrongMethod.headers.allow, 'POST');
});

test('a per-segment calibration reads its segment column from the request', async () => {
  // Calibrate per `surface` (not a model feature): app rows and web rows get their own Platt fits.
  const modelDir = join(f.fixtures.root, 'dnn-by-surface');
  await cp(f.fixtures.dnn, modelDir, { recursive: true });
  const { predictions, labels } = await scoreWithModelDir(modelDir, f.fixtures.scoreFile);
  const raw = predictions.get('click')!;
  const surface = Array.from(raw, (_, i) => (i % 2 === 0 ? 'app' : 'web'));
  const calibration = SegmentedCalibration.fit('platt', raw, Array.from(labels, (y, i) => (i % 2 === 0 ? y : 1 - y)), { column: 'surface', values: surface, minSegmentSize: 50 });
  const summary = calibrationSummary(labels, raw, 10);
  await saveCalibration(modelDir, 'click', calibration, { file: 'score.csv', rows: labels.length, bins: 10, before: summary, after: summary });
  const bundleDir = join(f.fixtures.root, 'bundle-by-surface');
  await createBundle(modelDir, bundleDir);
  const bySurface = await createServer({ bundle: bundleDir, threads: 1 });
  try {
    const candidates = f.candidates.slice(0, 10);
    const missing = await post(bySurface.app, '/v1/score', { candidates });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.field, 'context.surface');
    const app = await post(bySurface.app, '/v1/score', { context: { surface: 'app' }, candidates });
    const web = await post(bySurface.app, '/v1/score', { context: { surface: 'web' }, candidates });
    const mixed = await post(bySurface.app, '/v1/score', { candidates: candidates.map((c, i) => ({ ...c, surface: i < 5 ? 'app' : 'web' })) });
    const expected = async (values: string[]) => Array.from((await scorerOn(bundleDir, 10, new Map([['surface', values]]))).score);
    assert.deepEqual(app.body.scores, await expected(Array(10).fill('app')));
    assert.deepEqual(web.body.scores, await expected(Array(10).fill('web')));
    assert.notDeepEqual(app.body.scores, web.body.scores);
    assert.deepEqual(mixed.body.scores, await expected(Array.from({ length: 10 }, (_, i) => (i < 5 ? 'app' : 'web'))));
  } finally {
    await bySurface.app.close();
  }
});

test('a server whose bundle path is not a bundle fails to start with a BundleError naming it', async () => {
  await assert.rejects(createServer({ bundle: join(f.fixtures.root, 'nowhere') }), (error: Error) => error.name === 'BundleError' && error.message.includes('no bundle'));
});
