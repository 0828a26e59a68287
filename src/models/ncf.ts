/**
 * The building blocks of Neural Collaborative Filtering (He et al. 2017) shared by GMF, the NCF
 * MLP and NeuMF: which categorical features are the user and the item, and the two interaction
 * paths. Each path has its own tables and its own projection, named the same in the standalone
 * model and in NeuMF, so a trained GMF or MLP initialises NeuMF's path by name.
 */
import { z } from 'zod';
import type { Sym } from '../engine/graph.js';
import { concat, mul } from '../engine/ops.js';
import { mlp, type MlpConfig } from './model-definition.js';
import type { FeatureInputs } from './feature-inputs.js';

export const userItemOptions = {
  /** The categorical feature holding the user id. */
  user: z.string().min(1).default('user_id'),
  /** The categorical feature holding the item id. */
  item: z.string().min(1).default('item_id'),
};

export interface UserItem {
  user: string;
  item: string;
}

/** Names of each path's projection to the logit. */
export const GMF_LOGIT = 'gmf_logit';
export const MLP_LOGIT = 'mlp_logit';

function userItemEmbeddings(inputs: FeatureInputs, { user, item }: UserItem, dim: number, prefix: string): [Sym, Sym] {
  return [inputs.field(user, dim, prefix, 'user'), inputs.field(item, dim, prefix, 'item')];
}

/** GMF's interaction φ_G = p_u ⊙ q_i, tables `gmf_emb/<user>`, `gmf_emb/<item>`. */
export function gmfPath(inputs: FeatureInputs, userItem: UserItem, dim: number): Sym {
  const [p, q] = userItemEmbeddings(inputs, userItem, dim, 'gmf_emb');
  return mul(p, q);
}

/** The MLP's interaction φ_M = MLP([p_u; q_i]), tables `mlp_emb/<user>`, `mlp_emb/<item>`. */
export function mlpPath(inputs: FeatureInputs, userItem: UserItem, dim: number, config: MlpConfig): Sym {
  const [p, q] = userItemEmbeddings(inputs, userItem, dim, 'mlp_emb');
  return mlp(config).apply(inputs.ctx, concat([p, q], 1));
}
