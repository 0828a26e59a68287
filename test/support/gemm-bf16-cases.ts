/** GemmBf16's test cases, its plain reference, and a product through ONNX Runtime (test/engine/gemm-bf16.test.ts and its child process). */
import { createHash } from 'node:crypto';
import * as op from '../../src/engine/ops.js';
import { Graph } from '../../src/engine/graph.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { NativeSession } from '../../src/engine/native-session.js';
import { Random } from '../../src/util/random.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const MIN_NORMAL = 2 ** -126;

/** float32 -> bfloat16 -> float32: round to nearest even, subnormals to (signed) zero. */
function bf16(x: number): number {
  f32[0] = x;
  const u = u32[0]!;
  u32[0] = (u & 0x7f800000) === 0 ? u & 0x80000000 : (((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) << 16) >>> 0;
  return f32[0];
}

/** A subnormal to zero of its sign. */
const flush = (x: number) => (Math.abs(x) < MIN_NORMAL ? (x < 0 || Object.is(x, -0) ? -0 : 0) : x);

/** One step of the sum: the exact product added, rounded to float32, a subnormal flushed (a fused multiply-add). */
const addProduct = (acc: number, a: number, b: number) => flush(Math.fround(acc + a * b));

export interface Case {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** An epilogue folded into the product: a dense layer's + bias or relu(· + bias), or a gradient sum's + C (m x n). */
  epilogue?: 'bias' | 'bias+relu' | 'addend';
}

/** C = op(A) · op(B), each pair (k = 2p, 2p + 1) summed high index first, as VDPBF16PS does; then the epilogue in float32. */
export function reference({ m, n, k, transA, transB, epilogue }: Case, a: Float32Array, b: Float32Array, addend?: Float32Array): Float32Array {
  const A = (i: number, p: number) => (p < k ? bf16(transA ? a[p * m + i]! : a[i * k + p]!) : 0);
  const B = (p: number, j: number) => (p < k ? bf16(transB ? b[j * k + p]! : b[p * n + j]!) : 0);
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p += 2) acc = addProduct(addProduct(acc, A(i, p + 1), B(p + 1, j)), A(i, p), B(p, j));
      if (epilogue) acc = Math.fround(acc + addend![epilogue === 'addend' ? i * n + j : j]!);
      c[i * n + j] = epilogue === 'bias+relu' ? (acc > 0 ? acc : 0) : acc;
    }
  }
  return c;
}

/**
 * How far a product with the same bf16 factors but other float32 roundings of its sums (AMX's
 * TDPBF16PS) may lie from the reference: each of the two sums is within k roundings of the
 * exact one, each rounding at most 2^-24 of the running magnitude, bounded by the sum of |a·b|
 * (plus the addend's, for an epilogue).
 */
export function roundingBound({ m, n, k, transA, transB, epilogue }: Case, a: Float32Array, b: Float32Array, addend?: Float32Array): Float64Array {
  const bound = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let magnitude = epilogue ? Math.abs(addend![epilogue === 'addend' ? i * n + j : j]!) : 0;
      for (let p = 0; p < k; p++) magnitude += Math.abs(bf16(transA ? a[p * m + i]! : a[i * k + p]!) * bf16(transB ? b[j * k + p]! : b[p * n + j]!));
      bound[i * n + j] = 2 * (k + 1) * 2 ** -24 * magnitude;
    }
  }
  return bound;
}

const SHAPES = [
  [1, 1, 1],
  [3, 7, 5],
  [12, 32, 2],
  [13, 33, 3],
  [50, 70, 31],
  [1023, 257, 9],
  [64, 256, 192],
  [192, 40, 1024],
];

/** Odd sizes, tiles cut at every edge (12 rows, 32 columns), an odd sum, the bench's shapes; every transpose, dense layers' epilogues and gradient sums. */
export const CASES: Case[] = [
  ...SHAPES.flatMap(([m, n, k]) => [false, true].flatMap((transA) => [false, true].map((transB) => ({ m: m!, n: n!, k: k!, transA, transB })))),
  ...SHAPES.slice(3).flatMap(([m, n, k]) => (['bias', 'bias+relu'] as const).map((epilogue) => ({ m: m!, n: n!, k: k!, transA: false, transB: false, epilogue }))),
  ...SHAPES.slice(3).flatMap(([m, n, k], i) => ({ m: m!, n: n!, k: k!, transA: i % 2 === 1, transB: i % 2 === 0, epilogue: 'addend' as const })),
];

export function operands(c: Case, seed: number) {
  const rng = new Random(seed);
  const a = Float32Array.from({ length: c.m * c.k }, () => rng.normal());
  const b = Float32Array.from({ length: c.k * c.n }, () => rng.normal());
  const addend = Float32Array.from({ length: c.epilogue === 'addend' ? c.m * c.n : c.n }, () => rng.normal());
  return { a, b, addend };
}

/**
 * The product as an ONNX model of one GemmBf16 node: symbolic sides, so that every size is one;
 * with `constantB`, B is an initializer of its own sizes, as a served graph's weight is.
 */
export function productModel(c: Case, constantB?: Float32Array): Uint8Array {
  const g = new Graph();
  const [k, n] = constantB ? [c.k, c.n] : ['k', 'n'];
  const a = g.input('a', c.transA ? [k, 'm'] : ['m', k]);
  const b = g.input('b', c.transB ? [n, k] : [k, n], constantB ? 'param' : undefined);
  const options = { products: 'bf16' as const, ...(constantB ? { initializers: new Map([['b', constantB]]) } : {}) };
  const y = op.gemm(a, b, { transA: c.transA, transB: c.transB });
  if (!c.epilogue) return exportOnnx(g, { outputs: { y }, ...options });
  if (c.epilogue === 'addend') return exportOnnx(g, { outputs: { y: op.add(y, g.input('addend', ['m', n])) }, ...options });
  const z = op.add(op.matmul(a, b), g.input('addend', [n]));
  return exportOnnx(g, { outputs: { y: c.epilogue === 'bias+relu' ? op.relu(z) : z }, ...options });
}

export async function product(c: Case, { a, b, addend }: { a: Float32Array; b: Float32Array; addend: Float32Array }, threads: number, constantB = false): Promise<Float32Array> {
  const session = NativeSession.create(productModel(c, constantB ? b : undefined), { threads })!;
  const out = new Float32Array(c.m * c.n);
  const feeds = {
    a: { data: a, shape: c.transA ? [c.k, c.m] : [c.m, c.k] },
    ...(constantB ? {} : { b: { data: b, shape: c.transB ? [c.n, c.k] : [c.k, c.n] } }),
    ...(c.epilogue ? { addend: { data: addend, shape: c.epilogue === 'addend' ? [c.m, c.n] : [c.n] } } : {}),
  };
  await session.run(feeds, ['y'], { y: { data: out, shape: [c.m, c.n] } });
  await session.release();
  return out;
}

export const digest = (x: Float32Array) => createHash('sha256').update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)).digest('hex').slice(0, 16);
