/**
 * ortView: shared weights and gradients reach ONNX Runtime, which refuses SharedArrayBuffers,
 * through plain views of the same memory, as inputs and as pre-allocated outputs.
 */
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import assert from 'node:assert/strict';
import * as op from '../../src/engine/ops.js';
import { Graph } from '../../src/engine/graph.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { nativeKernels } from '../../src/engine/kernels.js';
import { ortView, sharedFloat32 } from '../../src/util/shared-memory.js';

const skip = nativeKernels ? false : 'the native addon is not built here: shared arrays reach ONNX Runtime as copies';
if (skip) console.log(`# skipped ortView tests: ${skip}`);

test('ortView: an array not over a SharedArrayBuffer is its own view', () => {
  const plain = Float32Array.of(1, 2);
  assert.equal(ortView(plain), plain);
});

test('ortView: a shared array gets one plain view of the same memory, both ways', { skip }, () => {
  const shared = sharedFloat32(6).fill(0.5);
  const view = ortView(shared)!;
  assert.ok(!(view.buffer instanceof SharedArrayBuffer), 'the view is over a plain ArrayBuffer');
  assert.equal(ortView(shared), view, 'one view per array');
  assert.equal(view.length, 6);
  view[1] = 3;
  shared[4] = -2;
  assert.deepEqual([...shared], [0.5, 3, 0.5, 0.5, -2, 0.5]);
  assert.deepEqual([...view], [...shared]);
  const slice = ortView(shared.subarray(2, 5))!;
  slice[0] = 7;
  assert.equal(shared[2], 7, 'a view of a subarray starts at its offset');
});

test('ortView: ONNX Runtime refuses a shared array, reads a view of one as an input and writes into one as an output', { skip }, async () => {
  const graph = new Graph('float32');
  const x = graph.input('x', ['batch', 3]);
  const w = graph.param('w', [3, 2]);
  const y = op.matmul(x, w);
  const z = op.relu(y);
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { y, z } }), { threads: 1 });
  const x1 = { data: Float32Array.of(1, 2, 3, -1, 0, 1), shape: [2, 3] };
  const weights = sharedFloat32(6);
  weights.set([1, -1, 2, 0.5, -3, 1]);
  await assert.rejects(session.run({ x: x1, w: { data: weights, shape: [3, 2] } }), 'a SharedArrayBuffer itself is refused (why ortView exists)');
  const into = sharedFloat32(4);
  const out = await session.run({ x: x1, w: { data: ortView(weights)!, shape: [3, 2] } }, ['y', 'z'], { y: { data: ortView(into)!, shape: [2, 2] } });
  assert.deepEqual([...into], [-4, 3, -4, 2], 'y written into the shared array');
  assert.deepEqual([...(out.z as Float32Array)], [0, 3, 0, 2], 'z, not pre-allocated, returned as usual');
  // The weights are read where they are at each run: no copy was taken.
  weights[0] = 2;
  await session.run({ x: x1, w: { data: ortView(weights)!, shape: [3, 2] } }, ['y', 'z'], { y: { data: ortView(into)!, shape: [2, 2] } });
  assert.deepEqual([...into], [-3, 3, -5, 2]);
  await session.release();
});

test('ortView: a view keeps the shared array it reads alive; the two are collected together', { skip }, async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const collected: string[] = [];
  const registry = new FinalizationRegistry((what: string) => collected.push(what));
  const collect = async () => {
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  let view: Float32Array | undefined = (() => {
    const shared = sharedFloat32(1024).fill(2.5);
    registry.register(shared, 'array');
    return ortView(shared);
  })();
  await collect();
  assert.deepEqual(collected, [], 'the array lives while its view does');
  assert.equal(view![1023], 2.5);
  view = undefined;
  await collect();
  assert.deepEqual(collected, ['array'], 'then both go');
});
