import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptimizer, OptimizerConfigSchema, resolveArithmetic, WHOLE, type Optimizer, type OptimizerConfig } from '../../src/train/optimizers.js';
import { Random } from '../../src/util/random.js';
import { assertAllClose, assertClose } from './fixtures.js';

function optimizer(config: Partial<OptimizerConfig>): Optimizer {
  return createOptimizer(OptimizerConfigSchema.parse(config));
}

/** One call of `update` over a whole array: param, grad, slots, step, coupled l2, grad scale. */
function step(opt: Optimizer, param: Float32Array, grad: readonly number[], slots: Float32Array[], t: number, l2 = 0, gradScale = 1): void {
  opt.update(param, WHOLE, 1, param.length, Float32Array.from(grad), slots, t, l2, gradScale);
}

/** Textbook Adam in float64, Keras form: p -= lr·√(1-β2^t)/(1-β1^t) · m / (√v + ε). */
function referenceAdam(p0: number, grads: readonly number[], { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-7, l2 = 0, scale = 1, decay = 0 }: { lr: number; beta1?: number; beta2?: number; eps?: number; l2?: number; scale?: number; decay?: number }): number {
  let p = p0;
  let m = 0;
  let v = 0;
  grads.forEach((raw, i) => {
    const t = i + 1;
    const g = raw * scale + l2 * p;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    p = p * (1 - lr * decay) - ((lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t)) * (m / (Math.sqrt(v) + eps));
  });
  return p;
}

test('optimizer config: Keras defaults (Adam 1e-3, epsilon 1e-7, Adagrad accumulator 0.1) and strict keys', () => {
  const config = OptimizerConfigSchema.parse({});
  assert.deepEqual(config, { type: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, initialAccumulator: 0.1, momentum: 0, weightDecay: 0 });
  assert.equal(OptimizerConfigSchema.safeParse({ learningrate: 0.1 }).success, false);
  assert.equal(OptimizerConfigSchema.safeParse({ momentum: 1 }).success, false);
  assert.equal(OptimizerConfigSchema.safeParse({ learningRate: 0 }).success, false);
});

test('createOptimizer: slots per type (Adam m and v at 0, Adagrad accumulator at initialAccumulator, SGD velocity only with momentum)', () => {
  const adam = optimizer({ type: 'adam' }).createSlots(3);
  assert.equal(adam.length, 2);
  assert.deepEqual([...adam[0]!, ...adam[1]!], [0, 0, 0, 0, 0, 0]);
  const adagrad = optimizer({ type: 'adagrad', initialAccumulator: 0.25 }).createSlots(2);
  assert.deepEqual(adagrad.map((s) => [...s]), [[0.25, 0.25]]);
  assert.equal(optimizer({ type: 'adagrad' }).createSlots(1)[0]![0], Math.fround(0.1));
  assert.deepEqual(optimizer({ type: 'sgd' }).createSlots(4), []);
  assert.deepEqual(optimizer({ type: 'sgd', momentum: 0.9 }).createSlots(2).map((s) => [...s]), [[0, 0]]);
});

test('SGD: p -= lr·g, elementwise', () => {
  const opt = optimizer({ type: 'sgd', learningRate: 0.1 });
  const p = Float32Array.from([1, -2, 0.5]);
  step(opt, p, [0.5, -1, 2], opt.createSlots(3), 1);
  assertAllClose(p, [0.95, -1.9, 0.3], 1e-7);
  step(opt, p, [0.5, -1, 2], [], 2);
  assertAllClose(p, [0.9, -1.8, 0.1], 1e-7);
});

test('SGD with momentum: v = μ·v + g, p -= lr·v over three steps', () => {
  const opt = optimizer({ type: 'sgd', learningRate: 0.1, momentum: 0.9 });
  const p = Float32Array.from([1]);
  const slots = opt.createSlots(1);
  // v1 = 1 -> 0.9;  v2 = 0.9 + 0.5 = 1.4 -> 0.76;  v3 = 1.26 - 1 = 0.26 -> 0.734
  const expected = [0.9, 0.76, 0.734];
  [1, 0.5, -1].forEach((g, i) => {
    step(opt, p, [g], slots, i + 1);
    assertClose(p[0]!, expected[i]!, 1e-6);
  });
  assertClose(slots[0]![0]!, 0.26, 1e-6);
});

