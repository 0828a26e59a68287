import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradients } from '../../src/engine/autodiff.js';
import { Graph } from '../../src/engine/graph.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { RatingMatrix, type Rating } from '../../src/data/rating-matrix.js';
import { ConfigError } from '../../src/errors.js';
import { BATCH, BuildContext } from '../../src/layers/build-context.js';
import { AutoRec } from '../../src/models/autorec.js';
import { checkGradients } from '../support/gradient-check.js';

const USERS = 4;
const HIDDEN = 3;
const L2 = 0.3;
// Three item columns over four users; user 3 rated none of them.
const RATINGS = Float64Array.of(5, 0, 3, 0, 1, 4, 0, 0, 0, 2, 2, 0);
const MASK = Float64Array.from(RATINGS, (r) => (r > 0 ? 1 : 0));
const WEIGHTS = ['autorec/encoder/kernel', 'autorec/encoder/bias', 'autorec/decoder/kernel', 'autorec/decoder/bias'];

/** Weights with non-zero biases, so every term of the loss is exercised. */
function tinyParams(): ParameterStore {
  const params = new ParameterStore(3);
  const ctx = new BuildContext(new Graph('float64'), params, 'train');
  new AutoRec({ hiddenUnits: HIDDEN, l2: L2 }).reconstruct(ctx, ctx.graph.input('ratings', [BATCH, USERS]));
  params.dense.get('autorec/encoder/bias')!.data.set([0.1, -0.2, 0.3]);
  params.dense.get('autorec/decoder/bias')!.data.set([3, 3.5, 2.5, 4]);
  return params;
}

/** Loss and weight gradients in float64 for the tiny batch. */
async function lossAndGradients(params: ParameterStore): Promise<{ loss: number; grads: Float64Array[] }> {
  const graph = new Graph('float64');
  const loss = new AutoRec({ hiddenUnits: HIDDEN, l2: L2 }).loss(new BuildContext(graph, params, 'train'), graph.input('ratings', [BATCH, USERS]), graph.input('mask', [BATCH, USERS]));
  const grads = gradients(loss, WEIGHTS.map((name) => graph.findInput(name)!.sym));
  const outputs = Object.fromEntries([['loss', loss], ...WEIGHTS.map((name, k) => [`grad/${name}`, grads[k]!])]);
  const session = await OnnxSession.create(exportOnnx(graph, { outputs }), { threads: 1 });
  const feeds = Object.fromEntries(WEIGHTS.map((name) => [name, { data: Float64Array.from(params.dense.get(name)!.data), shape: params.dense.get(name)!.shape }]));
  const out = await session.run({ ...feeds, ratings: { data: RATINGS, shape: [3, USERS] }, mask: { data: MASK, shape: [3, USERS] } });
  await session.release();
  return { loss: (out.loss as Float64Array)[0]!, grads: WEIGHTS.map((name) => out[`grad/${name}`] as Float64Array) };
}

test('AutoRec loss: golden value against the equation computed by hand', async () => {
  const params = tinyParams();
  const w = (name: string) => params.dense.get(name)!.data;
  const [V, mu, W, b] = WEIGHTS.map(w) as [Float32Array, Float32Array, Float32Array, Float32Array];
  let dataTerm = 0;
  for (let i = 0; i < 3; i++) {
    const h = Array.from({ length: HIDDEN }, (_, k) => {
      let z = mu[k]!;
      for (let u = 0; u < USERS; u++) z += RATINGS[i * USERS + u]! * V[u * HIDDEN + k]!;
      return 1 / (1 + Math.exp(-z));
    });
    for (let u = 0; u < USERS; u++) {
      const predicted = b[u]! + h.reduce((s, hk, k) => s + hk * W[k * USERS + u]!, 0);
      dataTerm += MASK[i * USERS + u]! * (predicted - RATINGS[i * USERS + u]!) ** 2;
    }
  }
  const penalty = [...V, ...W].reduce((s, x) => s + x * x, 0);
  const expected = dataTerm / 3 + (L2 / 2) * penalty;
  const { loss } = await lossAndGradients(params);
  assert.ok(Math.abs(loss - expected) < 1e-9, `loss ${loss}, by hand ${expected}`);
});

test('AutoRec loss gradients match finite differences for every weight', async () => {
  const params = new ParameterStore(5);
  const { maxError } = await checkGradients(
    [
      { name: 'ratings', shape: [BATCH, USERS], dims: [3, USERS], values: RATINGS, constant: true },
      { name: 'mask', shape: [BATCH, USERS], dims: [3, USERS], values: MASK, constant: true },
    ],
    (syms, graph) => new AutoRec({ hiddenUnits: HIDDEN, l2: L2 }).loss(new BuildContext(graph, params, 'train'), syms.ratings!, syms.mask!),
    { params },
  );
  assert.ok(maxError < 1e-6);
  assert.deepEqual([...params.dense.keys()].sort(), [...WEIGHTS].sort());
});

