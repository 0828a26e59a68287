import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../src/engine/graph.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { BuildContext } from '../../src/layers/build-context.js';
import { NormalizedDotProductSimilarity } from '../../src/layers/normalized-dot-product-similarity.js';
import { checkGradients } from '../support/gradient-check.js';

async function similarity(config: ConstructorParameters<typeof NormalizedDotProductSimilarity>[0], a: number[], b: number[], rows: number): Promise<number[]> {
  const graph = new Graph('float64');
  const ctx = new BuildContext(graph, new ParameterStore(1), 'eval');
  const y = new NormalizedDotProductSimilarity(config).apply(ctx, graph.input('a', ['batch', 2]), graph.input('b', ['batch', 2]));
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { y } }), { threads: 1 });
  const out = await session.run({ a: { data: Float64Array.from(a), shape: [rows, 2] }, b: { data: Float64Array.from(b), shape: [rows, 2] } });
  return Array.from(out.y as Float64Array);
}

const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) < 1e-12) || assert.fail(`${a} != ${b}`);

test('NormalizedDotProductSimilarity golden values: row by row and pairwise', async () => {
  // a = [3, 4] and [1, 0], b = [4, 3] and [0, -2]: cosines 0.96 and 0; a zero vector gives 0, not NaN.
  close(await similarity({}, [3, 4, 1, 0], [4, 3, 0, -2], 2), [0.96, 0]);
  close(await similarity({}, [0, 0], [1, 1], 1), [0]);
  // Pairwise: [[cos(a0,b0), cos(a0,b1)], [cos(a1,b0), cos(a1,b1)]] = [[0.96, -0.8], [0.8, 0]].
  close(await similarity({ pairwise: true }, [3, 4, 1, 0], [4, 3, 0, -2], 2), [0.96, -0.8, 0.8, 0]);
});

test('gradient of NormalizedDotProductSimilarity matches finite differences, both forms', async () => {
  for (const pairwise of [false, true]) {
    await checkGradients(
      // Static shapes, so every output entry gets its own random weight.
      [{ name: 'a', shape: [4, 3], dims: [4, 3] }, { name: 'b', shape: [4, 3], dims: [4, 3] }],
      ({ a, b }, graph) => new NormalizedDotProductSimilarity({ pairwise }).apply(new BuildContext(graph, new ParameterStore(1), 'eval'), a!, b!),
    );
  }
});

test('NormalizedDotProductSimilarity config round-trips and bad arguments are named', () => {
  const layer = new NormalizedDotProductSimilarity({ name: 'sim', epsilon: 1e-6, pairwise: true });
  assert.deepEqual(NormalizedDotProductSimilarity.fromConfig(layer.getConfig()).getConfig(), layer.getConfig());
  assert.throws(() => new NormalizedDotProductSimilarity({ epsilon: -1 }), /'epsilon' must be a number >= 0, got -1/);
  const graph = new Graph('float32');
  const ctx = new BuildContext(graph, new ParameterStore(1), 'eval');
  assert.throws(() => new NormalizedDotProductSimilarity().apply(ctx, graph.input('a', ['batch', 3]), graph.input('b', ['batch', 4])), /same d, got \[batch,3\] and \[batch,4\]/);
});
