/**
 * NativeScoringSession: a graph only deeprank's sessions run (bf16 products), scored as
 * OnnxSession scores, each output allocated in the shape the graph declares with its symbolic
 * sides read off the feeds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as op from '../../src/engine/ops.js';
import { Graph } from '../../src/engine/graph.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { NativeScoringSession } from '../../src/engine/native-scoring-session.js';
import { NativeSession } from '../../src/engine/native-session.js';
import { Random } from '../../src/util/random.js';

const unavailable = NativeSession.unavailable();
const skip = unavailable ? `NativeScoringSession needs the deeprank_ort addon (${unavailable})` : false;

/** y = relu(x · w) over 'rows' x 24 inputs, 40 x 1 logits beside it: two outputs of different widths. */
function scoringGraph() {
  const g = new Graph();
  const x = g.input('x', ['rows', 24]);
  const hidden = op.relu(op.matmul(x, g.input('w', [24, 40])));
  return exportOnnx(g, { outputs: { hidden, logit: op.matmul(hidden, g.input('v', [40, 1])) }, products: 'bf16' });
}

test('outputs come in the declared shapes, rows taken from the feed, for any batch size; a missing output is named', { skip }, async () => {
  const rng = new Random(3);
  const w = Float32Array.from({ length: 24 * 40 }, () => rng.normal());
  const v = Float32Array.from({ length: 40 }, () => rng.normal());
  const session = NativeScoringSession.create(scoringGraph(), { threads: 1 })!;
  try {
    for (const rows of [1, 37]) {
      const x = Float32Array.from({ length: rows * 24 }, () => rng.normal());
      const feeds = { x: { data: x, shape: [rows, 24] }, w: { data: w, shape: [24, 40] }, v: { data: v, shape: [40, 1] } };
      const out = (await session.run(feeds)) as Record<string, Float32Array>;
      assert.deepEqual(Object.keys(out).sort(), ['hidden', 'logit']);
      assert.ok(out.hidden instanceof Float32Array && out.logit instanceof Float32Array);
      assert.equal(out.hidden.length, rows * 40);
      assert.equal(out.logit.length, rows);
      // relu(x · w) with bf16 factors: within bf16 rounding of the float product, never negative.
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < 40; j++) {
          let exact = 0;
          let magnitude = 0;
          for (let k = 0; k < 24; k++) {
            exact += x[r * 24 + k]! * w[k * 40 + j]!;
            magnitude += Math.abs(x[r * 24 + k]! * w[k * 40 + j]!);
          }
          const got = out.hidden![r * 40 + j]!;
          assert.ok(got >= 0 && Math.abs(got - Math.max(exact, 0)) <= 2 ** -7 * magnitude, `row ${r}, column ${j}: ${got} against ${exact}`);
        }
      }
      assert.deepEqual(Object.keys(await session.run(feeds, ['logit'])), ['logit']);
    }
    const feeds = { x: { data: new Float32Array(24), shape: [1, 24] }, w: { data: w, shape: [24, 40] }, v: { data: v, shape: [40, 1] } };
    await assert.rejects(session.run(feeds, ['score']), /the graph has no output 'score'/);
  } finally {
    await session.release();
  }
});