test('AutoRec: what is reconstructed at unobserved entries changes neither the loss nor the gradients', async () => {
  const params = tinyParams();
  const before = await lossAndGradients(params);
  // Decoder bias and kernel column of user 3 only move r̂_i[3], which no item of the batch observed.
  params.dense.get('autorec/decoder/bias')!.data[3] = 100;
  const after = await lossAndGradients(params);
  assert.equal(after.loss, before.loss);
  after.grads.forEach((g, k) => assert.deepEqual(Array.from(g), Array.from(before.grads[k]!), WEIGHTS[k]));
  // User 3's decoder column feels only the L2 penalty: gradient l2 · W[:, 3].
  const W = params.dense.get('autorec/decoder/kernel')!.data;
  const gW = after.grads[2]!;
  for (let k = 0; k < HIDDEN; k++) assert.ok(Math.abs(gW[k * USERS + 3]! - L2 * W[k * USERS + 3]!) < 1e-12);
  assert.equal(after.grads[3]![3], 0);
});

test('AutoRec config round-trips through getConfig/fromConfig and bad arguments are ConfigErrors', () => {
  const model = new AutoRec({ hiddenUnits: 500, l2: 0.1, minRating: 0.5, maxRating: 5 });
  assert.deepEqual(AutoRec.fromConfig(model.getConfig()).getConfig(), model.getConfig());
  const graph = new Graph();
  model.reconstruct(new BuildContext(graph, new ParameterStore(), 'eval'), graph.input('ratings', [BATCH, USERS]));
  assert.deepEqual(model.getConfig(), { hiddenUnits: 500, l2: 0.1, minRating: 0.5, maxRating: 5, name: 'autorec' });
  assert.deepEqual(AutoRec.fromConfig(model.getConfig()).getConfig(), model.getConfig());
  assert.throws(() => new AutoRec({ hiddenUnits: 0, l2: 0 }), (e: unknown) => e instanceof ConfigError && /hiddenUnits/.test(e.message));
  assert.throws(() => new AutoRec({ hiddenUnits: 2, l2: -1 }), (e: unknown) => e instanceof ConfigError && /'l2'/.test(e.message));
  assert.throws(() => new AutoRec({ hiddenUnits: 2, l2: 0, minRating: 5, maxRating: 1 }), ConfigError);
});

/** A rank-1 rating pattern: user taste times item quality, rounded to 1..5, 70% observed. */
function syntheticRatings(): Rating[] {
  const ratings: Rating[] = [];
  let line = 0;
  for (let u = 0; u < 30; u++) {
    for (let i = 0; i < 40; i++) {
      if ((u * 7 + i * 13) % 10 < 3) continue;
      const rating = Math.min(5, Math.max(1, Math.round(1 + 4 * ((u % 5) / 4) * ((i % 4) / 3 + 0.2))));
      ratings.push({ user: `u${u}`, item: `i${i}`, rating, line: ++line });
    }
  }
  return ratings;
}

test('AutoRec fit: the loss falls, the same seed gives the same numbers, unseen ids fall back to means', async () => {
  const matrix = new RatingMatrix(syntheticRatings());
  const options = { epochs: 30, batchSize: 8, seed: 11, threads: 1, optimizer: { learningRate: 0.01 } };
  const pairs = [
    { user: 'u3', item: 'i5' },
    { user: 'u3', item: 'new-item' },
    { user: 'new-user', item: 'i5' },
    { user: 'new-user', item: 'new-item' },
  ];
  const runs = [];
  for (let k = 0; k < 2; k++) {
    const model = new AutoRec({ hiddenUnits: 8, l2: 0.001 });
    const history = await model.fit(matrix, options);
    runs.push({ history, predicted: await model.predict(matrix, pairs, { threads: 1 }) });
  }
  const [first, second] = runs as [(typeof runs)[0], (typeof runs)[0]];
  console.log(`autorec synthetic: loss ${first.history[0]!.toFixed(3)} -> ${first.history.at(-1)!.toFixed(3)}`);
  assert.ok(first.history.at(-1)! < first.history[0]! / 5, `loss ${first.history}`);
  assert.deepEqual(second.history, first.history);
  assert.deepEqual(second.predicted, first.predicted);

  const { predictions, unseenItems, unseenUsers } = first.predicted;
  assert.equal(unseenItems, 2);
  assert.equal(unseenUsers, 2);
  const u3 = matrix.users.get('u3')!;
  const i5 = matrix.items.get('i5')!;
  assert.ok(predictions[0]! >= 1 && predictions[0]! <= 5);
  assert.equal(predictions[1], Math.fround(matrix.userMeans[u3]!));
  assert.equal(predictions[2], Math.fround(matrix.itemMeans[i5]!));
  assert.equal(predictions[3], Math.fround(matrix.globalMean));

  const other = new AutoRec({ hiddenUnits: 8, l2: 0.001 });
  await other.fit(matrix, { ...options, seed: 12 });
  assert.notDeepEqual((await other.predict(matrix, pairs, { threads: 1 })).predictions, predictions);
});

test('AutoRec predicts only after fit and only on a matrix of the users it was fit on', async () => {
  const matrix = new RatingMatrix(syntheticRatings());
  await assert.rejects(new AutoRec({ hiddenUnits: 2, l2: 0 }).predict(matrix, []), ConfigError);
  const model = new AutoRec({ hiddenUnits: 2, l2: 0 });
  await model.fit(matrix, { epochs: 1, batchSize: 64, seed: 1, threads: 1 });
  const fewer = new RatingMatrix(syntheticRatings().filter((r) => r.user !== 'u0'));
  await assert.rejects(model.predict(fewer, []), /fit on 30 users, the matrix has 29/);
  await assert.rejects(model.fit(matrix, { epochs: 1, batchSize: 64, seed: 1, optimizer: { learningRate: -1 } }), (e: unknown) => e instanceof ConfigError && /learningRate/.test(e.message));
});
