/**
 * StepGradients, StepUpdater and UpdatePool: the optimizer half of a training step (per-row
 * gradient summing of every embedding lookup, then one lazy optimizer step per touched row and
 * per dense weight, in chunks that threads claim).
 *
 * - against a naive float64 reference (Map per table row, textbook Keras-form update rules);
 * - chunk invariance: a step cut for 3 threads, its chunks applied in a scrambled order by three
 *   updaters, equals the one-thread step bit for bit;
 * - UpdatePool with real worker threads equals the single-thread pool bit for bit;
 * - rows no (unmasked, in-count) sample touches keep their values and slots exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer, OptimizerConfigSchema, type OptimizerConfig } from '../../src/train/optimizers.js';
import { StepGradients, StepUpdater, type LookupStage, type StageShape, type UpdateLayout } from '../../src/train/step-updater.js';
import { claim, closeClaims, GENERATIONS, openClaims, UpdatePool } from '../../src/train/update-pool.js';
import { Random } from '../../src/util/random.js';
import { nativeKernels } from '../../src/engine/kernels.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: a layout of two tables and two dense weights, and per-step lookups over them.
// ---------------------------------------------------------------------------------------------

interface Shape {
  rows: number;
  dim: number;
  /** Size of the main dense weight (odd, so thread slices are uneven). */
  dense: number;
}

const SHAPES: readonly Shape[] = [
  { rows: 1, dim: 1, dense: 1 },
  { rows: 3, dim: 7, dense: 21 },
  { rows: 1023, dim: 257, dense: 1031 },
];

const OPTIMIZERS: Readonly<Record<string, Partial<OptimizerConfig>>> = {
  adam: { type: 'adam', learningRate: 0.01, weightDecay: 0.02 },
  adagrad: { type: 'adagrad', learningRate: 0.05, initialAccumulator: 0.1, weightDecay: 0.01 },
  sgdMomentum: { type: 'sgd', learningRate: 0.02, momentum: 0.9, weightDecay: 0.005 },
};

const EMBEDDING_L2 = 0.01;
const DENSE_L2 = [0, 0.003];
const SMALL_TABLE = { rows: 5, dim: 3 };
/**
 * Gradient magnitudes: live samples get uniform(-GRAD, GRAD) (realistically small, so a hot row's
 * float32 sum of ~130 of them stays well inside the reference tolerance); samples that must be
 * ignored (masked out, or past `count`) get a huge one, so counting any of them shows at once.
 */
const GRAD = 0.05;
const GARBAGE = 1000;

/**
 * Table 0 is the shape under test, table 1 a small one. Lookups: 0 and 2 are single-valued on
 * table 0 (two lookups sharing a table), 1 is single-valued on table 1, 3 is a masked
 * multi-valued lookup (batch × maxLength) on table 0.
 */
interface Plan {
  shape: Shape;
  /** Each lookup's shape; `masked` ones are multi-valued, with a padding mask. */
  stages: (StageShape & { masked: boolean })[];
  /** Per table: the rows [normal, rows) only masked-out or past-count samples point at. */
  normal: number[];
  hot: number[][];
  batch: number;
  maxLength: number;
}

function plan(shape: Shape, rng: Random): Plan {
  const big = shape.rows > 100;
  const single = big ? 400 : 9;
  const batch = big ? 64 : 4;
  const maxLength = 5;
  const normal = [shape.rows - Math.floor(shape.rows / 3), SMALL_TABLE.rows - 1];
  const hot = normal.map((n) => Array.from({ length: 3 }, () => rng.int(n)));
  return {
    shape,
    stages: [
      { table: 0, capacity: single, masked: false },
      { table: 1, capacity: 8, masked: false },
      { table: 0, capacity: single, masked: false },
      { table: 0, capacity: batch * maxLength, masked: true },
    ],
    normal,
    hot,
    batch,
    maxLength,
  };
}

interface StepData {
  stages: LookupStage[];
  counts: number[];
  denseGrads: Float32Array[];
}

function tableShape(p: Plan, table: number): { rows: number; dim: number } {
  return table === 0 ? p.shape : SMALL_TABLE;
}

