/** GeneralSearchUnit and AgeBucketEmbedding (SIM): golden soft and hard selections (ties, padding, short histories), ages, gradients, configs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../src/engine/graph.js';
import { reduceSum } from '../../src/engine/ops.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { BuildContext } from '../../src/layers/build-context.js';
import { AgeBucketEmbedding } from '../../src/layers/age-bucket-embedding.js';
import { GeneralSearchUnit, type SearchMode } from '../../src/layers/general-search-unit.js';
import { ConfigError } from '../../src/errors.js';
import { checkGradients } from '../support/gradient-check.js';

const B = 'batch';
const ids = (values: number[], shape: number[]) => ({ data: BigInt64Array.from(values, (v) => BigInt(v)), shape });

/**
 * Two rows of L = 5 behaviours in d = 2, the candidate (1, 0), so a behaviour's inner product is
 * its first coordinate. Row 0: scores 0.5, 2, 2, -1 and a padded 9 (never eligible; its row is
 * deliberately large). Row 1: one real behaviour (score -3), the rest padding.
 */
const ROWS = [0.5, 0, 2, 1, 2, -1, -1, 0, 9, 9, -3, 0, 7, 7, 7, 7, 7, 7, 7, 7];
const MASK = [1, 1, 1, 1, 0, 1, 0, 0, 0, 0];
const CANDIDATE = [1, 0, 1, 0];
// Categories: row 0 behaviours 4, 2, 4, 4, (4 padded); candidate 4. Row 1: 1, (1, 1, 1, 1 padded); candidate 2.
const CATEGORIES = [4, 2, 4, 4, 4, 1, 1, 1, 1, 1];
const CANDIDATE_CATEGORY = [4, 2];

async function search(mode: SearchMode, k: number, recent = 0): Promise<{ positions: number[]; mask: number[]; rows: number[] }> {
  const graph = new Graph('float32');
  const ctx = new BuildContext(graph, new ParameterStore(1), 'eval');
  const found = new GeneralSearchUnit({ topK: k, search: mode, recent }).apply(ctx, {
    rows: graph.input('rows', [B, 5, 2]),
    mask: graph.input('mask', [B, 5]),
    candidate: graph.input('candidate', [B, 2]),
    categories: graph.input('categories', [B, 5], 'data', 'int64'),
    candidateCategory: graph.input('candidate_category', [B], 'data', 'int64'),
  });
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { positions: found.positions, found_mask: found.mask, found_rows: found.rows } }), { threads: 1 });
  const out = await session.run({
    rows: { data: Float32Array.from(ROWS), shape: [2, 5, 2] },
    mask: { data: Float32Array.from(MASK), shape: [2, 5] },
    candidate: { data: Float32Array.from(CANDIDATE), shape: [2, 2] },
    ...(mode === 'hard' ? { categories: ids(CATEGORIES, [2, 5]), candidate_category: ids(CANDIDATE_CATEGORY, [2]) } : {}),
  });
  await session.release();
  return { positions: Array.from(out.positions as BigInt64Array, Number), mask: Array.from(out.found_mask as Float32Array), rows: Array.from(out.found_rows as Float32Array) };
}

test('soft search: top-K by inner product, ties to the older position, padding never picked over a real behaviour', async () => {
  const { positions, mask, rows } = await search('soft', 3);
  // Row 0: positions 1 and 2 tie at 2 (older first), then 0 (0.5); the padded 9 loses to all.
  // Row 1: its one real behaviour (-3) first, then padding, selected but masked.
  assert.deepEqual(positions.slice(0, 3), [1, 2, 0]);
  assert.equal(positions[3], 0);
  assert.deepEqual(mask, [1, 1, 1, 1, 0, 0]);
  assert.deepEqual(rows.slice(0, 6), [2, 1, 2, -1, 0.5, 0]);
  assert.deepEqual(rows.slice(6, 8), [-3, 0]);
  // K = all four real behaviours of row 0: the worst (-1, position 3) comes last, the padding still out.
  const four = await search('soft', 4);
  assert.deepEqual(four.positions.slice(0, 4), [1, 2, 0, 3]);
  assert.deepEqual(four.mask.slice(0, 4), [1, 1, 1, 1]);
});