test('Adam: first step moves by ≈ lr·sign(g); bias correction uses the given step (golden values)', () => {
  const opt = optimizer({ type: 'adam', learningRate: 0.1 });
  const p = Float32Array.from([1]);
  const slots = opt.createSlots(1);
  // m = 0.05, v = 2.5e-4, lr_t = 0.1·√0.001/0.1 -> p = 1 - lr_t·m/(√v + 1e-7) = 0.90000063
  step(opt, p, [0.5], slots, 1);
  assertClose(p[0]!, 0.9000006324515321, 1e-6);
  assertClose(slots[0]![0]!, 0.05, 1e-7);
  assertClose(slots[1]![0]!, 2.5e-4, 1e-9);
  step(opt, p, [-0.25], slots, 2);
  assertClose(p[0]!, 0.8733670792079219, 1e-6);
  step(opt, p, [1], slots, 3);
  assertClose(p[0]!, 0.8075561008769583, 1e-6);
  assertClose(slots[0]![0]!, 0.118, 1e-6);
});

test('Adam: bias correction follows the step passed in, not the number of calls (resumed runs pass the global step)', () => {
  const opt = optimizer({ type: 'adam', learningRate: 0.1 });
  const early = Float32Array.from([1]);
  const late = Float32Array.from([1]);
  step(opt, early, [0.5], opt.createSlots(1), 1);
  step(opt, late, [0.5], opt.createSlots(1), 1000);
  // At t = 1000: lr_t = 0.1·√(1-0.999^1000)/(1-0.9^1000), m = 0.05, v = 2.5e-4.
  const lrT = (0.1 * Math.sqrt(1 - 0.999 ** 1000)) / (1 - 0.9 ** 1000);
  assertClose(late[0]!, 1 - (lrT * 0.05) / (Math.sqrt(2.5e-4) + 1e-7), 1e-6);
  // Near t = 1000 the correction no longer undoes the zero-initialised m: the move is ≈ 2.5·lr, not lr.
  assert.ok(1 - late[0]! > 2 * (1 - early[0]!), `step 1000 moved ${1 - late[0]!}, step 1 moved ${1 - early[0]!}`);
});

test('Adam: epsilon is added to √v before bias correction (Keras form), visible with a large epsilon', () => {
  const opt = optimizer({ type: 'adam', learningRate: 0.1, epsilon: 0.1 });
  const p = Float32Array.from([1]);
  step(opt, p, [0.5], opt.createSlots(1), 1);
  // Keras: 1 - 0.1·√0.001/0.1 · 0.05/(√2.5e-4 + 0.1) = 0.98634729; PyTorch's form would give 0.91666667.
  assertClose(p[0]!, 0.9863472940504185, 1e-6);
});

test('Adam: multi-step updates of several values match a float64 reference', () => {
  const grads = [
    [0.3, -1.2, 0.01, 5],
    [-0.1, -0.8, 0.02, -5],
    [0.2, 0.4, -0.03, 2],
    [0.05, -2, 0, 1],
  ];
  const p0 = [0.5, -0.25, 2, 0];
  const opt = optimizer({ type: 'adam', learningRate: 0.05, beta1: 0.8, beta2: 0.99 });
  const p = Float32Array.from(p0);
  const slots = opt.createSlots(4);
  grads.forEach((g, i) => step(opt, p, g, slots, i + 1));
  const expected = p0.map((x, k) => referenceAdam(x, grads.map((g) => g[k]!), { lr: 0.05, beta1: 0.8, beta2: 0.99 }));
  assertAllClose(p, expected, 2e-6);
});

test('Adagrad: accumulator starts at 0.1, p -= lr·g/(√acc + ε) (golden values)', () => {
  const opt = optimizer({ type: 'adagrad', learningRate: 0.1 });
  const p = Float32Array.from([1]);
  const slots = opt.createSlots(1);
  // acc = 0.1 + 0.25 = 0.35 -> 1 - 0.05/√0.35 = 0.91548459
  step(opt, p, [0.5], slots, 1);
  assertClose(p[0]!, 0.9154845888128602, 1e-6);
  assertClose(slots[0]![0]!, 0.35, 1e-7);
  // acc = 0.6 -> 0.91548459 - 0.05/√0.6 = 0.85093487
  step(opt, p, [0.5], slots, 2);
  assertClose(p[0]!, 0.8509348747094022, 1e-6);
  assertClose(slots[0]![0]!, 0.6, 1e-7);
});