/** One step's lookups: many duplicate ids (a hot set), masked-out and past-count samples on reserved rows with garbage gradients. */
function stepData(p: Plan, rng: Random): StepData {
  const drawId = (table: number) => (rng.next() < 0.5 ? p.hot[table]![rng.int(3)]! : rng.int(p.normal[table]!));
  const reservedId = (table: number) => {
    const { rows } = tableShape(p, table);
    const n = p.normal[table]!;
    return n < rows ? n + rng.int(rows - n) : drawId(table);
  };
  const counts: number[] = [];
  const stages = p.stages.map(({ table, capacity, masked }): LookupStage => {
    const { dim } = tableShape(p, table);
    const ids = new Int32Array(capacity);
    const grad = new Float32Array(capacity * dim);
    const fill = (i: number, scale: number) => {
      for (let d = 0; d < dim; d++) grad[i * dim + d] = scale * (rng.next() * 2 - 1);
    };
    if (!masked) {
      const count = capacity - 1 - rng.int(2);
      counts.push(count);
      for (let i = 0; i < capacity; i++) {
        const inside = i < count;
        ids[i] = inside ? drawId(table) : reservedId(table);
        fill(i, inside ? GRAD : GARBAGE);
      }
      return { table, ids, grad };
    }
    const mask = new Float32Array(capacity);
    counts.push(capacity);
    for (let b = 0; b < p.batch; b++) {
      const length = rng.int(p.maxLength + 1);
      for (let j = 0; j < p.maxLength; j++) {
        const i = b * p.maxLength + j;
        const valid = j < length;
        mask[i] = valid ? 1 : 0;
        // Padding points at a reserved row half the time and at a row others touch otherwise.
        ids[i] = valid ? drawId(table) : rng.next() < 0.5 ? reservedId(table) : drawId(table);
        fill(i, valid ? GRAD : GARBAGE);
      }
    }
    return { table, ids, mask, grad };
  });
  const denseGrads = [p.shape.dense, 2].map((n) => Float32Array.from({ length: n }, () => GRAD * (rng.next() * 2 - 1)));
  return { stages, counts, denseGrads };
}

function optimizerConfig(name: string): OptimizerConfig {
  return OptimizerConfigSchema.parse(OPTIMIZERS[name]);
}

/** A layout with random weights and random (valid) optimizer slots; over SharedArrayBuffers when `shared`. */
function makeLayout(p: Plan, config: OptimizerConfig, rng: Random, shared: boolean): UpdateLayout {
  const optimizer = createOptimizer(config);
  const array = (n: number) => new Float32Array(shared ? new SharedArrayBuffer(n * 4) : new ArrayBuffer(n * 4));
  const randomSlots = (n: number) => {
    const slots = optimizer.createSlots(n);
    slots.forEach((s, k) => {
      for (let i = 0; i < n; i++) {
        if (config.type === 'adam') s[i] = k === 0 ? (rng.next() * 2 - 1) * 0.1 : rng.next() * 0.01;
        else if (config.type === 'adagrad') s[i] = 0.1 + rng.next() * 0.2;
        else s[i] = (rng.next() * 2 - 1) * 0.1;
      }
    });
    return slots;
  };
  const weights = (n: number) => {
    const a = array(n);
    for (let i = 0; i < n; i++) a[i] = rng.next() * 2 - 1;
    return a;
  };
  return {
    optimizer: config,
    embeddingL2: EMBEDDING_L2,
    tables: [p.shape, SMALL_TABLE].map(({ rows, dim }) => ({ rows, dim, data: weights(rows * dim), slots: randomSlots(rows * dim) })),
    dense: [p.shape.dense, 2].map((n, i) => ({ data: weights(n), slots: randomSlots(n), l2: DENSE_L2[i]! })),
  };
}

/** A deep copy of a layout (same contents, fresh buffers of the same kind). */
function cloneLayout(layout: UpdateLayout): UpdateLayout {
  const copy = (a: Float32Array) => {
    const b = new Float32Array(a.buffer instanceof SharedArrayBuffer ? new SharedArrayBuffer(a.byteLength) : new ArrayBuffer(a.byteLength));
    b.set(a);
    return b;
  };
  return {
    optimizer: layout.optimizer,
    embeddingL2: layout.embeddingL2,
    tables: layout.tables.map((t) => ({ rows: t.rows, dim: t.dim, data: copy(t.data), slots: t.slots.map(copy) })),
    dense: layout.dense.map((d) => ({ data: copy(d.data), slots: d.slots.map(copy), l2: d.l2 })),
  };
}

