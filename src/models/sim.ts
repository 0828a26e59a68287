/**
 * Search-based Interest Model (Pi et al. 2020) over a long behaviour sequence e_1..e_L:
 *   general search unit:  S = top-K_i r(e_i, c) over the behaviours older than the R most recent
 *                         (soft: r = <e_i, e_c>; hard: cat_i = cat_c, the most recent first),
 *   exact search unit:    v_long = Σ_{i∈S} a(e_i + t_i, e_c) (e_i + t_i),
 *   short-term interest:  v_short = the same over the R most recent behaviours (its own unit),
 *   ŷ = w·MLP([e_other…; e_c; v_short; v_long]) + b,
 * with a DIN's local activation unit and t_i the embedding of behaviour i's age in log2 buckets
 * (AgeBucketEmbedding; the paper's time-interval embedding), since the search drops the order
 * of the history. As in the paper the long-term search complements the short-term sequence
 * rather than replacing it (R = 0: long-term only). Attention costs O(R + K) per candidate
 * whatever L is; the search is one pass over the L behaviours. Hard search reads `categories`,
 * a sequence parallel to the history whose `vocabularyOf` feature is the candidate's category;
 * both are search keys only, not MLP inputs. Outputs: 'attention' (batch, K), the weights of the
 * searched behaviours, best first; 'recent_attention' (batch, R); 'retrieved' (batch, R + K), the
 * positions in the history (0 = oldest kept) of the recent then the searched behaviours.
 */
import { z } from 'zod';
import { add, cast, slice } from '../engine/ops.js';
import { ConfigError } from '../errors.js';
import { AgeBucketEmbedding } from '../layers/age-bucket-embedding.js';
import { GeneralSearchUnit, SEARCH_MODES } from '../layers/general-search-unit.js';
import { attendAndScore, dinOptions, historyFeature, type AttendedBehaviours } from './din.js';
import { featureNames } from './feature-inputs.js';
import { defineModel } from './model-definition.js';

export const sim = defineModel({
  type: 'sim',
  description: 'Search-based Interest Model: soft (inner product) or hard (same category) top-K search of a long history, then DIN attention over the K found',
  schema: z
    .object({
      ...dinOptions,
      search: z.enum(SEARCH_MODES).default('soft'),
      topK: z.number().int().positive().default(50),
      /** The most recent behaviours, attended apart as the short-term interest (0: none); the search skips them. */
      recent: z.number().int().min(0).default(0),
      /** Log2 age buckets embedded and added to each retrieved behaviour (0: none). */
      ageBuckets: z.number().int().min(0).default(8),
      /** Hard search: the sequence of the behaviours' categories, parallel to `history`. */
      categories: z.string().min(1).optional(),
    })
    .strict(),
  build: (inputs, config) => {
    const ctx = inputs.ctx;
    const dim = config.embeddingDim;
    const keys = config.categories === undefined ? [] : [config.categories];
    const category = keys.length === 0 ? undefined : (inputs.spec.sequence ?? []).find((s) => s.name === config.categories);
    if (keys.length > 0 && !category) {
      throw new ConfigError(`model.categories: '${config.categories}' is not a sequence feature`, { field: 'model.categories' });
    }
    if (config.search === 'hard' && !category) {
      throw new ConfigError('model.categories: hard search needs the sequence of the behaviours\' categories (its vocabularyOf is the candidate\'s category)', { field: 'model.categories' });
    }
    const history = historyFeature(inputs.select(featureNames(inputs.spec).filter((n) => !keys.includes(n))), config.history);
    const sequence = inputs.sequence(history, dim, 'emb', 'history');
    if (category && category.maxLength !== sequence.maxLength) {
      throw new ConfigError(`model.categories: '${category.name}' has maxLength ${category.maxLength}, the history '${history}' ${sequence.maxLength}; they must be parallel`, { field: 'model.categories' });
    }
    if (config.recent + config.topK > sequence.maxLength) {
      throw new ConfigError(`model.topK: ${config.recent} recent + ${config.topK} searched exceed the history's maxLength ${sequence.maxLength}`, { field: 'model.topK' });
    }
    const candidate = inputs.field(sequence.vocabularyOf, dim, 'emb', 'history');
    const found = new GeneralSearchUnit({ name: 'search', topK: config.recent + config.topK, search: config.search, recent: config.recent }).apply(ctx, {
      rows: sequence.rows,
      mask: sequence.mask,
      candidate,
      ...(category && config.search === 'hard'
        ? { categories: ctx.paddedIds(category.name, category.maxLength), candidateCategory: ctx.ids(category.vocabularyOf) }
        : {}),
    });
    const rows = config.ageBuckets === 0 ? found.rows : add(found.rows, new AgeBucketEmbedding({ name: 'age', buckets: config.ageBuckets, dim }).apply(ctx, found.ages));
    // The search ranks the recent ones first: positions [0, recent) are the short-term sequence.
    const part = (name: string, start: number, end: number, label: string): AttendedBehaviours => ({
      name,
      rows: slice(rows, 1, start, end),
      mask: slice(found.mask, 1, start, end),
      columns: Array.from({ length: end - start }, (_, i) => `${history}@${label}${i}`),
    });
    const searched = part('attention', config.recent, config.recent + config.topK, '');
    const behaviours = config.recent === 0 ? [searched] : [part('recent_attention', 0, config.recent, 'recent'), searched];
    const scored = attendAndScore(inputs, config, candidate, behaviours, [history, sequence.vocabularyOf, ...keys, ...(category ? [category.vocabularyOf] : [])]);
    const all = behaviours.flatMap((b) => b.columns);
    return {
      logit: scored.logit,
      outputs: { ...scored.outputs, retrieved: cast(found.positions, ctx.graph.floatType) },
      columns: { ...scored.columns, retrieved: all },
    };
  },
});
