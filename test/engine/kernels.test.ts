import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsKernels, kernelsName, nativeKernels, type Kernels } from '../../src/engine/kernels.js';
import { Random } from '../../src/util/random.js';
import { onHugePages } from '../../src/util/huge-pages.js';
import { existsSync } from 'node:fs';

// Odd shapes on purpose: a 1x1 table, a width that is no multiple of any vector length, a large odd one.
const SHAPES: [rows: number, width: number][] = [
  [1, 1],
  [3, 7],
  [1023, 257],
];

const floats = (rng: Random, n: number, scale = 1) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
const positive = (rng: Random, n: number) => Float32Array.from({ length: n }, () => rng.next() * 0.5 + 1e-3);
/** Distinct row ids (an optimizer step touches each row once), in random order. */
const distinctRows = (rng: Random, rows: number, count: number) => Int32Array.from(rng.permutation(rows).slice(0, count));
const bits = (a: Float32Array) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

const native = nativeKernels;
const skip = native ? false : 'the native kernels are not built here (node-gyp or Node headers missing); the JavaScript kernels are in use';
if (skip) console.log(`# skipped native-vs-JavaScript kernel tests: ${skip}`);

test('kernels in use: native when built, unless DEEPRANK_KERNELS=js', () => {
  assert.equal(kernelsName, process.env.DEEPRANK_KERNELS !== 'js' && native ? 'native' : 'js');
});

for (const [rows, width] of SHAPES) {
  test(`adamRows / adagradRows ${rows}x${width}: native and JavaScript give the same bits in float64 and in float32 arithmetic (l2, decay, grad scale, 3 steps)`, { skip }, () => {
    const rng = new Random(rows * 31 + width);
    const count = Math.max(1, Math.floor(rows * 0.6));
    const ids = distinctRows(rng, rows, count);
    for (const kind of ['adam', 'adagrad'] as const) {
      const run = (k: Kernels, float32: boolean) => {
        const r = new Random(7);
        const p = floats(r, rows * width);
        const m = floats(r, rows * width, 0.1);
        const v = positive(r, rows * width);
        for (let step = 1; step <= 3; step++) {
          const grad = floats(r, count * width, 2);
          if (kind === 'adam') k.adamRows(p, m, v, ids, count, width, grad, 0.9, 0.999, 1e-3 * Math.sqrt(1 - 0.999 ** step) / (1 - 0.9 ** step), 1 - 1e-3 * 0.01, 1e-7, 0.01, 0.75, float32);
          else k.adagradRows(p, v, ids, count, width, grad, 0.05, 1 - 0.05 * 0.01, 1e-7, 0.01, 0.75, float32);
        }
        return [p, m, v].map(bits);
      };
      const expected = [false, true].map((float32) => run(jsKernels, float32));
      for (const [i, float32] of [false, true].entries()) assert.deepEqual(run(native!, float32), expected[i], `${kind}, float32 ${float32}`);
      const start = bits(floats(new Random(7), rows * width));
      assert.ok(expected[0]![0]!.some((b, i) => b !== start[i]), `${kind} moved no weight`);
      // Native float32 kernels compute in C floats, the JavaScript ones round each float64 result:
      // equal bits above show both are float32 arithmetic, if the arithmetic is not float64's.
      if (rows * width > 1) assert.notDeepEqual(expected[1], expected[0], `${kind}: float32 arithmetic gave float64's bits`);
    }
  });

  test(`gatherRows ${rows}x${width}: native and JavaScript copy the same rows, packed or into a wider block, zero masked ones, stop at a bad id`, { skip }, () => {
    const rng = new Random(rows + width);
    const table = floats(rng, rows * width);
    const count = 37;
    const ids = Int32Array.from({ length: count }, () => rng.int(rows));
    const mask = Float32Array.from({ length: count }, (_, i) => (i % 5 === 3 ? 0 : 1));
    for (const stride of [width, width + 3]) {
      for (const m of [null, mask]) {
        const a = new Float32Array(count * stride).fill(9);
        const b = new Float32Array(count * stride).fill(9);
        assert.equal(native!.gatherRows(table, width, ids, count, m, a, stride), -1);
        assert.equal(jsKernels.gatherRows(table, width, ids, count, m, b, stride), -1);
        assert.deepEqual(bits(a), bits(b));
        for (const i of [0, count - 1]) {
          const expected = m && m[i] === 0 ? new Array<number>(width).fill(0) : [...table.subarray(ids[i]! * width, (ids[i]! + 1) * width)];
          assert.deepEqual([...a.subarray(i * stride, i * stride + width)], expected, `row ${i}, stride ${stride}`);
        }
        assert.ok(a.subarray(width, stride).every((v) => v === 9), 'the block columns of other lookups are left alone');
      }
      for (const k of [native!, jsKernels]) assert.throws(() => k.gatherRows(table, width, ids, count, null, new Float32Array((count - 1) * stride + width - 1), stride), /shorter than count/);
    }
    const bad = ids.slice();
    bad[11] = rows;
    for (const k of [native!, jsKernels]) assert.equal(k.gatherRows(table, width, bad, count, null, new Float32Array(count * width), width), 11);
  });

  test(`accumulateRows ${rows}x${width}: native and JavaScript sum duplicate rows alike, masked samples skipped, last step's tags ignored, full slots refused`, { skip }, () => {
    const rng = new Random(rows * 7 + width);
    const count = 301;
    const ids = Int32Array.from({ length: count }, () => (rng.next() < 0.5 ? rng.int(Math.min(rows, 3)) : rng.int(rows)));
    const mask = Float32Array.from({ length: count }, () => (rng.next() < 0.2 ? 0 : 1));
    const grad = floats(rng, count * width);
    const run = (k: Kernels) => {
      const index = new Int32Array(2 * rows);
      const steps = [1, 2].map((tag) => {
        const out = new Int32Array(2 * count);
        const sums = new Float32Array(2 * count * width);
        // Two lookups into the same sums, as two features sharing a table; the second step (tag
        // 2) finds the first one's stamps and must start afresh.
        let used = k.accumulateRows(ids, mask, count, width, grad, index, tag, out, sums, 0);
        used = k.accumulateRows(ids, null, count, width, grad, index, tag, out, sums, used);
        return { used, rows: [...out.subarray(0, used)], sums: bits(sums.subarray(0, used * width)) };
      });
      return { steps, index: [...index] };
    };
    const a = run(native!);
    assert.deepEqual(a, run(jsKernels));
    assert.deepEqual(a.steps[1], a.steps[0], 'a new tag starts afresh');
    const distinct = new Set(ids).size;
    assert.equal(a.steps[0]!.used, distinct, 'one slot per distinct row');
    // The sum of a row is every unmasked sample's gradient plus every sample's (second lookup).
    const r = a.steps[0]!.rows[0]!;
    const expected = new Float32Array(width);
    for (const pass of [mask, null]) for (let i = 0; i < count; i++) if (ids[i] === r && (!pass || pass[i] !== 0)) for (let d = 0; d < width; d++) expected[d] += grad[i * width + d]!;
    assert.deepEqual(a.steps[0]!.sums.slice(0, width), bits(expected));
    for (const k of [native!, jsKernels]) {
      assert.throws(() => k.accumulateRows(ids, null, count, width, grad, new Int32Array(2 * rows), 1, new Int32Array(distinct - 1), new Float32Array(count * width), 0), /more rows than slots/);
    }
  });
}

