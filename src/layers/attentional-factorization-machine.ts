/**
 * AFM pooling (Xiao et al. 2017) over field embeddings v_1..v_F (input (batch, F, k)): every pair's
 * element-wise product v_i ⊙ v_j is scored by an attention network
 *   a'_ij = hᵀ ReLU(W (v_i ⊙ v_j) + b),  a_ij = softmax over all pairs of a'_ij,
 * and the output is Σ_{i<j} a_ij (v_i ⊙ v_j), (batch, k). `attention` returns the weights a_ij as
 * (batch, F(F-1)/2) in pair order (0,1), (0,2), …, (1,2), … — what an explanation shows.
 */
import type { Dim, Sym } from '../engine/graph.js';
import { add, matmul, mul, reduceSum, relu, reshape, softmax, transpose, unsqueeze } from '../engine/ops.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface AttentionalFactorizationMachineConfig extends LayerConfig {
  attentionUnits?: number;
}

/** Field pairs (i, j), i < j, in the order AFM and its attention weights use. */
export function fieldPairs(fields: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < fields; i++) for (let j = i + 1; j < fields; j++) pairs.push([i, j]);
  return pairs;
}

export class AttentionalFactorizationMachine extends Layer<AttentionalFactorizationMachineConfig> {
  readonly className = 'AttentionalFactorizationMachine';

  constructor(config: AttentionalFactorizationMachineConfig = {}) {
    super(config);
    check.positiveInt('AttentionalFactorizationMachine', 'attentionUnits', config.attentionUnits ?? 16);
  }

  static fromConfig(config: AttentionalFactorizationMachineConfig): AttentionalFactorizationMachine {
    return new AttentionalFactorizationMachine(config);
  }

  apply(ctx: BuildContext, fields: Sym): { output: Sym; attention: Sym } {
    const name = this.scope(ctx);
    const [batch, count, dim] = fields.shape as [Dim, number, number];
    const pairs = fieldPairs(count);
    // Both sides of every pair as constant 0/1 selections: (batch, k, F) x (F, P) -> (batch, k, P).
    const select = (side: 0 | 1) => {
      const m = new Float64Array(count * pairs.length);
      pairs.forEach((pair, p) => (m[pair[side] * pairs.length + p] = 1));
      return ctx.graph.constant(m, [count, pairs.length]);
    };
    const byDim = transpose(fields, [0, 2, 1]);
    const products = mul(matmul(byDim, select(0)), matmul(byDim, select(1)));
    const units = this.config.attentionUnits ?? 16;
    const w = ctx.weight(`${name}/attention_kernel`, [dim, units], { kind: 'glorotUniform' });
    const b = ctx.weight(`${name}/attention_bias`, [units], { kind: 'zeros' }, 0);
    const h = ctx.weight(`${name}/projection`, [units, 1], { kind: 'glorotUniform' });
    const hidden = relu(add(matmul(transpose(products, [0, 2, 1]), w), b));
    const attention = softmax(reshape(matmul(hidden, h), [batch, pairs.length]), -1);
    return { output: reduceSum(mul(products, unsqueeze(attention, [1])), [2]), attention };
  }
}