/** Every parameter and slot array of a layout, in a fixed order, with a name. */
function arrays(layout: UpdateLayout): [string, Float32Array][] {
  const out: [string, Float32Array][] = [];
  layout.tables.forEach((t, i) => {
    out.push([`table ${i}`, t.data]);
    t.slots.forEach((s, k) => out.push([`table ${i} slot ${k}`, s]));
  });
  layout.dense.forEach((d, i) => {
    out.push([`dense ${i}`, d.data]);
    d.slots.forEach((s, k) => out.push([`dense ${i} slot ${k}`, s]));
  });
  return out;
}

/** Bit-for-bit equality of two layouts' weights and slots (strict deepEqual compares typed arrays' bytes: 0 ≠ -0). */
function assertSameLayout(actual: UpdateLayout, expected: UpdateLayout, what: string): void {
  const a = arrays(actual);
  const e = arrays(expected);
  assert.equal(a.length, e.length);
  a.forEach(([name, data], i) => assert.deepEqual(data, e[i]![1], `${what}: ${name} differs`));
}

function assertRelClose(actual: number, expected: number, rtol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rtol * Math.abs(expected), `${what}: expected ${expected}, got ${actual} (relative ${Math.abs(actual - expected) / Math.abs(expected)})`);
}

// ---------------------------------------------------------------------------------------------
// The naive float64 reference.
// ---------------------------------------------------------------------------------------------

interface RefParam {
  data: Float64Array;
  slots: Float64Array[];
}
interface RefState {
  tables: RefParam[];
  dense: (RefParam & { l2: number })[];
}

function refState(layout: UpdateLayout): RefState {
  const f64 = (a: Float32Array) => Float64Array.from(a);
  return {
    tables: layout.tables.map((t) => ({ data: f64(t.data), slots: t.slots.map(f64) })),
    dense: layout.dense.map((d) => ({ data: f64(d.data), slots: d.slots.map(f64), l2: d.l2 })),
  };
}

/** Textbook update of value k (Keras form of Adam: the bias corrections fold into the step size). */
function refUpdateValue(c: OptimizerConfig, p: RefParam, k: number, rawGrad: number, step: number, l2: number, scale: number): void {
  const w = p.data[k]!;
  const g = rawGrad * scale + l2 * w;
  const decayed = w * (1 - c.learningRate * c.weightDecay);
  if (c.type === 'adam') {
    const m = (p.slots[0]![k] = c.beta1 * p.slots[0]![k]! + (1 - c.beta1) * g);
    const v = (p.slots[1]![k] = c.beta2 * p.slots[1]![k]! + (1 - c.beta2) * g * g);
    const lr = (c.learningRate * Math.sqrt(1 - c.beta2 ** step)) / (1 - c.beta1 ** step);
    p.data[k] = decayed - (lr * m) / (Math.sqrt(v) + c.epsilon);
  } else if (c.type === 'adagrad') {
    const acc = (p.slots[0]![k] = p.slots[0]![k]! + g * g);
    p.data[k] = decayed - (c.learningRate * g) / (Math.sqrt(acc) + c.epsilon);
  } else {
    const velocity = c.momentum > 0 ? (p.slots[0]![k] = c.momentum * p.slots[0]![k]! + g) : g;
    p.data[k] = decayed - c.learningRate * velocity;
  }
}

