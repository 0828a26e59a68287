/**
 * Gated recurrent unit over a padded sequence, unrolled over its static length (Cho et al. 2014,
 * in the form DIEN writes it):
 *   u_t = σ(W_u i_t + U_u h_{t−1} + b_u),   r_t = σ(W_r i_t + U_r h_{t−1} + b_r),
 *   h̃_t = tanh(W_h i_t + r_t ∘ U_h h_{t−1} + b_h),   h_t = (1 − u'_t) ∘ h_{t−1} + u'_t ∘ h̃_t,
 * with h_0 = 0 and u'_t = m_t · u_t for the padding mask m: a padded step leaves the state as it
 * was, so the last state is the state after the last real behaviour wherever the padding sits.
 * DIEN's interest-evolution variants take attention scores a_t (Zhou et al. 2019, §4.3):
 *   augru: u'_t = m_t · a_t · u_t  (attention scales the update gate);
 *   aigru: i_t is replaced by a_t · i_t  (attention scales the input);
 *   agru:  u'_t = m_t · a_t  (attention replaces the update gate).
 * For example, with one unit and every weight and bias 0 except W_h = 1, both gates are 1/2 and
 * h_t = (h_{t−1} + tanh(i_t)) / 2: inputs [1, 5, 2] with mask [1, 0, 1] give
 * h = [tanh(1)/2, tanh(1)/2, tanh(1)/4 + tanh(2)/2] = [0.3808, 0.3808, 0.6724].
 */
import type { Sym } from '../engine/graph.js';
import { add, concat, matmul, mul, sigmoid, slice, squeeze, sub, tanh, unsqueeze, zerosLike } from '../engine/ops.js';
import { ConfigError } from '../errors.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export const GRU_VARIANTS = ['gru', 'augru', 'aigru', 'agru'] as const;
export type GruVariant = (typeof GRU_VARIANTS)[number];

export interface GRUConfig extends LayerConfig {
  units: number;
  /** 'gru' (default) ignores attention; the others need scores a_t (see the file comment). */
  variant?: GruVariant;
}

export class GRU extends Layer<GRUConfig> {
  readonly className = 'GRU';

  constructor(config: GRUConfig) {
    super(config);
    check.positiveInt('GRU', 'units', config.units);
    check.oneOf('GRU', 'variant', config.variant ?? 'gru', GRU_VARIANTS);
  }

  static fromConfig(config: GRUConfig): GRU {
    return new GRU(config);
  }

  get variant(): GruVariant {
    return this.config.variant ?? 'gru';
  }

  /**
   * x (batch, L, d) inputs, mask (batch, L), attention (batch, L) for the attentional variants:
   * every hidden state, (batch, L, units).
   */
  apply(ctx: BuildContext, x: Sym, mask: Sym, attention?: Sym): Sym {
    const name = this.scope(ctx);
    if ((attention === undefined) !== (this.variant === 'gru')) {
      throw new ConfigError(`GRU: variant '${this.variant}' ${this.variant === 'gru' ? 'takes no' : 'needs'} attention scores`, { field: 'variant' });
    }
    const h = this.config.units;
    const length = x.shape[1] as number;
    const inputDim = x.shape[2] as number;
    const kernel = ctx.weight(`${name}/kernel`, [inputDim, 3 * h], { kind: 'glorotUniform' });
    const recurrent = ctx.weight(`${name}/recurrent_kernel`, [h, 3 * h], { kind: 'glorotUniform' });
    const bias = ctx.weight(`${name}/bias`, [3 * h], { kind: 'zeros' }, 0);
    // The input projections of all steps in one product; columns are [update | reset | candidate].
    const projected = matmul(x, kernel);
    const states: Sym[] = [];
    let state = zerosLike(slice(step(projected, 0), 1, 0, h));
    for (let t = 0; t < length; t++) {
      const m = slice(mask, 1, t, t + 1);
      const a = attention && slice(attention, 1, t, t + 1);
      let input = step(projected, t);
      if (this.variant === 'aigru') input = mul(input, a!);
      input = add(input, bias);
      const hidden = matmul(state, recurrent);
      const gates = sigmoid(add(slice(input, 1, 0, 2 * h), slice(hidden, 1, 0, 2 * h)));
      const candidate = tanh(add(slice(input, 1, 2 * h, 3 * h), mul(slice(gates, 1, h, 2 * h), slice(hidden, 1, 2 * h, 3 * h))));
      const update = this.variant === 'agru' ? mul(a!, m) : mul(this.variant === 'augru' ? mul(slice(gates, 1, 0, h), a!) : slice(gates, 1, 0, h), m);
      state = add(state, mul(update, sub(candidate, state)));
      states.push(unsqueeze(state, [1]));
    }
    return concat(states, 1);
  }
}

/** Step t of a (batch, L, n) sequence: (batch, n). */
function step(x: Sym, t: number): Sym {
  return squeeze(slice(x, 1, t, t + 1), [1]);
}
