/**
 * Data-parallel training steps (src/train/data-parallel.ts): for every model type whose training
 * graph may run in row slices, the slices' gradients add up to the whole batch's; the others
 * (batch statistics, in-batch or listwise losses, auxiliary losses, several tasks) are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Batch } from '../../src/data/batch.js';
import { OnnxSession, type Feed } from '../../src/engine/runtime.js';
import { MODEL_TYPES } from '../../src/models/registry.js';
import { BatchFeeder } from '../../src/train/batch-feeder.js';
import { dataParallelInputs } from '../../src/train/data-parallel.js';
import { BATCH_ROWS, RankingModel } from '../../src/train/ranking-model.js';
import { Random } from '../../src/util/random.js';
import { assertAllClose, assertClose, zooSpec } from './fixtures.js';

const CONFIGS: Record<string, Record<string, unknown>> = {
  'two-tower': { userFeatures: ['user', 'history'], itemFeatures: ['item', 'genre', 'tags', 'price'], logQCorrection: false },
  // Dice keeps batch statistics (refused, tested below); PReLU does not.
  din: { activation: 'prelu', attentionActivation: 'prelu' },
  dien: { activation: 'prelu' },
  gmf: { user: 'user', item: 'item' },
  'ncf-mlp': { user: 'user', item: 'item' },
  neumf: { user: 'user', item: 'item' },
  sim: { topK: 2, recent: 1, activation: 'prelu', attentionActivation: 'prelu' },
};
const MULTI_TASK = ['shared-bottom', 'mmoe', 'ple'];
/** Rows of the batch, and where the second slice starts: uneven slices. */
const ROWS = 7;
const CUT = 3;

function batch(seed: number): Batch {
  const rng = new Random(seed);
  const ids = (cardinality: number, n: number) => Int32Array.from({ length: n }, () => rng.int(cardinality));
  const padded = (cardinality: number, maxLength: number) => ({ ids: ids(cardinality, ROWS * maxLength), mask: Float32Array.from({ length: ROWS * maxLength }, (_, i) => (i % maxLength === 0 || rng.next() < 0.6 ? 1 : 0)), maxLength });
  return {
    size: ROWS,
    categorical: new Map([
      ['user', ids(20, ROWS)],
      ['item', ids(30, ROWS)],
      ['genre', ids(5, ROWS)],
    ]),
    multiValue: new Map([
      ['tags', padded(8, 3)],
      ['history', padded(30, 4)],
    ]),
    dense: Float32Array.from({ length: ROWS }, () => rng.normal()),
    labels: new Map([['click', Float32Array.from({ length: ROWS }, (_, i) => i % 2)]]),
  };
}

async function run(bytes: Uint8Array, feeds: Record<string, Feed>): Promise<Record<string, Float32Array>> {
  const session = await OnnxSession.create(bytes, { threads: 1 });
  try {
    return (await session.run(feeds)) as Record<string, Float32Array>;
  } finally {
    await session.release();
  }
}

for (const type of MODEL_TYPES) {
  test(`${type}: row slices of a training step add up to the whole batch's gradients, or the model is refused`, async () => {
    const multiTask = MULTI_TASK.includes(type);
    const tasks = multiTask ? [...zooSpec.tasks, { name: 'buy', kind: 'binary' as const }] : zooSpec.tasks;
    const heads = multiTask ? tasks.map((t, offset) => ({ task: t.name, kind: t.kind, offset })) : { task: 'click', kind: 'binary' as const, offset: 0 };
    const model = new RankingModel({ ...zooSpec, tasks }, RankingModel.parseModelSpec(type, CONFIGS[type] ?? {}), heads, undefined, 3);
    const plain = model.trainingGraph();
    const rows = dataParallelInputs(plain.built);
    // Refused: several tasks' masked means, two-tower's in-batch softmax, DIEN's auxiliary loss.
    const expectRefused = multiTask || ['two-tower', 'dien'].includes(type);
    assert.equal(rows === undefined, expectRefused, `${type} ${rows ? 'sliced' : 'refused'}`);
    if (!rows) return;

    const sliced = model.trainingGraph(undefined, undefined, true);
    const feeds = new BatchFeeder(sliced.built.ctx, model.params, 1, 'click').feeds(batch(5), new Random(1));
    const whole = await run(plain.bytes, feeds);
    const slice = async (start: number, end: number) => {
      const part: Record<string, Feed> = { ...feeds, [BATCH_ROWS]: { data: Float32Array.of(ROWS), shape: [1] } };
      for (const { name, tail } of rows) {
        const width = tail.reduce((a, b) => a * b, 1);
        part[name] = { data: feeds[name]!.data.slice(start * width, end * width), shape: [end - start, ...tail] };
      }
      return run(sliced.bytes, part);
    };
    const [first, second] = [await slice(0, CUT), await slice(CUT, ROWS)];
    assertClose(first.loss![0]! + second.loss![0]!, whole.loss![0]!, 1e-6, 'loss');
    const lookups = new Set(sliced.built.ctx.lookups.map((l) => `grad/${l.input}`));
    for (const name of Object.keys(whole).filter((n) => n.startsWith('grad/'))) {
      const expected = whole[name]!;
      // Row gradients: each slice gives its own rows'; weight gradients: each slice gives a part.
      const actual = lookups.has(name) ? Float32Array.from([...first[name]!, ...second[name]!]) : first[name]!.map((v, i) => v + second[name]![i]!);
      assertAllClose(actual, expected, 1e-5, `${type} ${name}`);
    }
    assert.ok([...whole['grad/' + sliced.built.ctx.lookups[0]!.input]!].some((v) => v !== 0), 'the check would be vacuous: zero row gradients');
  });
}

test('models with batch statistics (batch norm, Dice) are refused: their rows meet in the forward pass', () => {
  for (const [type, config] of [['dnn', { batchNorm: true }], ['din', { activation: 'dice' }]] as const) {
    const model = new RankingModel(zooSpec, RankingModel.parseModelSpec(type, config), { task: 'click', kind: 'binary', offset: 0 }, undefined, 3);
    assert.equal(dataParallelInputs(model.trainingGraph().built), undefined, type);
  }
});
