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
import { add, concat, matmul, mul, sigmoid, split, sub, tanh, unsqueeze } from '../engine/ops.js';
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
    // Everything that does not depend on the state is computed for all steps at once, and each
    // step stays (batch, 1, ·): the unrolled graph has as few nodes per step as the recurrence needs.
    // Columns of the kernels are [update | reset | candidate]; (a_t i_t) W = a_t (i_t W).
    const product = matmul(x, kernel);
    const projected = add(this.variant === 'aigru' ? mul(product, unsqueeze(attention!, [2])) : product, bias);
    // Each step's pieces come from one Split: its gradient is one Concat, not a full-size Pad per step.
    const [gateParts, candidateParts] = split(projected, 2, [2 * h, h]);
    const gateInputs = split(gateParts!, 1);
    const candidateInputs = split(candidateParts!, 1);
    const [gateRecurrent, candidateRecurrent] = split(recurrent, 1, [2 * h, h]);
    const scale = split(unsqueeze(this.variant === 'augru' || this.variant === 'agru' ? mul(mask, attention!) : mask, [2]), 1);
    const states: Sym[] = [];
    let state: Sym | undefined;
    for (let t = 0; t < length; t++) {
      // h_0 = 0: the first step has no recurrent term.
      const [update, reset] = split(sigmoid(state ? add(gateInputs[t]!, matmul(state, gateRecurrent!)) : gateInputs[t]!), 2, [h, h]);
      const candidate = tanh(state ? add(candidateInputs[t]!, mul(reset!, matmul(state, candidateRecurrent!))) : candidateInputs[t]!);
      const gate = this.variant === 'agru' ? scale[t]! : mul(update!, scale[t]!);
      state = state ? add(state, mul(gate, sub(candidate, state))) : mul(gate, candidate);
      states.push(state);
    }
    return concat(states, 1);
  }
}
