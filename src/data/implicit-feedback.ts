/**
 * The NCF evaluation protocol (He et al. 2017) on implicit feedback. Every rating is an
 * interaction; each user's latest interaction (ties: the later line of the file) is held out as
 * the test item and ranked among `candidates` (99) items the user never interacted with, sampled
 * with the seed. Training is every other interaction (label 1) plus `negatives` (4) items per
 * positive that the user has no training interaction with (label 0), drawn afresh each epoch
 * (negative-sampled-source.ts), as the paper does.
 *
 * Ids are the file's own (MovieLens: users 1..943, items 1..1682; id 0 is never used), features
 * `user_id` and `item_id`, task `click`.
 */
import { readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { ndcgAtK } from '../metrics/ndcg.js';
import { recallAtK } from '../metrics/recall.js';
import { Random } from '../util/random.js';
import type { FeatureSpec } from './batch.js';
import { EncodedDataset } from './encoded-dataset.js';
import { NegativeSampledSource } from './negative-sampled-source.js';

export interface Interactions {
  users: Int32Array;
  items: Int32Array;
  timestamps: Float64Array;
}

/** Interactions with their explicit ratings (the click-with-history protocol thresholds them). */
export interface RatedInteractions extends Interactions {
  ratings: Float64Array;
}

export const USER_FEATURE = 'user_id';
export const ITEM_FEATURE = 'item_id';
export const CLICK_TASK = 'click';

/** MovieLens `u.data`: `user<TAB>item<TAB>rating<TAB>timestamp` per line. */
export async function readInteractions(file: string): Promise<RatedInteractions> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DataError(`cannot read the interactions: ${(error as Error).message}`, { file });
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const users = new Int32Array(lines.length);
  const items = new Int32Array(lines.length);
  const timestamps = new Float64Array(lines.length);
  const ratings = new Float64Array(lines.length);
  const fields = ['user', 'item', 'rating', 'timestamp'];
  lines.forEach((line, i) => {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 4) throw new DataError(`expected user, item, rating and timestamp, found ${parts.length} fields`, { file, row: i + 1 });
    const [user, item, rating, time] = parts.map((p, f) => {
      const value = Number(p);
      if (!Number.isInteger(value) || value < (f < 2 ? 1 : 0)) throw new DataError(`expected ${f < 2 ? 'a positive' : 'a non-negative'} integer, got '${p}'`, { file, row: i + 1, field: fields[f]! });
      return value;
    });
    users[i] = user!;
    items[i] = item!;
    timestamps[i] = time!;
    ratings[i] = rating!;
  });
  return { users, items, timestamps, ratings };
}

export interface LeaveOneOutOptions {
  seed: number;
  /** Unseen items ranked with each held-out item (the paper: 99). */
  candidates?: number;
  /** Sampled negatives per training positive (the paper: 4). */
  negatives?: number;
}

export interface RankingResult {
  hitRate: number;
  ndcg: number;
}

export class LeaveOneOut {
  readonly spec: FeatureSpec;
  /** Training rows: positives and their negatives, the negatives redrawn each epoch. */
  readonly train: NegativeSampledSource;
  /** Per user with a held-out item, `candidates` sampled items then the held-out one (label 1). */
  readonly candidates: EncodedDataset;
  readonly users: number;
  readonly candidatesPerUser: number;
  private readonly trainItems: Int32Array;

