import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type FloatType } from '../../src/engine/graph.js';
import { gradients } from '../../src/engine/autodiff.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession, type Feed } from '../../src/engine/runtime.js';
import { ConfigError } from '../../src/errors.js';
import { ListMLELoss } from '../../src/losses/list-mle-loss.js';
import { PairwiseHingeLoss, PairwiseLogisticLoss, PairwiseSoftZeroOneLoss } from '../../src/losses/pairwise-losses.js';
import type { RankingLoss } from '../../src/losses/ranking-loss.js';
import { RANKING_LOSSES, rankingLoss } from '../../src/losses/registry.js';
import { checkGradients } from '../support/gradient-check.js';

interface Lists {
  scores: number[][];
  labels: number[][];
  mask?: number[][];
}

/** The loss and d(loss)/d(scores) through ONNX Runtime. */
async function evaluate(loss: RankingLoss, { scores, labels, mask }: Lists, floatType: FloatType = 'float64'): Promise<{ value: number; grad: number[][] }> {
  const dims = [scores.length, scores[0]!.length];
  const graph = new Graph(floatType);
  const s = graph.input('scores', ['lists', dims[1]!]);
  const y = graph.input('labels', ['lists', dims[1]!]);
  const m = mask ? graph.input('mask', ['lists', dims[1]!]) : undefined;
  const value = loss.apply(s, y, m);
  const [grad] = gradients(value, [s]);
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { value, grad: grad! } }), { threads: 1 });
  const typed = (rows: number[][]) => (floatType === 'float64' ? Float64Array : Float32Array).from(rows.flat());
  const feeds: Record<string, Feed> = { scores: { data: typed(scores), shape: dims }, labels: { data: typed(labels), shape: dims } };
  if (mask) feeds.mask = { data: typed(mask), shape: dims };
  const out = await session.run(feeds);
  await session.release();
  const flat = Array.from(out.grad as Float64Array);
  return { value: (out.value as Float64Array)[0]!, grad: scores.map((row, i) => flat.slice(i * row.length, (i + 1) * row.length)) };
}

const kerasList: Lists = { scores: [[1, 3, 2, 4, 0.8]], labels: [[1, 0, 1, 3, 2]] };
const near = (actual: number, expected: number, tolerance = 1e-4) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

const losses: [string, () => RankingLoss][] = [
  ['PairwiseHingeLoss', () => new PairwiseHingeLoss()],
  ['PairwiseLogisticLoss', () => new PairwiseLogisticLoss()],
  ['PairwiseSoftZeroOneLoss', () => new PairwiseSoftZeroOneLoss()],
  ['ListMLELoss', () => new ListMLELoss()],
];

test('pairwise losses: the issue golden values (keras-rs semantics), in float64 and float32', async () => {
  for (const floatType of ['float64', 'float32'] as const) {
    near((await evaluate(new PairwiseHingeLoss(), kerasList, floatType)).value, 2.32);
    near((await evaluate(new PairwiseLogisticLoss(), kerasList, floatType)).value, 1.70708);
    near((await evaluate(new PairwiseSoftZeroOneLoss(), kerasList, floatType)).value, 0.86103);
  }
});

test('pairwise hinge by hand: two lists, temperature, and equal labels form no pair', async () => {
  // List 1: one pair (0 over 1), max(0, 1 - (0.5 - 0)) = 0.5; list 2: labels tie, no pair.
  // Four valid items in all: 0.5 / 4.
  near((await evaluate(new PairwiseHingeLoss(), { scores: [[0.5, 0], [2, -1]], labels: [[1, 0], [1, 1]] })).value, 0.125, 1e-12);
  // T = 0.5 doubles the difference: max(0, 1 - 1) = 0.
  near((await evaluate(new PairwiseHingeLoss({ temperature: 0.5 }), { scores: [[0.5, 0]], labels: [[1, 0]] })).value, 0, 1e-12);
  // keras-rs' temperature test, first list, per-item losses [5, 0, 3, 0, 10.2] over 5 items.
  near((await evaluate(new PairwiseHingeLoss({ temperature: 0.5 }), kerasList)).value, 18.2 / 5);
});

test('ListMLE golden values computed by hand', async () => {
  // Three equal scores: the top item is one of 3, the next one of 2: log 3 + log 2.
  near((await evaluate(new ListMLELoss(), { scores: [[0, 0, 0]], labels: [[2, 1, 0]] })).value, Math.log(6), 1e-12);
  // Equal labels keep list order: item 0 is chosen first, -log(e^0 / (e^0 + e^ln3)) = log 4 (the other order would give log(4/3)).
  near((await evaluate(new ListMLELoss(), { scores: [[0, Math.log(3)]], labels: [[1, 1]] })).value, Math.log(4), 1e-12);
  // keras-rs' list: order by label is items 3, 4, 0, 2, 1 with scores 4, 0.8, 1, 2, 3 (ties 0, 2 in list order).
  const sorted = [4, 0.8, 1, 2, 3];
  const byHand = sorted.reduce((sum, s, r) => sum - (s - Math.log(sorted.slice(r).reduce((a, v) => a + Math.exp(v), 0))), 0);
  near(byHand, 6.865693);
  near((await evaluate(new ListMLELoss(), kerasList)).value, byHand, 1e-9);
  // Two lists average; the temperature divides the scores: keras-rs' numbers for its batched test.
  const batched: Lists = { scores: [[1, 3, 2, 4, 0.8], [1, 1.8, 2, 3, 2]], labels: [[1, 0, 1, 3, 2], [0, 1, 2, 3, 1.5]] };
  near((await evaluate(new ListMLELoss(), batched)).value, (6.865693 + 3.088192) / 2);
  near((await evaluate(new ListMLELoss({ temperature: 0.5 }), batched)).value, (10.969891 + 2.1283305) / 2);
});