test('Adagrad: a configured initialAccumulator changes the first step', () => {
  const opt = optimizer({ type: 'adagrad', learningRate: 0.1, initialAccumulator: 0 });
  const p = Float32Array.from([1]);
  step(opt, p, [0.5], opt.createSlots(1), 1);
  // acc = 0.25 -> 1 - 0.05/0.5 = 0.9 (with 0.1 it would be 0.91548)
  assertClose(p[0]!, 0.9, 1e-6);
});

test('coupled l2 adds l2·p to the gradient before the rule (SGD, Adagrad, Adam)', () => {
  const sgd = optimizer({ type: 'sgd', learningRate: 0.1 });
  const p = Float32Array.from([2]);
  step(sgd, p, [0.5], [], 1, 0.1);
  assertClose(p[0]!, 2 - 0.1 * (0.5 + 0.1 * 2), 1e-6); // 1.93

  const adagrad = optimizer({ type: 'adagrad', learningRate: 0.1 });
  const q = Float32Array.from([2]);
  step(adagrad, q, [0], adagrad.createSlots(1), 1, 0.5);
  // g = 0.5·2 = 1, acc = 1.1
  assertClose(q[0]!, 2 - 0.1 / Math.sqrt(1.1), 1e-6);

  // Adam with a zero gradient still moves by ≈ lr: l2 goes through m and v.
  const adam = optimizer({ type: 'adam', learningRate: 0.1 });
  const r = Float32Array.from([2]);
  step(adam, r, [0], adam.createSlots(1), 1, 0.1);
  assertClose(r[0]!, referenceAdam(2, [0], { lr: 0.1, l2: 0.1 }), 1e-6);
  assertClose(r[0]!, 1.9, 1e-5);
});

test('decoupled weightDecay multiplies p by (1 - lr·wd), outside the adaptive rule', () => {
  const sgd = optimizer({ type: 'sgd', learningRate: 0.1, weightDecay: 0.01 });
  const p = Float32Array.from([2]);
  step(sgd, p, [0.5], [], 1);
  assertClose(p[0]!, 2 * (1 - 0.001) - 0.05, 1e-6); // 1.948

  // Adam with a zero gradient: only the decay acts, and the slots stay zero.
  const adam = optimizer({ type: 'adam', learningRate: 0.1, weightDecay: 0.1 });
  const q = Float32Array.from([2, -4]);
  const slots = adam.createSlots(2);
  step(adam, q, [0, 0], slots, 1);
  assertAllClose(q, [1.98, -3.96], 1e-6);
  assert.deepEqual([...slots[0]!, ...slots[1]!], [0, 0, 0, 0]);

  // With a gradient: decay, then the Adam step.
  const r = Float32Array.from([2]);
  step(adam, r, [0.5], adam.createSlots(1), 1);
  assertClose(r[0]!, referenceAdam(2, [0.5], { lr: 0.1, decay: 0.1 }), 1e-6);

  const adagrad = optimizer({ type: 'adagrad', learningRate: 0.1, weightDecay: 0.2 });
  const s = Float32Array.from([3]);
  step(adagrad, s, [0], adagrad.createSlots(1), 1);
  assertClose(s[0]!, 3 * 0.98, 1e-6);
});

test('gradScale scales the gradient, not the coupled l2 term', () => {
  const sgd = optimizer({ type: 'sgd', learningRate: 0.1 });
  const p = Float32Array.from([2]);
  step(sgd, p, [1], [], 1, 0.1, 0.5);
  assertClose(p[0]!, 2 - 0.1 * (0.5 + 0.2), 1e-6); // 1.93

  const adagrad = optimizer({ type: 'adagrad', learningRate: 0.1 });
  const q = Float32Array.from([1]);
  step(adagrad, q, [0.5], adagrad.createSlots(1), 1, 0, 0.5);
  // g = 0.25, acc = 0.1625
  assertClose(q[0]!, 0.9379826480900073, 1e-6);

  const adam = optimizer({ type: 'adam', learningRate: 0.05 });
  const r = Float32Array.from([1]);
  const slots = adam.createSlots(1);
  [0.4, -0.3, 0.9].forEach((g, i) => step(adam, r, [g], slots, i + 1, 0.2, 0.25));
  assertClose(r[0]!, referenceAdam(1, [0.4, -0.3, 0.9], { lr: 0.05, l2: 0.2, scale: 0.25 }), 2e-6);
});

