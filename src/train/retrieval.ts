/**
 * Offline retrieval evaluation of a two-tower model: embed every catalog item once with the item
 * tower and each test user with the user tower (ONNX Runtime, eval graph), score all items by
 * brute force in one graph (cosine, TopKRecommendationSelector), skip each user's training
 * items, and compare the top K with the user's test items:
 *
 *   Recall@K = mean over test users of |top K ∩ test items| / |test items|
 *
 * The catalog is every item id of the training rows (its features taken from its first row). A
 * test item outside the catalog cannot be retrieved and counts as a miss.
 */
import { Graph, type Sym } from '../engine/graph.js';
import { exportOnnx } from '../engine/onnx-export.js';
import { add, matmul, transpose } from '../engine/ops.js';
import { OnnxSession } from '../engine/runtime.js';
import { ConfigError, DataError } from '../errors.js';
import { BuildContext } from '../layers/build-context.js';
import { NormalizedDotProductSimilarity } from '../layers/normalized-dot-product-similarity.js';
import { TopKRecommendationSelector } from '../layers/top-k-recommendation-selector.js';
import { ParameterStore } from '../engine/parameter-store.js';
import { recallAtK } from '../metrics/recall.js';
import { Predictor, type BatchSource } from './predict.js';
import type { RankingModel } from './ranking-model.js';

/** Row-major vectors, one per row. */
export interface Vectors {
  data: Float32Array;
  rows: number;
  dim: number;
}

export interface RowSet {
  source: BatchSource;
  rows: Int32Array;
}

/** How a query vector scores an item vector: cosine (two-tower) or plain dot product. */
export type Scorer = 'cosine' | 'dot';

/** The ids of categorical feature `feature` over `rows`: [rows.length]. */
export function featureIds(set: RowSet, feature: string): Int32Array {
  const out = new Int32Array(set.rows.length);
  let offset = 0;
  for (const batch of set.source.batches(set.rows, 8192)) {
    const ids = batch.categorical.get(feature);
    if (!ids) throw new DataError(`retrieval: the data has no categorical feature '${feature}'`, { field: feature });
    out.set(ids.subarray(0, batch.size), offset);
    offset += batch.size;
  }
  return out;
}

/** Each distinct id of `feature` in `set` (ascending) with the first row holding it. */
export function firstRowPerId(set: RowSet, feature: string): { ids: Int32Array; rows: Int32Array } {
  const ids = featureIds(set, feature);
  const first = new Map<number, number>();
  ids.forEach((id, i) => {
    if (!first.has(id)) first.set(id, set.rows[i]!);
  });
  const sorted = Int32Array.from(first.keys()).sort();
  return { ids: sorted, rows: Int32Array.from(sorted, (id) => first.get(id)!) };
}

/** The vectors of eval-graph output `output` (e.g. 'item_tower') for `rows`. */
export async function embedRows(model: RankingModel, output: string, set: RowSet, threads = 1): Promise<Vectors> {
  const predictor = await Predictor.create(model, threads);
  try {
    const data = await predictor.output(set.source, set.rows, output);
    return { data, rows: set.rows.length, dim: set.rows.length === 0 ? 0 : data.length / set.rows.length };
  } finally {
    await predictor.release();
  }
}

/**
 * For each query, the indices of its k best items, best first: one ONNX graph scores every
 * (query, item) pair and TopK selects. Items in `exclude[q]` score -∞ for query q; ties keep the
 * lower item index first. Queries run in chunks so the score matrix stays small.
 */
