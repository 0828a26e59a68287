/**
 * Every model type on one small feature set (user, item, genre, tags, a history sharing the item
 * table, price; tasks click and buy for the multi-task models), with random serving feeds of 7
 * candidate rows: the user and history repeated in every row, or once as context.
 */
import type { FeatureSpec } from '../../src/data/batch.js';
import { OnnxSession, type Feed } from '../../src/engine/runtime.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Random } from '../../src/util/random.js';

export const zooSpec: FeatureSpec = {
  categorical: [
    { name: 'user', cardinality: 20 },
    { name: 'item', cardinality: 30 },
    { name: 'genre', cardinality: 5 },
  ],
  multiValue: [{ name: 'tags', cardinality: 8, maxLength: 3, pooling: 'mean' }],
  sequence: [{ name: 'history', vocabularyOf: 'item', cardinality: 30, maxLength: 4 }],
  numeric: ['price'],
  tasks: [
    { name: 'click', kind: 'binary' },
    { name: 'buy', kind: 'binary' },
  ],
};
const MULTI_TASK = ['shared-bottom', 'mmoe', 'ple'];
const CONFIGS: Record<string, Record<string, unknown>> = {
  'two-tower': { userFeatures: ['user', 'history'], itemFeatures: ['item', 'genre', 'tags', 'price'] },
  gmf: { user: 'user', item: 'item' },
  'ncf-mlp': { user: 'user', item: 'item' },
  neumf: { user: 'user', item: 'item' },
  sim: { topK: 2, recent: 1 },
};
export const CONTEXT = new Set(['user', 'history']);
export const ROWS = 7;

export function zooFeeds(seed: number): { perRow: Record<string, Feed>; once: Record<string, Feed> } {
  const rng = new Random(seed);
  const ids = (cardinality: number, n: number) => BigInt64Array.from({ length: n }, () => BigInt(rng.int(cardinality)));
  const user = ids(20, 1);
  const history = ids(30, 4);
  const historyMask = Float32Array.of(1, 1, 1, 0);
  const repeatIds = (one: BigInt64Array) => BigInt64Array.from({ length: ROWS * one.length }, (_, i) => one[i % one.length]!);
  const candidates: Record<string, Feed> = {
    item: { data: ids(30, ROWS), shape: [ROWS] },
    genre: { data: ids(5, ROWS), shape: [ROWS] },
    tags: { data: ids(8, ROWS * 3), shape: [ROWS, 3] },
    tags_mask: { data: new Float32Array(ROWS * 3).fill(1), shape: [ROWS, 3] },
    dense: { data: Float32Array.from({ length: ROWS }, () => rng.normal()), shape: [ROWS, 1] },
  };
  return {
    perRow: {
      ...candidates,
      user: { data: repeatIds(user), shape: [ROWS] },
      history: { data: repeatIds(history), shape: [ROWS, 4] },
      history_mask: { data: Float32Array.from({ length: ROWS * 4 }, (_, i) => historyMask[i % 4]!), shape: [ROWS, 4] },
    },
    once: { ...candidates, user: { data: user, shape: [1] }, history: { data: history, shape: [1, 4] }, history_mask: { data: historyMask, shape: [1, 4] } },
  };
}

/** Every output of graph `bytes` on the feeds it takes from `all`. */
export async function runGraph(bytes: Uint8Array, all: Record<string, Feed>): Promise<Record<string, Float32Array>> {
  const session = await OnnxSession.create(bytes, { threads: 1 });
  try {
    return (await session.run(Object.fromEntries(session.inputNames.map((name) => [name, all[name]!])))) as Record<string, Float32Array>;
  } finally {
    await session.release();
  }
}

/** A fresh model of `type` (seed 3): both tasks for a multi-task type, click alone otherwise. */
export function zooModel(type: string): RankingModel {
  const multiTask = MULTI_TASK.includes(type);
  const heads = multiTask ? zooSpec.tasks.map((t, offset) => ({ task: t.name, kind: t.kind, offset })) : { task: 'click', kind: 'binary' as const, offset: 0 };
  return new RankingModel(multiTask ? zooSpec : { ...zooSpec, tasks: [zooSpec.tasks[0]!] }, RankingModel.parseModelSpec(type, CONFIGS[type] ?? {}), heads, undefined, 3);
}
