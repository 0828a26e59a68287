/**
 * deeprank's fused elementwise operators (native/elementwise-ops.c) and the exporter's fusion
 * rules (src/engine/fusions.ts): a fused graph must give the bits of the ONNX nodes it replaces,
 * special values included (any NaN for a NaN), on one thread and two, and only runs the rules allow are fused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import * as op from '../../src/engine/ops.js';
import { Graph, type Sym } from '../../src/engine/graph.js';
import { gradients } from '../../src/engine/autodiff.js';
import { exportOnnx, type ExportOptions } from '../../src/engine/onnx-export.js';
import { NativeSession } from '../../src/engine/native-session.js';
import { Random } from '../../src/util/random.js';

const unavailable = NativeSession.unavailable();
const skip = unavailable ? `fused operators run in deeprank's own sessions, which need the deeprank_ort addon (${unavailable})` : false;

const opTypes = (bytes: Uint8Array) => onnxProto.onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType);

/** Normal values with every special one mixed in: NaN, infinities, signed zeros, subnormals. */
function values(length: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const special = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 2 ** -126, -(2 ** 127)];
  return Float32Array.from({ length }, () => (rng.next() < 0.1 ? special[rng.int(special.length)]! : rng.normal()));
}

/** The bits of each value, one NaN for every NaN: of two NaN operands x86 returns the first, and which one comes first is the compiler's choice. */
const bits = (x: Float32Array) => Uint32Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length), (u, i) => (Number.isNaN(x[i]) ? 0x7fc00000 : u));

/** One output `y` of three [rows, cols] inputs a, b, c. */
async function run(bytes: Uint8Array, rows: number, cols: number, threads: number, seed: number): Promise<Float32Array> {
  const session = NativeSession.create(bytes, { threads })!;
  const feeds = Object.fromEntries(['a', 'b', 'c'].map((name, i) => [name, { data: values(rows * cols, seed + i), shape: [rows, cols] }]));
  const y = new Float32Array(rows * cols);
  await session.run(feeds, ['y'], { y: { data: y, shape: [rows, cols] } });
  await session.release();
  return y;
}

/** `build` over inputs a, b, c of symbolic shape, exported plainly and with fused operators. */
function exports(build: (a: Sym, b: Sym, c: Sym) => Sym, options: Partial<ExportOptions> = {}) {
  const g = new Graph();
  const [a, b, c] = ['a', 'b', 'c'].map((name) => g.input(name, ['rows', 'cols'])) as [Sym, Sym, Sym];
  const y = build(a, b, c);
  return { plain: exportOnnx(g, { ...options, outputs: { y } }), fused: exportOnnx(g, { ...options, outputs: { y }, fused: true }) };
}

/** Each operator, a graph it appears in, and the ONNX nodes it replaces there. */
const kernels: [string, (a: Sym, b: Sym, c: Sym) => Sym, string[]][] = [
  ['MulAdd', (a, b, c) => op.add(op.mul(a, b), c), ['Mul', 'Add']],
  // ReLU's gradient of Σ relu(a) · b is b · [a > 0].
  ['ReluGrad', (a, b) => gradients(op.reduceSum(op.mul(op.relu(a), b), [0, 1]), [a])[0]!, ['Greater', 'Cast']],
];

for (const [name, build, replaced] of kernels) {
  test(`${name} gives the bits of the ONNX nodes it replaces, special values included, on odd sizes, on one thread and two`, { skip }, async () => {
    const { plain, fused } = exports(build);
    assert.ok(replaced.every((type) => opTypes(plain).includes(type)) && !opTypes(plain).includes(name), `the plain graph has ${replaced}`);
    assert.ok(opTypes(fused).includes(name) && replaced.every((type) => !opTypes(fused).includes(type)), `the fused graph has ${name} instead`);
    // 1023 x 257 spans 17 of the kernel's chunks, the last one partial.
    for (const [rows, cols] of [[1, 1], [3, 7], [1023, 257]] as const) {
      for (const threads of [1, 2]) {
        const expected = bits(await run(plain, rows, cols, threads, rows));
        const got = bits(await run(fused, rows, cols, threads, rows));
        const differ = got.findIndex((v, i) => v !== expected[i]);
        assert.equal(differ, -1, `${rows} x ${cols} on ${threads} threads: element ${differ} has bits ${got[differ]?.toString(16)}, the ONNX nodes ${expected[differ]?.toString(16)}`);
      }
    }
  });
}

