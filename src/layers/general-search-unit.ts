/**
 * SIM's general search unit (Pi et al. 2020): from a long behaviour sequence e_1..e_L keep the K
 * behaviours most relevant to the candidate, so the exact search unit's cost grows with K, not L.
 *   soft search: r_i = <e_i, e_c>                         (top-K by inner product),
 *   hard search: r_i = i  if cat_i = cat_c, else not eligible  (the K most recent of the category),
 * padding is never eligible, and the `recent` most recent behaviours are always kept (they rank
 * first; the paper pairs the long-term search with the short-term sequence). The selection is TopK over r (ties: the lower, i.e. older, position)
 * and a per-row gather of the K rows and of their eligibility, which is the mask of the result:
 * with fewer than K eligible behaviours the rest are selected masked (weight 0 downstream).
 *
 * No gradient flows through the choice of positions: it is piecewise constant in the embeddings
 * (its gradient is 0 almost everywhere), so soft search needs no explicit stop-gradient; the
 * selected rows themselves are differentiable and train the shared table through the exact
 * search unit. (The paper trains soft search's embeddings with an auxiliary loss instead; here
 * they are the candidate's own, already trained by the ranking loss.) The search reads every
 * position once, O(L·d) for soft and O(L) for hard search; the gather is O(K·d).
 */
import type { Sym } from '../engine/graph.js';
import { abs, add, cast, gatherAlong, greater, max, mul, reduceSum, scale, sub, topK, unsqueeze } from '../engine/ops.js';
import { ConfigError } from '../errors.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export const SEARCH_MODES = ['soft', 'hard'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export interface GeneralSearchUnitConfig extends LayerConfig {
  /** Behaviours kept (default 50). */
  topK?: number;
  search?: SearchMode;
  /** The most recent real behaviours always kept, whatever the search says (default 0, at most topK). */
  recent?: number;
}

export interface SearchInputs {
  /** Behaviours (batch, L, d) and their padding mask (batch, L). */
  rows: Sym;
  mask: Sym;
  /** The candidate's embedding (batch, d): the soft search's query. */
  candidate: Sym;
  /** Hard search: int64 category ids of the behaviours (batch, L) and of the candidate (batch). */
  categories?: Sym;
  candidateCategory?: Sym;
}

export interface SearchResult {
  /** The K selected behaviours (batch, K, d), best first, and their mask (batch, K). */
  rows: Sym;
  mask: Sym;
  /** Their int64 positions in the sequence (batch, K). */
  positions: Sym;
  /** Their ages (batch, K): how many real behaviours came after each (0 = the most recent). */
  ages: Sym;
}

/** Below any inner product of finite embeddings and any position: never picked over an eligible one. */
const INELIGIBLE = -1e30;
/** Above any inner product of finite embeddings and any position: the recent ones come first. */
const RECENT = 1e20;

export class GeneralSearchUnit extends Layer<GeneralSearchUnitConfig> {
  readonly className = 'GeneralSearchUnit';

  constructor(config: GeneralSearchUnitConfig = {}) {
    super(config);
    check.positiveInt('GeneralSearchUnit', 'topK', config.topK ?? 50);
    check.oneOf('GeneralSearchUnit', 'search', config.search ?? 'soft', SEARCH_MODES);
    const recent = config.recent ?? 0;
    if (recent !== 0) check.positiveInt('GeneralSearchUnit', 'recent', recent);
    if (recent > this.topK) throw new ConfigError(`GeneralSearchUnit: 'recent' ${recent} exceeds 'topK' ${this.topK}`, { field: 'recent' });
  }

  static fromConfig(config: GeneralSearchUnitConfig): GeneralSearchUnit {
    return new GeneralSearchUnit(config);
  }

  get topK(): number {
    return this.config.topK ?? 50;
  }

  apply(ctx: BuildContext, inputs: SearchInputs): SearchResult {
    this.scope(ctx);
    const { rows, mask, candidate } = inputs;
    const length = rows.shape[1];
    if (typeof length === 'number' && this.topK > length) {
      throw new ConfigError(`GeneralSearchUnit: 'topK' ${this.topK} exceeds the history's ${length} positions`, { field: 'topK' });
    }
    const graph = ctx.graph;
    const positions = graph.constant(Array.from({ length: length as number }, (_, i) => i), [1, length as number]);
    const ages = sub(sub(reduceSum(mask, [1], true), graph.scalar(1)), positions);
    // 0/1: among the `recent` most recent real behaviours.
    const recent = mul(mask, cast(greater(graph.scalar(this.config.recent ?? 0), ages), graph.floatType));
    let eligible = mask;
    let relevance: Sym;
    if ((this.config.search ?? 'soft') === 'soft') {
      relevance = reduceSum(mul(rows, unsqueeze(candidate, [1])), [2]);
    } else {
      const { categories, candidateCategory } = inputs;
      if (!categories || !candidateCategory) throw new ConfigError('GeneralSearchUnit: hard search needs the behaviours\' categories and the candidate\'s', { field: 'search' });
      // Ids are compared as floats: exact below 2^24 categories.
      const distance = abs(sub(cast(categories, graph.floatType), unsqueeze(cast(candidateCategory, graph.floatType), [1])));
      eligible = max(recent, mul(mask, cast(greater(graph.scalar(0.5), distance), graph.floatType)));
      relevance = positions;
    }
    // eligible is 0/1: relevance where eligible, INELIGIBLE elsewhere (cheaper than Where with a
    // scalar); the recent ones rank above every other eligible behaviour.
    const score = add(add(mul(relevance, eligible), scale(sub(eligible, graph.scalar(1)), -INELIGIBLE)), scale(recent, RECENT));
    const { indices } = topK(score, this.topK);
    return { rows: gatherAlong(rows, indices), mask: gatherAlong(eligible, indices), positions: indices, ages: gatherAlong(ages, indices) };
  }
}