test('hard search: only behaviours of the candidate\'s category, the most recent first; none found is all masked', async () => {
  const { positions, mask, rows } = await search('hard', 2);
  // Row 0: category 4 at positions 0, 2, 3 (4 is padded): the two most recent are 3 and 2.
  assert.deepEqual(positions.slice(0, 2), [3, 2]);
  assert.deepEqual(rows.slice(0, 4), [-1, 0, 2, -1]);
  // Row 1: the candidate's category 2 is nowhere in its history: nothing eligible.
  assert.deepEqual(mask, [1, 1, 0, 0]);
  const three = await search('hard', 3);
  assert.deepEqual(three.positions.slice(0, 3), [3, 2, 0]);
  assert.deepEqual(three.mask.slice(0, 3), [1, 1, 1]);
  const four = await search('hard', 4);
  assert.deepEqual(four.mask.slice(0, 4), [1, 1, 1, 0], 'position 1 (category 2) and padding stay out');
});

test('recent: the most recent real behaviours are always kept, first, whatever the search or category', async () => {
  // Row 0's two most recent (positions 2, 3; tied first, older first), then the best other by inner product (1).
  const soft = await search('soft', 3, 2);
  assert.deepEqual(soft.positions.slice(0, 3), [2, 3, 1]);
  assert.deepEqual(soft.mask, [1, 1, 1, 1, 0, 0]);
  // Row 1's only behaviour is of another category than the candidate, but it is the most recent.
  const hard = await search('hard', 2, 1);
  assert.deepEqual(hard.positions.slice(0, 2), [3, 2]);
  assert.deepEqual(hard.mask, [1, 1, 1, 0]);
  assert.throws(() => new GeneralSearchUnit({ topK: 2, recent: 3 }), /'recent' 3 exceeds 'topK' 2/);
});

test('the selected rows are differentiable: gradient of a function of them matches finite differences', async () => {
  // Spread-out behaviours so the finite difference never changes which positions are selected.
  const rows = Float64Array.from({ length: 2 * 5 * 3 }, (_, i) => ((i * 7) % 11) / 3 - 1.5);
  for (const mode of ['soft', 'hard'] as const) {
    await checkGradients(
      [
        { name: 'rows', shape: [B, 5, 3], dims: [2, 5, 3], values: rows },
        { name: 'mask', shape: [B, 5], dims: [2, 5], values: Float64Array.of(1, 1, 1, 1, 0, 1, 1, 1, 0, 0), constant: true },
        { name: 'candidate', shape: [B, 3], dims: [2, 3], values: Float64Array.of(1, 0.5, -0.25, -1, 0.75, 0.5), constant: true },
      ],
      ({ rows, mask, candidate }, graph) => {
        const ctx = new BuildContext(graph, new ParameterStore(1), 'eval');
        const found = new GeneralSearchUnit({ topK: 2, search: mode }).apply(ctx, {
          rows: rows!,
          mask: mask!,
          candidate: candidate!,
          categories: graph.input('categories', [B, 5], 'data', 'int64'),
          candidateCategory: graph.input('candidate_category', [B], 'data', 'int64'),
        });
        return reduceSum(found.rows, [0]);
      },
      { extraFeeds: { categories: ids([1, 2, 1, 1, 1, 3, 3, 4, 3, 3], [2, 5]), candidate_category: ids([1, 3], [2]) } },
    );
  }
});