for (const [name, make] of losses) {
  test(`${name}: an item with label < 0 or mask 0 changes neither the loss nor any gradient`, async () => {
    const base: Lists = { scores: [[0.3, -0.2, 0.9, 0.1], [1.2, 0.4, -0.7, 0.5]], labels: [[2, 0, 1, 1], [0, 3, 1, 2]] };
    const reference = await evaluate(make(), base);
    // Append an item that would matter if it counted: the best label with the worst score, and vice versa.
    const ignoredByLabel: Lists = { scores: base.scores.map((r) => [...r, -5]), labels: base.labels.map((r) => [...r, -1]) };
    const ignoredByMask: Lists = {
      scores: base.scores.map((r) => [...r, -5]),
      labels: base.labels.map((r) => [...r, 4]),
      mask: base.labels.map((r) => [...r.map(() => 1), 0]),
    };
    // A list with no valid item at all, in the middle of the batch.
    const emptyList: Lists = {
      scores: [base.scores[0]!, [7, -3, 2, 0], base.scores[1]!],
      labels: [base.labels[0]!, [-1, -1, -1, -1], base.labels[1]!],
    };
    for (const [what, lists] of [['label -1', ignoredByLabel], ['mask 0', ignoredByMask]] as const) {
      const out = await evaluate(make(), lists);
      near(out.value, reference.value, 1e-12);
      out.grad.forEach((row, i) => {
        row.slice(0, -1).forEach((g, j) => near(g, reference.grad[i]![j]!, 1e-12));
        assert.equal(row.at(-1), 0, `${what}: the ignored item gets no gradient`);
      });
    }
    const out = await evaluate(make(), emptyList);
    near(out.value, reference.value, 1e-12);
    assert.deepEqual(out.grad[1], [0, 0, 0, 0]);
    [0, 2].forEach((i, k) => out.grad[i]!.forEach((g, j) => near(g, reference.grad[k]![j]!, 1e-12)));
    // Every item ignored: loss 0, not NaN.
    assert.equal((await evaluate(make(), { scores: [[1, 2]], labels: [[-1, -1]] })).value, 0);
  });

  test(`${name}: gradient matches finite differences (T = 1 and T = 0.7, with a masked item)`, async () => {
    // Scores keep every pairwise difference away from the hinge's kink at 1.
    const scores = Float64Array.of(0.31, -0.52, 0.97, 0.14, 1.23, 0.45, -0.68, 0.52);
    const labels = Float64Array.of(2, 0, 1, 1, 0, 3, -1, 2);
    const mask = Float64Array.of(1, 1, 1, 1, 1, 1, 1, 0);
    for (const temperature of [1, 0.7]) {
      const loss = RANKING_LOSSES.map((n) => rankingLoss(n, { temperature })).find((l) => l.className === name)!;
      await checkGradients(
        [
          { name: 'scores', shape: ['lists', 4], dims: [2, 4], values: scores },
          { name: 'labels', shape: ['lists', 4], dims: [2, 4], values: labels, constant: true },
          { name: 'mask', shape: ['lists', 4], dims: [2, 4], values: mask, constant: true },
        ],
        ({ scores: s, labels: y, mask: m }) => loss.apply(s!, y!, m!),
      );
    }
  });

  test(`${name}: config round-trip and argument checks`, () => {
    const loss = make();
    const Class = loss.constructor as unknown as { fromConfig(c: object): RankingLoss };
    const tempered = Class.fromConfig({ temperature: 0.25 });
    assert.deepEqual(Class.fromConfig(tempered.getConfig()).getConfig(), { temperature: 0.25 });
    assert.deepEqual(loss.getConfig(), { temperature: 1 });
    for (const bad of [0, -1, Number.NaN, Infinity]) assert.throws(() => Class.fromConfig({ temperature: bad }), (e: unknown) => e instanceof ConfigError && /'temperature' must be a positive number/.test(e.message));
  });
}

test('ranking losses reject inputs of the wrong shape, and unknown names', () => {
  const graph = new Graph();
  const scores = graph.input('scores', ['lists', 4]);
  assert.throws(() => new ListMLELoss().apply(scores, graph.input('labels', ['lists', 3])), /labels \[lists,3\] must have the shape of scores/);
  assert.throws(() => new PairwiseHingeLoss().apply(graph.input('flat', ['batch']), graph.input('y', ['batch'])), /\(lists, listSize\)/);
  assert.throws(() => new PairwiseHingeLoss().apply(graph.input('dyn', ['lists', 'items']), graph.input('y2', ['lists', 'items'])), /static listSize/);
  assert.throws(() => rankingLoss('lambdarank' as never), (e: unknown) => e instanceof ConfigError && /unknown ranking loss 'lambdarank'; one of: listmle, pairwise-hinge/.test(e.message));
});
