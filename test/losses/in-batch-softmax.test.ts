import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../src/engine/graph.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { inBatchSoftmaxLoss } from '../../src/losses/in-batch-softmax.js';
import { ConfigError } from '../../src/errors.js';
import { checkGradients } from '../support/gradient-check.js';

const identity = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);

async function loss(similarities: Float64Array, options: { temperature?: number; logQ?: number[] } = {}): Promise<number> {
  const graph = new Graph('float64');
  const s = graph.input('s', ['batch', 'batch']);
  const logQ = options.logQ ? graph.input('log_q', ['batch', 1]) : undefined;
  const l = inBatchSoftmaxLoss(s, { ...(options.temperature ? { temperature: options.temperature } : {}), ...(logQ ? { logQ } : {}) });
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { l } }), { threads: 1 });
  const feeds = { s: { data: similarities, shape: [3, 3] }, ...(options.logQ ? { log_q: { data: Float64Array.from(options.logQ), shape: [3, 1] } } : {}) };
  return ((await session.run(feeds)).l as Float64Array)[0]!;
}

test('in-batch softmax golden values on a 3x3 batch, by hand', async () => {
  // S = I, τ = 1: every row is CE([1, 0, 0] rotated) = log(e + 2) - 1.
  assert.ok(Math.abs((await loss(identity)) - (Math.log(Math.E + 2) - 1)) < 1e-12);
  // τ = 0.5 doubles the logits: log(e² + 2) - 2.
  assert.ok(Math.abs((await loss(identity, { temperature: 0.5 })) - (Math.log(Math.E ** 2 + 2) - 2)) < 1e-12);
  // log-q with q = [1/2, 1/4, 1/4]: row 0 logits [1 + log 2, log 4, log 4] give log(2e + 8) - 1 - log 2
  // = log(e + 4) - 1; rows 1 and 2 give log(6 + 4e) - 1 - log 4 = log(e + 1.5) - 1.
  const expected = (Math.log(Math.E + 4) - 1 + 2 * (Math.log(Math.E + 1.5) - 1)) / 3;
  const corrected = await loss(identity, { logQ: [Math.log(0.5), Math.log(0.25), Math.log(0.25)] });
  assert.ok(Math.abs(corrected - expected) < 1e-12, `${corrected} vs ${expected}`);
  assert.ok(Math.abs(expected - 0.594563) < 1e-6);
});

test('gradient of the in-batch softmax loss (with log-q) matches finite differences', async () => {
  await checkGradients([{ name: 's', shape: ['batch', 'batch'], dims: [4, 4] }], ({ s }) => inBatchSoftmaxLoss(s!, { temperature: 0.2 }));
  await checkGradients(
    [{ name: 's', shape: ['batch', 'batch'], dims: [3, 3] }, { name: 'log_q', shape: ['batch', 1], dims: [3, 1], values: Float64Array.of(-1, -2, -0.5), constant: true }],
    ({ s, log_q }) => inBatchSoftmaxLoss(s!, { temperature: 0.5, logQ: log_q! }),
  );
});

test('in-batch softmax rejects a non-square input and a bad temperature', () => {
  const graph = new Graph('float32');
  assert.throws(() => inBatchSoftmaxLoss(graph.input('a', [3, 4])), (e: unknown) => e instanceof ConfigError && /\(batch, batch\), got \[3,4\]/.test((e as Error).message));
  assert.throws(() => inBatchSoftmaxLoss(graph.input('b', [3, 3]), { temperature: 0 }), /temperature must be > 0, got 0/);
});
