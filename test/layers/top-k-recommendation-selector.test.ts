import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../src/engine/graph.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { BuildContext } from '../../src/layers/build-context.js';
import { TopKRecommendationSelector } from '../../src/layers/top-k-recommendation-selector.js';

test('TopKRecommendationSelector golden values: best first, ties by the lower item index', async () => {
  const graph = new Graph('float32');
  const ctx = new BuildContext(graph, new ParameterStore(1), 'eval');
  const { indices, scores } = new TopKRecommendationSelector({ k: 2 }).apply(ctx, graph.input('s', ['users', 4]));
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { indices, scores } }), { threads: 1 });
  const out = await session.run({ s: { data: Float32Array.of(0.1, 0.9, 0.5, 0.9, -1, -2, -3, -4), shape: [2, 4] } });
  assert.deepEqual(Array.from(out.indices as BigInt64Array, Number), [1, 3, 0, 1]);
  assert.deepEqual(Array.from(out.scores as Float32Array), [0.9, 0.9, -1, -2].map(Math.fround));
});

test('TopKRecommendationSelector config round-trips (KMR default k = 10) and rejects a bad k', () => {
  const layer = new TopKRecommendationSelector({ name: 'top', k: 50 });
  assert.deepEqual(TopKRecommendationSelector.fromConfig(layer.getConfig()).getConfig(), layer.getConfig());
  const graph = new Graph('float32');
  const { indices } = new TopKRecommendationSelector().apply(new BuildContext(graph, new ParameterStore(1), 'eval'), graph.input('s', [3, 20]));
  assert.deepEqual(indices.shape, [3, 10]);
  assert.throws(() => new TopKRecommendationSelector({ k: 0 }), /'k' must be a positive integer, got 0/);
});
