/**
 * The trainer's graphs with deeprank's fused operators (MulAdd, ReluGrad, GemmBf16 with a
 * gradient sum): DCN-v2's cross layers and every ReLU layer fuse, and the step's loss and
 * gradients keep their bits, with float32 products and with bf16 ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import { NativeSession } from '../../src/engine/native-session.js';
import type { ProductPrecision } from '../../src/engine/graph.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { BatchFeeder } from '../../src/train/batch-feeder.js';
import { Random } from '../../src/util/random.js';
import { assertSameTensors, range, xorSource, xorSpec } from './fixtures.js';

const unavailable = NativeSession.unavailable();
const skip = unavailable ? `fused operators run in deeprank's own sessions, which need the deeprank_ort addon (${unavailable})` : false;

const models = {
  // Two cross layers over the 2·8 + 1 = 17 wide input, then ReLU layers of 32 and 16.
  'dcn-v2': { config: { embeddingDim: 8, crossLayers: 2, hiddenUnits: [32, 16] }, mulAdds: 4, reluGrads: 2 },
  dnn: { config: { embeddingDim: 8, hiddenUnits: [32, 16] }, mulAdds: 0, reluGrads: 2 },
} as const;

/** Every output of one training step of `bytes` on the same batch, by name. */
async function step(model: RankingModel, bytes: Uint8Array, built: ReturnType<RankingModel['trainingGraph']>['built']): Promise<Map<string, Float32Array>> {
  const [batch] = [...xorSource(300, 7).batches(range(300), 300)];
  const feeds = new BatchFeeder(built.ctx, model.params, xorSpec.numeric.length, 'click').feeds(batch!, new Random(3));
  const graphOutputs = onnxProto.onnx.ModelProto.decode(bytes).graph!.output!;
  const names = graphOutputs.map((o) => o.name!);
  const outputs = Object.fromEntries(
    graphOutputs.map(({ name, type }) => {
      const shape = type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? batch!.size : Number(d.dimValue)));
      return [name!, { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape }];
    }),
  );
  const session = NativeSession.create(bytes, { threads: 2 })!;
  await session.run(feeds, names, outputs);
  await session.release();
  return new Map(names.map((name) => [name, outputs[name]!.data]));
}

for (const [type, { config, mulAdds, reluGrads }] of Object.entries(models)) {
  for (const products of ['float32', 'bf16'] as ProductPrecision[]) {
    test(`${type}'s training step gives the same loss and gradients with fused operators, ${products} products`, { skip }, async () => {
      const model = new RankingModel(xorSpec, RankingModel.parseModelSpec(type, config), { task: 'click', kind: 'binary', offset: 0 }, undefined, 5);
      // Weights as after some training: biases are zero at the start, which hides what bias sums round.
      const rng = new Random(11);
      for (const { data } of model.params.dense.values()) data.forEach((_, i) => (data[i] = rng.normal() * 0.3));
      const plain = model.trainingGraph(undefined, undefined, { products });
      const fused = model.trainingGraph(undefined, undefined, { products, fused: true });
      const count = (bytes: Uint8Array, opType: string) => onnxProto.onnx.ModelProto.decode(bytes).graph!.node!.filter((n) => n.opType === opType && n.domain === 'ai.deeprank').length;
      assert.deepEqual([count(plain.bytes, 'MulAdd'), count(plain.bytes, 'ReluGrad')], [0, 0]);
      assert.deepEqual([count(fused.bytes, 'MulAdd'), count(fused.bytes, 'ReluGrad')], [mulAdds, reluGrads]);
      const expected = await step(model, plain.bytes, plain.built);
      assert.ok([...expected.values()].every((data) => data.every(Number.isFinite)), 'the step computes finite values');
      assertSameTensors(await step(model, fused.bytes, fused.built), expected);
    });
  }
}