  constructor(interactions: Interactions, { seed, candidates = 99, negatives = 4 }: LeaveOneOutOptions) {
    const { users, items, timestamps } = interactions;
    const userRows = users.reduce((m, u) => Math.max(m, u), 0) + 1;
    const itemRows = items.reduce((m, i) => Math.max(m, i), 0) + 1;
    this.spec = {
      categorical: [
        { name: USER_FEATURE, cardinality: userRows },
        { name: ITEM_FEATURE, cardinality: itemRows },
      ],
      multiValue: [],
      numeric: [],
      tasks: [{ name: CLICK_TASK, kind: 'binary' }],
    };

    // The held-out interaction per user: latest timestamp, then the later line. 415 of ML-100K's
    // 943 users rated several items in their last second; the larger item id would pick the
    // obscure ones (MovieLens numbers items roughly by popularity), file order does not.
    const heldOut = new Int32Array(userRows).fill(-1);
    for (let i = 0; i < users.length; i++) {
      const h = heldOut[users[i]!]!;
      if (h < 0 || timestamps[i]! >= timestamps[h]!) heldOut[users[i]!] = i;
    }
    const interacted = new Uint8Array(userRows * itemRows);
    for (let i = 0; i < users.length; i++) interacted[users[i]! * itemRows + items[i]!] = 1;
    const catalog = Int32Array.from(new Set(items)).sort();

    const trainRows = [];
    for (let i = 0; i < users.length; i++) if (heldOut[users[i]!] !== i) trainRows.push(i);
    const trainUsers = Int32Array.from(trainRows, (i) => users[i]!);
    this.trainItems = Int32Array.from(trainRows, (i) => items[i]!);
    this.train = new NegativeSampledSource({ spec: this.spec, users: trainUsers, items: this.trainItems, catalog, negatives, seed });

    const evaluated = [...heldOut.keys()].filter((u) => heldOut[u]! >= 0);
    const unseen = catalog.length - Math.max(0, ...evaluated.map((u) => catalog.filter((it) => interacted[u * itemRows + it]).length));
    if (unseen < candidates) throw new DataError(`a user has interacted with all but ${unseen} of ${catalog.length} items; ${candidates} unseen candidates cannot be sampled`);
    const per = candidates + 1;
    const candidateUsers = new Int32Array(evaluated.length * per);
    const candidateItems = new Int32Array(evaluated.length * per);
    const labels = new Float32Array(evaluated.length * per);
    const rng = new Random(seed);
    const drawn = new Set<number>();
    evaluated.forEach((u, e) => {
      drawn.clear();
      while (drawn.size < candidates) {
        const item = catalog[rng.int(catalog.length)]!;
        if (!interacted[u * itemRows + item]) drawn.add(item);
      }
      // The held-out item last: equal scores keep row order, so a tie ranks it below the sampled ones.
      [...drawn, items[heldOut[u]!]!].forEach((item, k) => {
        candidateUsers[e * per + k] = u;
        candidateItems[e * per + k] = item;
      });
      labels[e * per + candidates] = 1;
    });
    this.users = evaluated.length;
    this.candidatesPerUser = per;
    this.candidates = new EncodedDataset({
      spec: this.spec,
      numRows: candidateUsers.length,
      categorical: new Map([
        [USER_FEATURE, candidateUsers],
        [ITEM_FEATURE, candidateItems],
      ]),
      multiValue: new Map(),
      dense: new Float32Array(0),
      labels: new Map([[CLICK_TASK, labels]]),
    });
  }

  /**
   * HR@k (the held-out item is among the top k of its user's candidates) and NDCG@k
   * (1/log2(rank + 1) when it is), averaged over users, for `scores` of the candidate rows.
   * A held-out item tied with sampled ones ranks below them.
   */
  rankingMetrics(scores: ArrayLike<number>, k = 10): RankingResult {
    const labels = this.candidates.labels(CLICK_TASK);
    const users = this.candidates.column(USER_FEATURE);
    // With one relevant row per user, recall@k is the hit ratio.
    return { hitRate: recallAtK(labels, scores, users, k), ndcg: ndcgAtK(labels, scores, users, k) };
  }

  /** Baseline scores of the candidate rows: how many training interactions each item has. */
  popularityScores(): Float32Array {
    const counts = new Float32Array(this.spec.categorical[1]!.cardinality);
    for (const item of this.trainItems) counts[item]++;
    return Float32Array.from(this.candidates.column(ITEM_FEATURE), (item) => counts[item]!);
  }
}
