/**
 * GemmBf16 (native/gemm-bf16-op.c): a product of bfloat16 factors summed in float32, which must
 * give exactly the bits of the plain reference below on every shape and transpose, on one thread
 * and two, on AVX512-BF16 and on the portable path (DEEPRANK_BF16_KERNEL=portable).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NativeSession } from '../../src/engine/native-session.js';
import onnxProto from 'onnx-proto';
import { CASES, digest, operands, product, productModel, reference } from '../support/gemm-bf16-cases.js';

const unavailable = NativeSession.unavailable();
const skip = unavailable ? `GemmBf16 runs in deeprank's own sessions, which need the deeprank_ort addon (${unavailable})` : false;

test('GemmBf16 gives the reference\'s bits on odd shapes, every transpose, a dense layer\'s epilogue and a gradient sum\'s addend, on one thread and two', { skip }, async () => {
  for (const [index, c] of CASES.entries()) {
    const nodes = onnxProto.onnx.ModelProto.decode(productModel(c)).graph!.node!;
    assert.deepEqual(nodes.map((n) => n.opType), ['GemmBf16'], `${JSON.stringify(c)} is one node: the epilogue is folded in`);
    const data = operands(c, index + 1);
    const expected = reference(c, data.a, data.b, data.addend);
    for (const threads of [1, 2]) {
      const got = await product(c, data, threads);
      const differ = got.findIndex((v, i) => !Object.is(v, expected[i]));
      assert.equal(differ, -1, `${JSON.stringify(c)} on ${threads} threads: element ${differ} is ${got[differ]}, the reference ${expected[differ]}`);
    }
  }
});

test('GemmBf16 treats subnormal factors as zero and flushes subnormal sums, as AVX512-BF16 does', { skip }, async () => {
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
  for (const [a, b, expected] of cases) {
    const c = { m: 1, n: 1, k: a.length, transA: false, transB: false };
    const got = (await product(c, { a: Float32Array.from(a), b: Float32Array.from(b), addend: new Float32Array(1) }, 1))[0]!;
    assert.ok(Object.is(got, expected), `${a} · ${b}: ${Object.is(got, -0) ? '-0' : got}, expected ${Object.is(expected, -0) ? '-0' : expected}`);
    assert.ok(Object.is(reference(c, Float32Array.from(a), Float32Array.from(b))[0], expected), 'the reference agrees');
  }
});

test('the portable path gives the same bits as this CPU\'s own path', { skip, timeout: 120_000 }, async () => {
  const here = await Promise.all(CASES.map(async (c, index) => digest(await product(c, operands(c, index + 1), 2))));
  // The same products in a process that DEEPRANK_BF16_KERNEL=portable keeps off AVX512-BF16.
  const script = `
    const { CASES, operands, product, digest } = await import(${JSON.stringify(fileURLToPath(new URL('../support/gemm-bf16-cases.js', import.meta.url)))});
    const { NativeSession } = await import(${JSON.stringify(fileURLToPath(new URL('../../src/engine/native-session.js', import.meta.url)))});
    const digests = [];
    for (const [index, c] of CASES.entries()) digests.push(digest(await product(c, operands(c, index + 1), 2)));
    console.log(JSON.stringify({ native: NativeSession.bf16Native(), digests }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, DEEPRANK_BF16_KERNEL: 'portable' } });
  const portable = JSON.parse(out.trim().split('\n').at(-1)!) as { native: boolean; digests: string[] };
  assert.equal(portable.native, false, 'the child ran the portable path');
  assert.deepEqual(portable.digests, here);
  console.log(`this CPU's own path: ${NativeSession.bf16Native() ? 'AVX512-BF16' : 'fused multiply-adds'}`);
});
