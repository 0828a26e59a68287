/** DIEN's auxiliary next-behaviour loss: the worked example, masking, gradients. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../src/engine/graph.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { nextBehaviourLoss } from '../../src/losses/next-behaviour-loss.js';
import { checkGradients } from '../support/gradient-check.js';

async function loss(states: number[], positives: number[], negatives: number[], mask: number[], [batch, length, d]: number[]): Promise<number> {
  const graph = new Graph('float64');
  const dims = [batch!, length!, d!];
  const s = graph.input('s', dims);
  const p = graph.input('p', dims);
  const n = graph.input('n', dims);
  const m = graph.input('m', [batch!, length!]);
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { y: nextBehaviourLoss(s, p, n, m) } }), { threads: 1 });
  const feed = (data: number[], shape: number[]) => ({ data: Float64Array.from(data), shape });
  const out = await session.run({ s: feed(states, dims), p: feed(positives, dims), n: feed(negatives, dims), m: feed(mask, [batch!, length!]) });
  await session.release();
  return (out.y as Float64Array)[0]!;
}

const softplus = (x: number) => Math.log1p(Math.exp(x));

test('next-behaviour loss: the worked example of its doc comment', async () => {
  const value = await loss([1, 0, 0, 1, 5, 5], [9, 9, 2, 0, 0, 1], [9, 9, 0, 3, 1, 1], [1, 1, 1], [1, 3, 2]);
  const expected = (softplus(-2) + softplus(0) + softplus(-1) + softplus(1)) / 2;
  assert.ok(Math.abs(value - expected) < 1e-12, `${value} vs ${expected}`);
  assert.ok(Math.abs(value - 1.2233) < 1e-4);
});

test('next-behaviour loss: only pairs of real behaviours count; padding values change nothing; no pair gives 0', async () => {
  // Row 2 has one real behaviour (no pair) and garbage in its padding; the loss is row 1's alone.
  const alone = await loss([1, 0, 0, 1, 5, 5], [9, 9, 2, 0, 0, 1], [9, 9, 0, 3, 1, 1], [1, 1, 1], [1, 3, 2]);
  const padded = await loss([1, 0, 0, 1, 5, 5, 3, 3, 7, -7, 2, 2], [9, 9, 2, 0, 0, 1, 1, 1, 4, 4, 8, 8], [9, 9, 0, 3, 1, 1, 6, 6, 5, 5, 1, 1], [1, 1, 1, 1, 0, 0], [2, 3, 2]);
  assert.ok(Math.abs(padded - alone) < 1e-12, `${padded} vs ${alone}`);
  assert.equal(await loss([1, 2, 3, 4], [5, 6, 7, 8], [1, 1, 1, 1], [1, 0], [1, 2, 2]), 0);
});

test('gradient of the next-behaviour loss matches finite differences (states, positives, negatives)', async () => {
  await checkGradients(
    [
      { name: 's', shape: ['batch', 3, 2], dims: [2, 3, 2] },
      { name: 'p', shape: ['batch', 3, 2], dims: [2, 3, 2] },
      { name: 'n', shape: ['batch', 3, 2], dims: [2, 3, 2] },
      { name: 'm', shape: ['batch', 3], dims: [2, 3], values: Float64Array.of(1, 1, 1, 1, 1, 0), constant: true },
    ],
    ({ s, p, n, m }) => nextBehaviourLoss(s!, p!, n!, m!),
    { tolerance: 1e-6 },
  );
});
