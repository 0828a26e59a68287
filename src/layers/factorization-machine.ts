/**
 * Second-order factorization-machine term over field embeddings v_1..v_F (input (batch, F, k)):
 * Σ_{i<j} <v_i, v_j> = ½ Σ_k [(Σ_i v_ik)² − Σ_i v_ik²], computed in O(F k) rather than O(F² k).
 * With `output: 'vector'` it returns the per-dimension sum (NFM's Bi-Interaction pooling),
 * (batch, k); with 'scalar' (default) the summed term, (batch, 1).
 */
import type { Sym } from '../engine/graph.js';
import { reduceSum, scale, square, sub } from '../engine/ops.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface FactorizationMachineConfig extends LayerConfig {
  output?: 'scalar' | 'vector';
}

export class FactorizationMachine extends Layer<FactorizationMachineConfig> {
  readonly className = 'FactorizationMachine';

  constructor(config: FactorizationMachineConfig = {}) {
    super(config);
    check.oneOf('FactorizationMachine', 'output', config.output ?? 'scalar', ['scalar', 'vector'] as const);
  }

  static fromConfig(config: FactorizationMachineConfig): FactorizationMachine {
    return new FactorizationMachine(config);
  }

  apply(ctx: BuildContext, fields: Sym): Sym {
    this.scope(ctx);
    const squareOfSum = square(reduceSum(fields, [1]));
    const sumOfSquares = reduceSum(square(fields), [1]);
    const pairwise = scale(sub(squareOfSum, sumOfSquares), 0.5);
    return (this.config.output ?? 'scalar') === 'vector' ? pairwise : reduceSum(pairwise, [1], true);
  }
}
