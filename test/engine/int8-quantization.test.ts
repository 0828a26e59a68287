import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import * as op from '../../src/engine/ops.js';
import { Graph } from '../../src/engine/graph.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { MIN_QUANTIZED_DIM, quantizeColumns } from '../../src/engine/int8-quantization.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { Random } from '../../src/util/random.js';
import { ConfigError } from '../../src/errors.js';

const { onnx } = onnxProto;

test('quantizeColumns: each column scaled by its largest magnitude onto [-63, 63]; an all-zero column gets scale 1', () => {
  // Columns: [0.63, -0.126], [-0.315, 0], [0, 0]  (rows of a 3x2 matrix, row-major below).
  const { q, scales } = quantizeColumns([0.63, -0.315, -0.126, 0, 0.0315, 0], 3, 2);
  assert.deepEqual(Array.from(scales, (s) => +s.toFixed(6)), [0.01, 0.005]);
  assert.deepEqual(Array.from(q), [63, -63, -13, 0, 3, 0]);
  const zero = quantizeColumns([0, 0, 0, 0], 2, 2);
  assert.deepEqual(Array.from(zero.scales), [1, 1]);
  assert.deepEqual(Array.from(zero.q), [0, 0, 0, 0]);
});

/** ONNX DynamicQuantizeLinear then the integer product and its scaling, written out plainly. */
function referenceInt8Product(x: Float32Array, rows: number, k: number, w: Float32Array, n: number): Float32Array {
  let lo = 0;
  let hi = 0;
  for (const v of x) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const scale = Math.fround((hi - lo) / 255);
  const roundHalfEven = (v: number) => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));
  const zero = Math.min(255, Math.max(0, roundHalfEven(-lo / scale)));
  const xq = Array.from(x, (v) => Math.min(255, Math.max(0, roundHalfEven(Math.fround(v / scale)) + zero)));
  const { q, scales } = quantizeColumns(w, k, n);
  const y = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < n; c++) {
      let acc = 0;
      for (let i = 0; i < k; i++) acc += (xq[r * k + i]! - zero) * q[i * n + c]!;
      y[r * n + c] = acc * Math.fround(scale * scales[c]!);
    }
  }
  return y;
}

test('int8 export: weight products of odd sizes match a plain reference, smaller ones stay float, only standard ONNX ops', async () => {
  const rng = new Random(7);
  const shapes = [[1, MIN_QUANTIZED_DIM, MIN_QUANTIZED_DIM], [3, 17, 33], [64, 40, 23], [1023, 257, 17], [1, 1, 1], [3, 7, 40], [5, 40, 7]] as const;
  for (const [rows, k, n] of shapes) {
    const quantizes = k >= MIN_QUANTIZED_DIM && n >= MIN_QUANTIZED_DIM;
    const graph = new Graph('float32');
    const x = graph.input('x', ['batch', k]);
    const w = graph.param('w', [k, n]);
    const small = graph.param('small', [n, 3]);
    const y = op.matmul(x, w);
    const z = op.matmul(op.relu(y), small);
    const wv = Float32Array.from({ length: k * n }, () => rng.normal() * 0.2);
    const sv = Float32Array.from({ length: n * 3 }, () => rng.normal());
    const xv = Float32Array.from({ length: rows * k }, () => rng.normal());
    const initializers = new Map([['w', wv], ['small', sv]]);
    const bytes = exportOnnx(graph, { outputs: { y, z }, initializers, quantize: 'int8' });
    const model = onnx.ModelProto.decode(bytes);
    assert.ok(model.graph!.node!.every((node) => !node.domain), 'a standard-domain graph');
    assert.equal(model.graph!.node!.filter((node) => node.opType === 'MatMulInteger').length, quantizes ? 1 : 0);
    assert.deepEqual(model.graph!.initializer!.map((t) => t.name).sort(), quantizes ? ['small', 'w/int8', 'w/int8_scale', 'w/int8_zero'] : ['small', 'w'], 'a quantized float weight is dropped');

    const quantized = await OnnxSession.create(bytes, { threads: 1 });
    const float = await OnnxSession.create(exportOnnx(graph, { outputs: { y, z }, initializers }), { threads: 1 });
    const feeds = { x: { data: xv, shape: [rows, k] } };
    const [q, f] = [await quantized.run(feeds), await float.run(feeds)];
    const qy = q.y as Float32Array;
    const fy = f.y as Float32Array;
    if (!quantizes) {
      assert.deepEqual(qy, fy, `${rows}x${k}x${n} stays float`);
    } else {
      const expected = referenceInt8Product(xv, rows, k, wv, n);
      let largest = 0;
      for (const v of fy) largest = Math.max(largest, Math.abs(v));
      for (let i = 0; i < expected.length; i++) {
        assert.ok(Math.abs(qy[i]! - expected[i]!) <= 1e-5 * largest, `${rows}x${k}x${n} [${i}]: ${qy[i]} against the reference ${expected[i]}`);
        // 8-bit activations and 7-bit weights: within a few percent of the largest output.
        assert.ok(Math.abs(qy[i]! - fy[i]!) <= 0.05 * largest, `${rows}x${k}x${n} [${i}]: ${qy[i]} against float ${fy[i]}`);
      }
    }
    await quantized.release();
    await float.release();
  }
});

test('int8 export of a float64 graph is refused: the integer products dequantize to float32', () => {
  const graph = new Graph('float64');
  const y = op.matmul(graph.input('x', ['batch', 16]), graph.param('w', [16, 16]));
  assert.throws(() => exportOnnx(graph, { outputs: { y }, initializers: new Map([['w', new Float64Array(256)]]), quantize: 'int8' }), (error: Error) => error instanceof ConfigError && /float64/.test(error.message));
});