/** One reference step; returns the squared norm of the summed row gradients and the dense gradients. */
function refStep(c: OptimizerConfig, state: RefState, dims: number[], data: StepData, step: number, scale: number): number {
  const sums = state.tables.map(() => new Map<number, Float64Array>());
  data.stages.forEach((stage, l) => {
    const dim = dims[stage.table]!;
    const sum = sums[stage.table]!;
    for (let i = 0; i < data.counts[l]!; i++) {
      if (stage.mask && stage.mask[i] === 0) continue;
      const row = stage.ids[i]!;
      let g = sum.get(row);
      if (!g) sum.set(row, (g = new Float64Array(dim)));
      for (let d = 0; d < dim; d++) g[d]! += stage.grad[i * dim + d]!;
    }
  });
  let squared = 0;
  sums.forEach((sum, t) => {
    const dim = dims[t]!;
    for (const [row, g] of sum) {
      for (let d = 0; d < dim; d++) {
        squared += g[d]! * g[d]!;
        refUpdateValue(c, state.tables[t]!, row * dim + d, g[d]!, step, EMBEDDING_L2, scale);
      }
    }
  });
  state.dense.forEach((p, i) => {
    const grad = data.denseGrads[i]!;
    for (let k = 0; k < grad.length; k++) {
      squared += grad[k]! * grad[k]!;
      refUpdateValue(c, p, k, grad[k]!, step, p.l2, scale);
    }
  });
  return squared;
}

/**
 * |actual - expected| <= tolerance · max(1, |expected|) for every value (the repo's assertClose):
 * the implementation sums a hot row's gradients in float32, so a sum that cancels to a small
 * number (an SGD velocity, say) carries the absolute error of the float32 partial sums.
 */
function assertArrayClose(actual: Float32Array, expected: Float64Array, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const err = Math.abs(a - e) / Math.max(1, Math.abs(e));
    if (!(err <= tolerance)) assert.fail(`${what}[${i}]: expected ${e}, got ${a}`);
  }
}

const SCALES = [0.7, 1.3, 0.25, 2];

// ---------------------------------------------------------------------------------------------
// 1. Against the reference.
// ---------------------------------------------------------------------------------------------

