/**
 * Two-tower retrieval (Yi et al. 2019; YouTube's and most candidate generators): a user tower and
 * an item tower, each embeddings of its own features through a DeepFeatureTower and a linear
 * projection, scored by cosine similarity:
 *
 *   u = P_u·MLP_u([e_user features]),  v = P_v·MLP_v([e_item features]),  ŷ = cos(u, v)
 *
 * Rows are positive (user, item) pairs. Training uses the in-batch softmax over the batch's
 * items, S_bj = cos(u_b, v_j)/τ − log q_j (log-q correction optional, q_j the item's frequency
 * among the training rows, fitted by `fitState`). The prediction of a row is cos(u, v); the eval
 * graph also outputs the tower vectors `user_tower` and `item_tower`, so all items can be
 * embedded once and retrieved by brute-force top-K (train/retrieval.ts).
 */
import { z } from 'zod';
import type { Sym } from '../engine/graph.js';
import { gather, unsqueeze } from '../engine/ops.js';
import { ConfigError, DataError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { NormalizedDotProductSimilarity } from '../layers/normalized-dot-product-similarity.js';
import { inBatchSoftmaxLoss } from '../losses/in-batch-softmax.js';
import type { FeatureSpec } from '../data/batch.js';
import { defineModel, embeddingOptions, mlp, mlpOptions } from './model-definition.js';
import { featureNames, type FeatureInputs } from './feature-inputs.js';

const LOG_Q = 'two_tower/item_log_q';

const schema = z
  .object({
    ...embeddingOptions,
    ...mlpOptions,
    /** Features the user tower reads; the item tower reads `itemFeatures`. No feature in both. */
    userFeatures: z.array(z.string().min(1)).min(1),
    itemFeatures: z.array(z.string().min(1)).min(1),
    hiddenUnits: z.array(z.number().int().positive()).min(1).default([64]),
    /** Width of the tower vectors u and v (the linear projection after each MLP). */
    outputDim: z.number().int().positive().default(32),
    temperature: z.number().positive().default(0.05),
    /** Without it, popular items (the most sampled negatives) are pushed down: on MovieLens below popularity. */
    logQCorrection: z.boolean().default(true),
    /** The item id feature whose frequencies are q; default: the first categorical item feature. */
    itemIdFeature: z.string().min(1).optional(),
  })
  .strict();

type TwoTowerConfig = z.output<typeof schema>;

/** Every named feature exists and belongs to one tower only; errors name the config field. */
function checkFeatures(names: readonly string[], config: TwoTowerConfig): void {
  for (const list of ['userFeatures', 'itemFeatures'] as const) {
    config[list].forEach((name, i) => {
      if (!names.includes(name)) {
        throw new ConfigError(`model.${list}[${i}]: '${name}' is not a feature of the data; one of: ${names.join(', ')}`, { field: `model.${list}[${i}]` });
      }
    });
  }
  const shared = config.userFeatures.filter((name) => config.itemFeatures.includes(name));
  if (shared.length > 0) throw new ConfigError(`model.itemFeatures: ${shared.map((s) => `'${s}'`).join(', ')} also in userFeatures; each feature feeds one tower`, { field: 'model.itemFeatures' });
}

/** The categorical item feature that identifies the item (the one q is counted over). */
function itemIdFeature(spec: FeatureSpec, config: TwoTowerConfig): { name: string; cardinality: number } {
  const candidates = spec.categorical.filter((f) => config.itemFeatures.includes(f.name));
  const found = config.itemIdFeature === undefined ? candidates[0] : candidates.find((f) => f.name === config.itemIdFeature);
  if (!found) {
    const field = config.itemIdFeature === undefined ? 'model.itemFeatures' : 'model.itemIdFeature';
    throw new ConfigError(`${field}: log-q correction needs a categorical item id feature among itemFeatures (${candidates.map((f) => f.name).join(', ') || 'none'})`, { field });
  }
  return found;
}

function tower(inputs: FeatureInputs, config: TwoTowerConfig, name: 'user_tower' | 'item_tower'): Sym {
  const hidden = mlp(config, name).apply(inputs.ctx, inputs.flat(config.embeddingDim));
  return new Dense({ name: `${name}/projection`, units: config.outputDim }).apply(inputs.ctx, hidden);
}

export const twoTower = defineModel({
  type: 'two-tower',
  description: 'User and item towers scored by cosine similarity, trained by in-batch softmax (optional log-q correction)',
  schema,
  build: (inputs, config) => {
    checkFeatures(featureNames(inputs.spec), config);
    if (config.logQCorrection) itemIdFeature(inputs.spec, config);
    const user = tower(inputs.select(config.userFeatures), config, 'user_tower');
    const item = tower(inputs.select(config.itemFeatures), config, 'item_tower');
    const logit = new NormalizedDotProductSimilarity({ name: 'similarity' }).apply(inputs.ctx, user, item);
    return { logit, outputs: { user_tower: user, item_tower: item } };
  },
  trainingLoss: (inputs, config, { user_tower: user, item_tower: item }) => {
    const ctx = inputs.ctx;
    const similarities = new NormalizedDotProductSimilarity({ name: 'in_batch_similarity', pairwise: true }).apply(ctx, user!, item!);
    if (!config.logQCorrection) return inBatchSoftmaxLoss(similarities, { temperature: config.temperature });
    const id = itemIdFeature(inputs.spec, config);
    if (!ctx.params.state.has(LOG_Q)) throw new ConfigError("model.logQCorrection: the item frequencies are not fitted; call model.fitState(train) before training (trainFromConfig does)", { field: 'model.logQCorrection' });
    const logQ = unsqueeze(gather(ctx.state(LOG_Q, [id.cardinality], { kind: 'zeros' }), ctx.ids(id.name)), [1]);
    return inBatchSoftmaxLoss(similarities, { temperature: config.temperature, logQ });
  },
  fitState: (params, spec, config, train) => {
    if (!config.logQCorrection) return;
    checkFeatures(featureNames(spec), config);
    const id = itemIdFeature(spec, config);
    const counts = new Float64Array(id.cardinality);
    for (const batch of train.source.batches(train.rows, 8192)) {
      const ids = batch.categorical.get(id.name);
      if (!ids) throw new DataError(`two-tower log-q correction: the training data has no feature '${id.name}'`, { field: id.name });
      for (let i = 0; i < batch.size; i++) counts[ids[i]!]!++;
    }
    const total = train.rows.length;
    // An item absent from training is never in a batch, so its value is never read; 1/total keeps it finite.
    const logQ = params.stateTensor(LOG_Q, [id.cardinality], { kind: 'zeros' });
    counts.forEach((count, j) => (logQ.data[j] = Math.log(Math.max(count, 1) / total)));
  },
});