test('GeneralSearchUnit: config round-trip, bad arguments and a topK beyond the history are ConfigErrors', () => {
  const unit = new GeneralSearchUnit({ name: 'gsu', topK: 7, search: 'hard' });
  assert.deepEqual(GeneralSearchUnit.fromConfig(unit.getConfig()).getConfig(), { name: 'gsu', topK: 7, search: 'hard' });
  assert.throws(() => new GeneralSearchUnit({ topK: 0 }), /'topK' must be a positive integer/);
  assert.throws(() => new GeneralSearchUnit({ search: 'fuzzy' as SearchMode }), /'search' must be one of soft, hard/);
  const graph = new Graph('float32');
  const ctx = new BuildContext(graph, new ParameterStore(1), 'eval');
  const inputs = { rows: graph.input('rows', [B, 5, 2]), mask: graph.input('mask', [B, 5]), candidate: graph.input('candidate', [B, 2]) };
  assert.throws(() => new GeneralSearchUnit({ topK: 6 }).apply(ctx, inputs), (e: unknown) => e instanceof ConfigError && /'topK' 6 exceeds the history's 5 positions/.test(e.message));
  assert.throws(() => new GeneralSearchUnit({ topK: 2, search: 'hard' }).apply(ctx, inputs), /hard search needs the behaviours' categories/);
});

test('AgeBucketEmbedding: cumulative sums of log2 buckets (thresholds 0, 1, 3, 7), gradient, config', async () => {
  const graph = new Graph('float64');
  const params = new ParameterStore(1);
  const ctx = new BuildContext(graph, params, 'eval');
  const out = new AgeBucketEmbedding({ name: 'age', buckets: 4, dim: 1 }).apply(ctx, graph.input('ages', [B, 6]));
  params.dense.get('age/weights')!.data.set([1, 10, 100, 1000]);
  const initializers = new Map([...params.allTensors()].map(([k, t]) => [k, Float64Array.from(t.data)]));
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { y: out }, initializers }), { threads: 1 });
  const y = (await session.run({ ages: { data: Float64Array.of(0, 1, 2, 3, 7, 500), shape: [1, 6] } })).y as Float64Array;
  assert.deepEqual(Array.from(y), [1, 11, 11, 111, 1111, 1111]);
  await session.release();

  const layerParams = new ParameterStore(2);
  await checkGradients([{ name: 'ages', shape: [B, 3], dims: [2, 3], values: Float64Array.of(0, 2, 9, 1, 4, 30), constant: true }], ({ ages }, g) => {
    const c = new BuildContext(g, layerParams, 'train');
    return reduceSum(new AgeBucketEmbedding({ name: 'age', buckets: 5, dim: 2 }).apply(c, ages!), [0]);
  }, { params: layerParams });
  const layer = new AgeBucketEmbedding({ name: 'a', buckets: 3, dim: 4 });
  assert.deepEqual(AgeBucketEmbedding.fromConfig(layer.getConfig()).getConfig(), { name: 'a', buckets: 3, dim: 4 });
  assert.throws(() => new AgeBucketEmbedding({ buckets: 0, dim: 4 }), /'buckets' must be a positive integer/);
});

test('the search reports each retrieved behaviour\'s age: real behaviours after it', async () => {
  const graph = new Graph('float32');
  const ctx = new BuildContext(graph, new ParameterStore(1), 'eval');
  const found = new GeneralSearchUnit({ topK: 3, search: 'soft' }).apply(ctx, { rows: graph.input('rows', [B, 5, 2]), mask: graph.input('mask', [B, 5]), candidate: graph.input('candidate', [B, 2]) });
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { ages: found.ages } }), { threads: 1 });
  const out = await session.run({ rows: { data: Float32Array.from(ROWS), shape: [2, 5, 2] }, mask: { data: Float32Array.from(MASK), shape: [2, 5] }, candidate: { data: Float32Array.from(CANDIDATE), shape: [2, 2] } });
  await session.release();
  // Row 0 retrieves positions 1, 2, 0 of 4 real behaviours; row 1 its only one (age 0), then padding.
  assert.deepEqual(Array.from(out.ages as Float32Array).slice(0, 4), [2, 1, 3, 0]);
});
