/**
 * GemmBf16 (native/gemm-bf16-op.c): a product of bfloat16 factors summed in float32. The paths
 * that define its bits (AVX512-BF16's VDPBF16PS, and fused multiply-adds where a CPU has none,
 * DEEPRANK_BF16_KERNEL=portable) must give exactly the bits of the plain reference below on every
 * shape and transpose, on one thread and two; AMX (TDPBF16PS), whose sums round otherwise, must
 * stay within float32 roundings of it and give the same bits on one thread and two.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NativeSession, type Bf16Kernel } from '../../src/engine/native-session.js';
import onnxProto from 'onnx-proto';
import { CASES, digest, operands, product, productModel, reference, roundingBound } from '../support/gemm-bf16-cases.js';

const unavailable = NativeSession.unavailable();
const skip = unavailable ? `GemmBf16 runs in deeprank's own sessions, which need the deeprank_ort addon (${unavailable})` : false;
const kernel = NativeSession.bf16Kernel();

test('GemmBf16 on this CPU\'s own path: odd shapes, every transpose, a dense layer\'s epilogue and a gradient sum\'s addend, on one thread and two', { skip }, async () => {
  console.log(`this CPU's own path: ${kernel}`);
  for (const [index, c] of CASES.entries()) {
    const nodes = onnxProto.onnx.ModelProto.decode(productModel(c)).graph!.node!;
    assert.deepEqual(nodes.map((n) => n.opType), ['GemmBf16'], `${JSON.stringify(c)} is one node: the epilogue is folded in`);
    const data = operands(c, index + 1);
    const expected = reference(c, data.a, data.b, data.addend);
    const bound = roundingBound(c, data.a, data.b, data.addend);
    const [one, two] = [await product(c, data, 1), await product(c, data, 2)];
    assert.equal(digest(two), digest(one), `${JSON.stringify(c)}: the same bits on one thread and two`);
    const differ = kernel === 'amx' ? one.findIndex((v, i) => !(Math.abs(v - expected[i]!) <= bound[i]!)) : one.findIndex((v, i) => !Object.is(v, expected[i]));
    assert.equal(differ, -1, `${JSON.stringify(c)} on ${kernel}: element ${differ} is ${one[differ]}, the reference ${expected[differ]}${kernel === 'amx' ? ` (bound ${bound[differ]})` : ''}`);
  }
});

test('GemmBf16 treats subnormal factors as zero and flushes subnormal sums, as AVX512-BF16 does (AMX to a zero of either sign)', { skip }, async () => {
  const min = 2 ** -126;
  const cases: [number[], number[], number][] = [
    // 2^-130 is a subnormal factor: zero.
    [[2 ** -130, 1], [1, 1], 1],
    // 0 + -2^-70 · 2^-60 = -2^-130 is a subnormal sum: -0; then +0 from the zeros of the next pair.
    [[-(2 ** -70), 0], [2 ** -60, 0], -0],
    [[-(2 ** -70), 0, 0, 0], [2 ** -60, 0, 0, 0], 0],
    [[2 ** -70, 3], [2 ** -60, 1], 3],
    // -1.5 min (k = 1 is added first) + min = -min / 2 is a subnormal sum: -0.
    [[1, -1.5], [min, min], -0],
  ];
  const show = (x: number) => (Object.is(x, -0) ? '-0' : String(x));
  for (const [a, b, expected] of cases) {
    const c = { m: 1, n: 1, k: a.length, transA: false, transB: false };
    const got = (await product(c, { a: Float32Array.from(a), b: Float32Array.from(b), addend: new Float32Array(1) }, 1))[0]!;
    assert.ok(kernel === 'amx' ? got === expected : Object.is(got, expected), `${a} · ${b}: ${show(got)}, expected ${show(expected)}`);
    assert.ok(Object.is(reference(c, Float32Array.from(a), Float32Array.from(b))[0], expected), 'the reference agrees');
  }
});

test('a constant B (a served graph\'s weight) is packed once, when the kernel is created, to the bits of B fed on every run', { skip }, async () => {
  // A constant B has its sizes in the graph, and a product with a side shorter than 16 stays float32: those cases are not GemmBf16's.
  const bf16 = [...CASES.entries()].filter(([index, c]) => onnxProto.onnx.ModelProto.decode(productModel(c, operands(c, index + 1).b)).graph!.node!.some((n) => n.opType === 'GemmBf16'));
  assert.ok(bf16.length >= 16, `${bf16.length} cases`);
  for (const [index, c] of bf16) {
    const data = operands(c, index + 1);
    for (const threads of [1, 2]) {
      assert.equal(digest(await product(c, data, threads, true)), digest(await product(c, data, threads)), `${JSON.stringify(c)} on ${threads} threads`);
    }
  }
});

/** The cases' digests in a new process (whose first product is the first case's), sent down the given path by DEEPRANK_BF16_KERNEL or its CPU's own, on two threads. */
function digestsOn(forced?: Bf16Kernel): { kernel: Bf16Kernel; digests: string[] } {
  const script = `
    const { CASES, operands, product, digest } = await import(${JSON.stringify(fileURLToPath(new URL('../support/gemm-bf16-cases.js', import.meta.url)))});
    const { NativeSession } = await import(${JSON.stringify(fileURLToPath(new URL('../../src/engine/native-session.js', import.meta.url)))});
    const digests = [];
    for (const [index, c] of CASES.entries()) digests.push(digest(await product(c, operands(c, index + 1), 2)));
    console.log(JSON.stringify({ kernel: NativeSession.bf16Kernel(), digests }));`;
  const { DEEPRANK_BF16_KERNEL: _, ...env } = process.env;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: forced ? { ...env, DEEPRANK_BF16_KERNEL: forced } : env });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

test('a new process, whose first product sizes the scratch memory, gives this process\'s bits on the CPU\'s own path', { skip, timeout: 120_000 }, async () => {
  const here = await Promise.all(CASES.map(async (c, index) => digest(await product(c, operands(c, index + 1), 2))));
  const child = digestsOn();
  assert.equal(child.kernel, kernel);
  assert.deepEqual(child.digests, here);
});

test('the paths that define the bits give the reference\'s: fused multiply-adds, and VDPBF16PS where the CPU has it', { skip, timeout: 120_000 }, () => {
  const expected = CASES.map((c, index) => {
    const data = operands(c, index + 1);
    return digest(reference(c, data.a, data.b, data.addend));
  });
  const paths: Bf16Kernel[] = kernel === 'amx' || kernel === 'avx512bf16' ? ['portable', 'avx512bf16'] : ['portable'];
  for (const forced of paths) {
    const child = digestsOn(forced);
    assert.ok(forced === 'portable' ? child.kernel === 'portable' || child.kernel === 'fma' : child.kernel === forced, `DEEPRANK_BF16_KERNEL=${forced} ran ${child.kernel}`);
    assert.deepEqual(child.digests, expected, `${child.kernel} gives the reference's bits`);
  }
});