for (const config of [
  { type: 'sgd' as const, learningRate: 0.1 },
  { type: 'sgd' as const, learningRate: 0.1, momentum: 0.5, weightDecay: 0.1 },
  { type: 'adam' as const, learningRate: 0.1, weightDecay: 0.1 },
  { type: 'adagrad' as const, learningRate: 0.1, weightDecay: 0.1 },
]) {
  test(`${config.type}${config.momentum ? ' with momentum' : ''}: updating rows touches only those rows of param and slots, each as if alone`, () => {
    const opt = optimizer(config);
    const width = 3;
    const before = Float32Array.from({ length: 7 * width }, (_, i) => 0.5 + i * 0.25);
    const p = before.slice();
    const slots = opt.createSlots(p.length);
    const slotsBefore = slots.map((s) => s.slice());
    const grad = Float32Array.from({ length: 2 * width }, (_, i) => (i - 3) * 0.3 + 0.1);
    // Two steps on rows 5 and 2 (in that order: grad row 0 belongs to param row 5).
    const rows = Int32Array.from([5, 2]);
    opt.update(p, rows, 2, width, grad, slots, 1, 0.01, 0.5);
    opt.update(p, rows, 2, width, grad, slots, 2, 0.01, 0.5);

    // The same rule on each row as a standalone array gives that row's values.
    rows.forEach((row, s) => {
      const alone = before.slice(row * width, (row + 1) * width);
      const aloneSlots = opt.createSlots(width);
      const g = grad.subarray(s * width, (s + 1) * width);
      opt.update(alone, WHOLE, 1, width, g, aloneSlots, 1, 0.01, 0.5);
      opt.update(alone, WHOLE, 1, width, g, aloneSlots, 2, 0.01, 0.5);
      assert.deepEqual([...p.subarray(row * width, (row + 1) * width)], [...alone]);
      slots.forEach((sl, j) => assert.deepEqual([...sl.subarray(row * width, (row + 1) * width)], [...aloneSlots[j]!]));
    });
    for (let k = 0; k < p.length; k++) {
      const row = Math.floor(k / width);
      if (row === 5 || row === 2) {
        assert.notEqual(p[k], before[k], `param[${k}] of an updated row did not move`);
        continue;
      }
      assert.equal(p[k], before[k], `param[${k}] outside the rows changed`);
      slots.forEach((s, j) => assert.equal(s[k], slotsBefore[j]![k], `slot ${j}[${k}] outside the rows changed`));
    }
  });
}

test('optimizer.arithmetic: unset, float32 under bf16 products and float64 under float32 ones; a set value is kept; others refused', () => {
  const unset = OptimizerConfigSchema.parse({});
  assert.equal(resolveArithmetic(unset, 'bf16').arithmetic, 'float32');
  assert.equal(resolveArithmetic(unset, 'float32').arithmetic, 'float64');
  for (const arithmetic of ['float32', 'float64'] as const) {
    for (const precision of ['float32', 'bf16'] as const) assert.equal(resolveArithmetic(OptimizerConfigSchema.parse({ arithmetic }), precision).arithmetic, arithmetic);
  }
  const refused = OptimizerConfigSchema.safeParse({ arithmetic: 'float16' });
  assert.equal(refused.success, false);
  assert.deepEqual(refused.error!.issues[0]!.path, ['arithmetic']);
});

for (const config of [
  { type: 'sgd' as const, learningRate: 0.1, momentum: 0.5, weightDecay: 0.1 },
  { type: 'adam' as const, learningRate: 0.01, weightDecay: 0.1 },
  { type: 'adagrad' as const, learningRate: 0.1, weightDecay: 0.1 },
]) {
  test(`${config.type}: float32 arithmetic stays within float32's rounding of float64's, and is not float64's bits`, () => {
    const run = (arithmetic: 'float32' | 'float64') => {
      const rng = new Random(3);
      const opt = optimizer({ ...config, arithmetic });
      const p = Float32Array.from({ length: 1000 }, () => rng.next() * 2 - 1);
      const slots = opt.createSlots(p.length);
      for (let t = 1; t <= 5; t++) opt.update(p, WHOLE, 1, p.length, Float32Array.from({ length: p.length }, () => rng.next() * 2 - 1), slots, t, 0.01, 0.5);
      return p;
    };
    const [single, double] = [run('float32'), run('float64')];
    single.forEach((x, i) => assertClose(x, double[i]!, 1e-5 * Math.max(1, Math.abs(double[i]!))));
    assert.ok(single.some((x, i) => x !== double[i]), 'float32 arithmetic gave float64\'s bits');
  });
}