test('a Mul and its Add fuse only when nothing else reads the product, nothing broadcasts, and the graph is float32', () => {
  const fusedOps = (build: (a: Sym, b: Sym, c: Sym) => Sym | Record<string, Sym>, floatType: 'float32' | 'float64' = 'float32') => {
    const g = new Graph(floatType);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => g.input(name, ['rows', 8])) as [Sym, Sym, Sym];
    const out = build(a, b, c);
    return opTypes(exportOnnx(g, { outputs: 'id' in out ? { y: out as Sym } : out, fused: true }));
  };
  assert.deepEqual(fusedOps((a, b, c) => op.add(op.mul(a, b), c)), ['MulAdd']);
  assert.deepEqual(fusedOps((a, b, c) => op.add(c, op.mul(a, b))), ['MulAdd'], 'the product may be either addend');
  assert.deepEqual(fusedOps((a, b, c) => { const p = op.mul(a, b); return { y: op.add(p, c), p }; }), ['Mul', 'Add'], 'the product is an output');
  assert.deepEqual(fusedOps((a, b, c) => { const p = op.mul(a, b); return op.add(op.add(p, c), p); }), ['Mul', 'Add', 'Add'], 'the product is read twice');
  assert.deepEqual(fusedOps((a, b, c) => op.add(op.mul(a, op.reduceSum(b, [0])), c)), ['ReduceSum', 'Mul', 'Add'], 'the product broadcasts');
  assert.deepEqual(fusedOps((a, b, c) => op.add(op.mul(a, b), op.reduceSum(c, [0]))), ['Mul', 'ReduceSum', 'Add'], 'the sum broadcasts');
  assert.deepEqual(fusedOps((a, b, c) => op.add(op.mul(a, b), op.mul(c, c))), ['Mul', 'MulAdd'], 'a sum of two products fuses one');
  assert.deepEqual(fusedOps((a, b, c) => op.add(op.mul(a, b), c), 'float64'), ['Mul', 'Add'], 'the operator is float32');
});

test('under bf16 products a product\'s gradient sum is one GemmBf16 with the addend, and a sum of two products folds one', () => {
  const g = new Graph();
  const [x, w, v] = [g.input('x', ['batch', 32]), g.input('w', [32, 32]), g.input('v', [32, 32])];
  const dx = op.add(op.gemm(x, w, { transB: true }), x);
  const two = op.add(op.matmul(x, w), op.matmul(x, v));
  const nodes = onnxProto.onnx.ModelProto.decode(exportOnnx(g, { outputs: { dx, two }, products: 'bf16' })).graph!.node!;
  assert.deepEqual(nodes.map((n) => `${n.opType}(${n.input!.length})`), ['GemmBf16(3)', 'GemmBf16(2)', 'GemmBf16(3)']);
  assert.deepEqual(nodes[0]!.attribute!.map((a) => `${a.name}=${a.i}`).sort(), ['transA=0', 'transB=1'], 'the transpose is kept');
});

test('fused operators pass on sizes ONNX Runtime does not know: a Reshape\'s -1, then a product', { skip }, async () => {
  // Without a name of its own, the unknown size would reach the product as a size of -1, which
  // ONNX Runtime's shape inference refuses when the session is created.
  const g = new Graph();
  const [a, b, c] = ['a', 'b', 'c'].map((name) => g.input(name, ['rows', 'cols'])) as [Sym, Sym, Sym];
  const flat = (x: Sym) => op.reshape(x, [-1, 8]);
  const y = op.matmul(op.relu(op.add(op.mul(flat(a), flat(b)), flat(c))), g.input('w', [8, 3]));
  const bytes = exportOnnx(g, { outputs: { y: gradients(op.reduceSum(y, [0, 1]), [a])[0]! }, fused: true });
  assert.ok(['MulAdd', 'ReluGrad'].every((type) => opTypes(bytes).includes(type)));
  const session = NativeSession.create(bytes, { threads: 1 })!;
  const feeds = { ...Object.fromEntries(['a', 'b', 'c'].map((name, i) => [name, { data: Float32Array.from({ length: 32 }, (_, j) => Math.sin(i + j)), shape: [4, 8] }])), w: { data: new Float32Array(24).fill(1), shape: [8, 3] } };
  const dy = new Float32Array(32);
  await session.run(feeds, ['y'], { y: { data: dy, shape: [4, 8] } });
  await session.release();
  // d/da of Σ relu(a·b + c)·w with w all ones: ReLU's gradient (3 or 0) times b.
  const [av, bv, cv] = [0, 1, 2].map((i) => Float32Array.from({ length: 32 }, (_, j) => Math.sin(i + j)));
  assert.deepEqual([...dy], [...bv!].map((x, j) => Math.fround((Math.fround(Math.fround(av![j]! * x) + cv![j]!) > 0 ? 3 : 0) * x)));
});