export async function retrieveTopK(
  queries: Vectors,
  items: Vectors,
  { k, scorer, exclude, threads = 1, chunk = 1024 }: { k: number; scorer: Scorer; exclude?: readonly (readonly number[])[]; threads?: number; chunk?: number },
): Promise<Int32Array> {
  if (queries.dim !== items.dim) throw new ConfigError(`retrieval: query vectors have ${queries.dim} values, item vectors ${items.dim}`);
  if (k > items.rows) throw new ConfigError(`retrieval: k = ${k} exceeds the ${items.rows} items of the catalog`, { field: 'k' });
  const graph = new Graph('float32');
  const ctx = new BuildContext(graph, new ParameterStore(0), 'eval');
  const q = graph.input('queries', ['queries', queries.dim]);
  const v = graph.input('items', ['items', items.dim]);
  const excluded = graph.input('excluded', ['queries', 'items']);
  const scores: Sym = scorer === 'cosine' ? new NormalizedDotProductSimilarity({ pairwise: true }).apply(ctx, q, v) : matmul(q, transpose(v, [1, 0]));
  const { indices } = new TopKRecommendationSelector({ k }).apply(ctx, add(scores, excluded));
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { indices } }), { threads });
  const out = new Int32Array(queries.rows * k);
  try {
    for (let start = 0; start < queries.rows; start += chunk) {
      const n = Math.min(chunk, queries.rows - start);
      const mask = new Float32Array(n * items.rows);
      for (let i = 0; i < n; i++) for (const j of exclude?.[start + i] ?? []) mask[i * items.rows + j] = -Infinity;
      const result = await session.run({
        queries: { data: queries.data.subarray(start * queries.dim, (start + n) * queries.dim), shape: [n, queries.dim] },
        items: { data: items.data, shape: [items.rows, items.dim] },
        excluded: { data: mask, shape: [n, items.rows] },
      });
      (result.indices as BigInt64Array).forEach((index, i) => (out[start * k + i] = Number(index)));
    }
  } finally {
    await session.release();
  }
  return out;
}

/**
 * Mean Recall@k of retrieved lists ([queries * k] item indices, best first) against each query's
 * relevant items (item indices; -1 for an item that cannot be retrieved). Through recallAtK: the
 * retrieved items ranked by position, the missed relevant ones below them at -∞.
 */
export function retrievalRecall(retrieved: Int32Array, k: number, relevant: readonly (readonly number[])[]): number {
  const labels: number[] = [];
  const scores: number[] = [];
  const groups: number[] = [];
  relevant.forEach((items, query) => {
    const wanted = new Set(items);
    const list = retrieved.subarray(query * k, (query + 1) * k);
    list.forEach((item, rank) => {
      labels.push(wanted.has(item) ? 1 : 0);
      scores.push(k - rank);
      groups.push(query);
    });
    const found = new Set(list);
    for (const item of items) {
      if (item >= 0 && found.has(item)) continue;
      labels.push(1);
      scores.push(-Infinity);
      groups.push(query);
    }
  });
  return recallAtK(labels, scores, groups, k);
}

export interface RetrievalEvaluation {
  /** Recall@K per requested K. */
  recall: Record<number, number>;
  users: number;
  items: number;
}

/**
 * Recall@K of a two-tower model: the catalog from `train` (whose (user, item) pairs are also
 * excluded from each user's list), relevant items from `test` (pass only positive rows).
 */
export async function evaluateRetrieval(
  model: RankingModel,
  { train, test, userFeature, itemFeature, ks, threads = 1 }: { train: RowSet; test: RowSet; userFeature: string; itemFeature: string; ks: readonly number[]; threads?: number },
): Promise<RetrievalEvaluation> {
  const catalog = firstRowPerId(train, itemFeature);
  const itemIndex = new Map(Array.from(catalog.ids, (id, i) => [id, i]));
  const users = firstRowPerId(test, userFeature);
  const userIndex = new Map(Array.from(users.ids, (id, i) => [id, i]));
  const listsOf = (set: RowSet): number[][] => {
    const lists = Array.from({ length: users.ids.length }, () => [] as number[]);
    const userIds = featureIds(set, userFeature);
    const itemIds = featureIds(set, itemFeature);
    userIds.forEach((user, i) => lists[userIndex.get(user) ?? -1]?.push(itemIndex.get(itemIds[i]!) ?? -1));
    return lists;
  };
  const seen = listsOf(train).map((items) => items.filter((i) => i >= 0));
  const relevant = listsOf(test);
  const itemVectors = await embedRows(model, 'item_tower', { source: train.source, rows: catalog.rows }, threads);
  const userVectors = await embedRows(model, 'user_tower', { source: test.source, rows: users.rows }, threads);
  const maxK = Math.max(...ks);
  const retrieved = await retrieveTopK(userVectors, itemVectors, { k: maxK, scorer: 'cosine', exclude: seen, threads });
  const recall: Record<number, number> = {};
  for (const k of ks) {
    const cut = new Int32Array(users.ids.length * k);
    for (let u = 0; u < users.ids.length; u++) cut.set(retrieved.subarray(u * maxK, u * maxK + k), u * k);
    recall[k] = retrievalRecall(cut, k, relevant);
  }
  return { recall, users: users.ids.length, items: catalog.ids.length };
}
