import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../src/engine/graph.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { BuildContext } from '../../src/layers/build-context.js';
import { FeatureInputs, featureNames } from '../../src/models/feature-inputs.js';

test('FeatureInputs.select keeps the named features and slices their numeric columns from the batch', async () => {
  const spec = { categorical: [{ name: 'u', cardinality: 3 }, { name: 'i', cardinality: 3 }], multiValue: [], numeric: ['a', 'b', 'c'], tasks: [] };
  assert.deepEqual(featureNames(spec), ['u', 'i', 'a', 'b', 'c']);
  const graph = new Graph('float32');
  const inputs = new FeatureInputs(new BuildContext(graph, new ParameterStore(1), 'eval'), spec);
  const picked = inputs.select(['c', 'i', 'a']);
  assert.deepEqual(featureNames(picked.spec), ['i', 'a', 'c']);
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { y: picked.dense()! } }), { threads: 1 });
  const y = (await session.run({ dense: { data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3] } })).y as Float32Array;
  assert.deepEqual(Array.from(y), [1, 3, 4, 6]);
  assert.equal(inputs.select(['u']).dense(), undefined);
});