for (const shape of SHAPES) {
  for (const name of Object.keys(OPTIMIZERS)) {
    test(`StepGradients + StepUpdater (one thread) match a float64 reference: table ${shape.rows}×${shape.dim}, dense ${shape.dense}, ${name}, 3 steps`, () => {
      const rng = new Random(1000 + shape.rows * 7 + shape.dim + name.length);
      const config = optimizerConfig(name);
      const p = plan(shape, rng);
      const layout = makeLayout(p, config, rng, false);
      const ref = refState(layout);
      const dims = layout.tables.map((t) => t.dim);
      const gradients = new StepGradients(layout, p.stages);
      const updater = new StepUpdater(layout, gradients.touched);
      for (let step = 1; step <= 3; step++) {
        const data = stepData(p, rng);
        const scale = SCALES[step]!;
        const norm = gradients.accumulate(data.stages, data.counts, data.denseGrads, true);
        updater.apply(step, scale, data.denseGrads);
        const expected = refStep(config, ref, dims, data, step, scale);
        assertRelClose(norm, expected, 1e-5, `squared norm at step ${step}`);
      }
      layout.tables.forEach((t, i) => {
        assertArrayClose(t.data, ref.tables[i]!.data, 1e-5, `table ${i}`);
        t.slots.forEach((s, k) => assertArrayClose(s, ref.tables[i]!.slots[k]!, 1e-5, `table ${i} slot ${k}`));
      });
      layout.dense.forEach((d, i) => {
        assertArrayClose(d.data, ref.dense[i]!.data, 1e-5, `dense ${i}`);
        d.slots.forEach((s, k) => assertArrayClose(s, ref.dense[i]!.slots[k]!, 1e-5, `dense ${i} slot ${k}`));
      });
    });
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Chunk invariance.
// ---------------------------------------------------------------------------------------------

for (const shape of SHAPES) {
  test(`a step cut into chunks for 3 threads, applied in a scrambled order by 3 updaters, equals the one-thread step bit for bit: table ${shape.rows}×${shape.dim}, dense ${shape.dense}`, () => {
    for (const name of Object.keys(OPTIMIZERS)) {
      const rng = new Random(2000 + shape.rows + name.length);
      const p = plan(shape, rng);
      const whole = makeLayout(p, optimizerConfig(name), rng, false);
      const split = cloneLayout(whole);
      const oneGradients = new StepGradients(whole, p.stages);
      const one = new StepUpdater(whole, oneGradients.touched);
      const splitGradients = new StepGradients(split, p.stages);
      const three = [0, 1, 2].map(() => new StepUpdater(split, splitGradients.touched, 3));
      for (let step = 1; step <= 3; step++) {
        const data = stepData(p, rng);
        const scale = SCALES[step]!;
        const norm = oneGradients.accumulate(data.stages, data.counts, data.denseGrads, true);
        one.apply(step, scale, data.denseGrads);
        assert.equal(splitGradients.accumulate(data.stages, data.counts, data.denseGrads, true), norm, `${name}: the same norm at step ${step}`);
        const chunks = three.map((u) => u.plan());
        assert.ok(chunks.every((c) => c === chunks[0]), `${name}: every thread cuts the step alike`);
        // The small shapes fit in one chunk per array; the large one is cut finer.
        const arrays = whole.tables.length + whole.dense.length;
        assert.ok(shape.rows > 100 ? chunks[0]! > arrays : chunks[0] === arrays, `${name}: ${chunks[0]} chunks for ${arrays} arrays`);
        const order = rng.shuffle(Array.from({ length: chunks[0]! }, (_, j) => j));
        order.forEach((chunk, k) => three[k % 3]!.applyChunk(chunk, step, scale, data.denseGrads));
      }
      assertSameLayout(split, whole, `${name}, scrambled chunks vs one thread`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// 3. UpdatePool: real worker threads equal one thread.
// ---------------------------------------------------------------------------------------------

test('UpdatePool threads 3 (workers) vs threads 1: bit-identical weights and slots, with and without a clipping norm, dense gradients copied or written into denseOutputs', async () => {
  const shape = SHAPES[2]!;
  for (const name of ['adam', 'sgdMomentum']) {
    const rng = new Random(3000 + name.length);
    const p = plan(shape, rng);
    const single = makeLayout(p, optimizerConfig(name), rng, true);
    const threaded = cloneLayout(single);
    const initial = cloneLayout(single);
    const pools = [new UpdatePool(single, p.stages, 1), new UpdatePool(threaded, p.stages, 3)];
    try {
      await Promise.all(pools.map((pool) => pool.ready()));
      for (let step = 1; step <= 4; step++) {
        const data = stepData(p, rng);
        const clip = step % 2 === 0;
        const norms = pools.map((pool) => {
          data.stages.forEach((s, l) => pool.stage(l, s.ids, s.mask, s.grad, data.counts[l]!));
          // On odd steps the threaded pool's dense gradients are where ONNX Runtime would have written them: it must not copy them.
          data.denseGrads.forEach((g, i) => {
            const into = step % 2 === 1 ? pool.denseOutputs[i] : undefined;
            into?.set(g);
            pool.stageDense(i, into ?? g);
          });
          let calls = 0;
          const norm = pool.accumulate(clip);
          pool.apply(step, clip ? Math.min(1, 3 / Math.sqrt(norm)) : SCALES[step - 1]!, () => calls++);
          assert.equal(calls, 1, `${name} step ${step}: meanwhile once in apply`);
          return norm;
        });
        if (clip) {
          assert.equal(norms[1], norms[0], `${name} step ${step}: squared norm`);
          assert.ok(Math.sqrt(norms[0]!) > 3, 'the clip path scales the step');
          const check = new StepGradients(cloneLayout(initial), p.stages).accumulate(data.stages, data.counts, data.denseGrads, true);
          assert.equal(norms[0], check, `${name} step ${step}: squared norm vs StepGradients`);
        } else {
          // Without clipping no norm is computed.
          assert.deepEqual(norms, [0, 0], `${name} step ${step}: accumulate(false) reports no norm`);
        }
        assertSameLayout(threaded, single, `${name} after step ${step}: 3 threads vs 1`);
      }
      assert.equal(pools[1]!.denseOutputs.filter(Boolean).length, nativeKernels ? single.dense.length : 0, 'denseOutputs with the native addon');
      // The steps did move the weights (so equality is not trivially of untouched arrays).
      assert.notDeepEqual(Float32Array.from(single.tables[0]!.data), Float32Array.from(initial.tables[0]!.data));
      assert.notDeepEqual(Float32Array.from(single.dense[0]!.data), Float32Array.from(initial.dense[0]!.data));
    } finally {
      await Promise.all(pools.map((pool) => pool.close()));
    }
  }
});

test('chunk claims: each chunk of the open step once, nothing from a closed step, nothing for a thread still on an earlier step', () => {
  const control = new Int32Array(new SharedArrayBuffer(16));
  closeClaims(control, 0);
  assert.equal(claim(control, 0, 3), -1, 'nothing before a step opens');
  for (const generation of [1, 2, GENERATIONS - 1, 0]) {
    openClaims(control, generation);
    const earlier = (generation + GENERATIONS - 1) % GENERATIONS;
    assert.equal(claim(control, earlier, 3), -1, `step ${generation}: a thread on step ${earlier} claims nothing`);
    assert.deepEqual([0, 1, 2, 3].map(() => claim(control, generation, 3)), [0, 1, 2, -1], `step ${generation}: chunks 0..2 once`);
    openClaims(control, generation);
    assert.equal(claim(control, generation, 2), 0);
    closeClaims(control, generation);
    assert.equal(claim(control, generation, 2), -1, `step ${generation}: nothing after it closed`);
  }
});

// ---------------------------------------------------------------------------------------------
// 4. Untouched rows.
// ---------------------------------------------------------------------------------------------

test('rows no unmasked in-count sample touches (incl. rows only masked or past-count samples point at) keep values and slots exactly; touched rows move', () => {
  for (const shape of SHAPES) {
    for (const name of Object.keys(OPTIMIZERS)) {
      for (const parts of [1, 3]) {
        const rng = new Random(4000 + shape.rows + name.length + parts);
        const p = plan(shape, rng);
        const layout = makeLayout(p, optimizerConfig(name), rng, false);
        const initial = cloneLayout(layout);
        const gradients = new StepGradients(layout, p.stages);
        const updaters = Array.from({ length: parts }, () => new StepUpdater(layout, gradients.touched, parts));
        const touched = layout.tables.map((t) => new Uint8Array(t.rows));
        const ignored = layout.tables.map((t) => new Uint8Array(t.rows));
        for (let step = 1; step <= 3; step++) {
          const data = stepData(p, rng);
          data.stages.forEach((s, l) => {
            for (let i = 0; i < s.ids.length; i++) {
              const live = i < data.counts[l]! && !(s.mask && s.mask[i] === 0);
              (live ? touched : ignored)[s.table]![s.ids[i]!] = 1;
            }
          });
          gradients.accumulate(data.stages, data.counts, data.denseGrads, false);
          const chunks = updaters.map((u) => u.plan())[0]!;
          for (let chunk = 0; chunk < chunks; chunk++) updaters[chunk % parts]!.applyChunk(chunk, step, SCALES[step]!, data.denseGrads);
        }
        const what = `${shape.rows}×${shape.dim} ${name} parts ${parts}`;
        let kept = 0;
        let ignoredOnly = 0;
        layout.tables.forEach((t, ti) => {
          const before = initial.tables[ti]!;
          for (let r = 0; r < t.rows; r++) {
            const row = (a: Float32Array) => Array.from(a.subarray(r * t.dim, (r + 1) * t.dim));
            const pairs: [Float32Array, Float32Array][] = [[t.data, before.data], ...t.slots.map((s, k): [Float32Array, Float32Array] => [s, before.slots[k]!])];
            if (touched[ti]![r]) {
              assert.notDeepEqual(row(t.data), row(before.data), `${what}: touched row ${r} of table ${ti} moved`);
              continue;
            }
            kept++;
            if (ignored[ti]![r]) ignoredOnly++;
            for (const [now, was] of pairs) assert.deepEqual(row(now), row(was), `${what}: untouched row ${r} of table ${ti}${ignored[ti]![r] ? ' (only masked / past-count samples)' : ''}`);
          }
        });
        // The fixture reserves rows of both tables (the small one always has one) for ignored samples only.
        assert.ok(kept > 0, `${what}: some rows untouched`);
        assert.ok(ignoredOnly > 0, `${what}: some rows only masked or past-count samples point at`);
      }
    }
  }
});
