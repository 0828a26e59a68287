/**
 * DIN's local activation unit (Zhou et al. 2018): for a candidate e_c and behaviours e_1..e_L,
 *   a_i = MLP([e_i; e_c; e_i ⊙ e_c; e_i − e_c]) · m_i,   v = Σ_i a_i e_i,
 * with m the padding mask. No softmax: the weights do not sum to 1, so a history with nothing
 * relevant to the candidate yields a small v instead of an average of irrelevant behaviours.
 * A padded position gets weight exactly 0 and contributes nothing to v nor to any gradient.
 */
import type { Sym } from '../engine/graph.js';
import { concat, expandLike, mul, reduceSum, squeeze, sub, unsqueeze } from '../engine/ops.js';
import type { BuildContext } from './build-context.js';
import { Dense } from './dense.js';
import { check, Layer, type LayerConfig } from './layer.js';
import { PARAMETRIC_ACTIVATIONS, ParametricActivationTower, type ParametricActivation } from './parametric-activation-tower.js';

export interface LocalActivationUnitConfig extends LayerConfig {
  /** Hidden widths of the unit's MLP (default [36], the paper's). */
  hiddenUnits?: number[];
  activation?: ParametricActivation;
}

export class LocalActivationUnit extends Layer<LocalActivationUnitConfig> {
  readonly className = 'LocalActivationUnit';
  private readonly tower: ParametricActivationTower;
  private readonly score = new Dense({ units: 1 });

  constructor(config: LocalActivationUnitConfig = {}) {
    super(config);
    check.oneOf('LocalActivationUnit', 'activation', config.activation ?? 'dice', PARAMETRIC_ACTIVATIONS);
    this.tower = new ParametricActivationTower({ hiddenUnits: config.hiddenUnits ?? [36], activation: config.activation ?? 'dice' });
  }

  static fromConfig(config: LocalActivationUnitConfig): LocalActivationUnit {
    return new LocalActivationUnit(config);
  }

  /**
   * keys (batch, L, d) behaviours, query (batch, d) candidate, mask (batch, L): the pooled
   * interest `output` (batch, d) and the per-behaviour `weights` (batch, L).
   */
  apply(ctx: BuildContext, keys: Sym, query: Sym, mask: Sym): { output: Sym; weights: Sym } {
    this.scope(ctx);
    const q = expandLike(unsqueeze(query, [1]), keys);
    const m = unsqueeze(mask, [2]);
    const features = concat([keys, q, mul(keys, q), sub(keys, q)], 2);
    const weighted = mul(this.score.apply(ctx, this.tower.apply(ctx, features, m)), m);
    return { output: reduceSum(mul(keys, weighted), [1]), weights: squeeze(weighted, [2]) };
  }
}