test('native kernels reject rows outside the parameter and wrong array types instead of writing out of bounds', { skip }, () => {
  const p = new Float32Array(12);
  const slots = [new Float32Array(12), new Float32Array(12)];
  assert.throws(() => native!.adamRows(p, slots[0]!, slots[1]!, Int32Array.of(3), 1, 4, new Float32Array(4), 0.9, 0.999, 1e-3, 1, 1e-7, 0, 1, false), /row outside/);
  assert.throws(() => native!.adagradRows(p, slots[0]!, Int32Array.of(-1), 1, 4, new Float32Array(4), 0.1, 1, 1e-7, 0, 1, true), /row outside/);
  assert.throws(() => native!.adamRows(p, slots[0]!, slots[1]!, Int32Array.of(0), 1, 4, new Float32Array(3), 0.9, 0.999, 1e-3, 1, 1e-7, 0, 1, true), /gradient shorter/);
  assert.throws(() => native!.gatherRows(p, 4, Float32Array.of(0) as unknown as Int32Array, 1, null, new Float32Array(4), 4), /Int32Array/);
  assert.deepEqual([...p], new Array(12).fill(0));
});

test('adviseHugePages: advises the 2 MiB-aligned part of a large array, not a small one, and leaves the contents alone', { skip }, () => {
  // A 1 MiB array cannot hold a whole aligned 2 MiB page.
  assert.equal(native!.adviseHugePages(new Float32Array(1 << 18)), false);
  const large = new Float32Array(new SharedArrayBuffer(16 << 20));
  const transparentHugePages = process.platform === 'linux' && existsSync('/sys/kernel/mm/transparent_hugepage/enabled');
  assert.equal(onHugePages(large), large);
  assert.equal(native!.adviseHugePages(large), transparentHugePages);
  large.fill(1.5, 1000, 2_000_000);
  assert.deepEqual([large[999], large[1000], large[1_999_999], large[2_000_000]], [0, 1.5, 1.5, 0]);
  assert.throws(() => native!.adviseHugePages({} as Float32Array), /not a typed array/);
});
