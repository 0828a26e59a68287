/**
 * int8 serving graphs (RankingModel.exportOnnx with quantize: 'int8') for every model type: each
 * exports, runs, gives every output the float graph gives, and predicts within 0.05 of it; every
 * type with a weight product of at least 16 x 16 gets integer GEMMs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import { MODEL_TYPES } from '../../src/models/registry.js';
import { runGraph, zooFeeds, zooModel } from './model-zoo.js';

const { onnx } = onnxProto;
/** Models whose products are all smaller than 16 on a side (or that have none): their int8 graph is the float one. */
const NOTHING_TO_QUANTIZE = ['lr', 'fm', 'gmf'];

for (const type of MODEL_TYPES) {
  test(`${type}: the int8 serving graph predicts what the float one does, within 0.05`, async () => {
    const model = zooModel(type);
    const { perRow } = zooFeeds(5);
    const int8 = model.exportOnnx({}, undefined, { quantize: 'int8' });
    const products = onnx.ModelProto.decode(int8).graph!.node!.filter((n) => n.opType === 'MatMulInteger').length;
    assert.equal(products === 0, NOTHING_TO_QUANTIZE.includes(type), `${products} integer products`);
    const [expected, actual] = [await runGraph(model.exportOnnx(), perRow), await runGraph(int8, perRow)];
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
    for (const [name, values] of Object.entries(expected)) {
      for (let i = 0; i < values.length; i++) assert.ok(Math.abs(actual[name]![i]! - values[i]!) <= 0.05, `${name}[${i}]: ${actual[name]![i]} against ${values[i]}`);
    }
  });
}
