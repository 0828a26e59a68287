import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph } from '../../src/engine/graph.js';
import { log, matmul, reduceMean, square, sub } from '../../src/engine/ops.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { DataError } from '../../src/errors.js';
import { BATCH } from '../../src/layers/build-context.js';
import { OptimizerConfigSchema } from '../../src/train/optimizers.js';
import { DenseWeightTrainer } from '../../src/train/dense-weight-trainer.js';

/** loss = mean((x w - y)^2) for x [batch, 2], w [2, 1]. */
function regression(params: ParameterStore, l2?: number) {
  const graph = new Graph();
  params.denseParam('w', [2, 1], { kind: 'constant', value: 0.5 }, l2);
  const x = graph.input('x', [BATCH, 2]);
  const y = graph.input('y', [BATCH, 1]);
  return reduceMean(square(sub(matmul(x, graph.param('w', [2, 1])), y)), [0, 1]);
}

const batch = { x: { data: Float32Array.of(1, 2, 3, -1), shape: [2, 2] }, y: { data: Float32Array.of(2, 0), shape: [2, 1] } };

test('DenseWeightTrainer: one SGD step moves the weights by -lr · (autodiff gradient + l2 · w)', async () => {
  const params = new ParameterStore();
  const trainer = await DenseWeightTrainer.create(regression(params, 0.1), params, OptimizerConfigSchema.parse({ type: 'sgd', learningRate: 0.1 }), { threads: 1 });
  // x w = [1.5, 1]; errors e = [-0.5, 1]; loss = (0.25 + 1) / 2; dL/dw = x^T e = [2.5, -2].
  const loss = await trainer.run(batch);
  assert.equal(loss, 0.625);
  const w = params.dense.get('w')!.data;
  assert.ok(Math.abs(w[0]! - (0.5 - 0.1 * (2.5 + 0.05))) < 1e-6, `w0 ${w[0]}`);
  assert.ok(Math.abs(w[1]! - (0.5 - 0.1 * (-2 + 0.05))) < 1e-6, `w1 ${w[1]}`);
  assert.ok((await trainer.run(batch)) < loss);
  await trainer.release();
});

test('DenseWeightTrainer: weights outside the store and a non-finite loss are reported', async () => {
  const stray = new Graph().param('stray', [1]);
  await assert.rejects(DenseWeightTrainer.create(reduceMean(stray, [0]), new ParameterStore(), OptimizerConfigSchema.parse({}), { threads: 1 }), /'stray' is not a dense weight/);

  const params = new ParameterStore();
  // A perfect fit makes log(loss) -Infinity.
  const trainer = await DenseWeightTrainer.create(log(regression(params)), params, OptimizerConfigSchema.parse({}), { threads: 1 });
  await assert.rejects(trainer.run({ x: { data: Float32Array.of(0, 0, 0, 0), shape: [2, 2] }, y: { data: Float32Array.of(0, 0), shape: [2, 1] } }), (e: unknown) => e instanceof DataError && /loss became -Infinity at step 1/.test(e.message));
  await trainer.release();
});
