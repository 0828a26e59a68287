/**
 * MMoE (Ma et al. 2018): experts shared by every task, and one softmax gate per task choosing its
 * own mixture of them: f_t(x) = Σ_i g_{t,i}(x) E_i(x), g_t(x) = softmax(x W_t). Tasks that
 * conflict can lean on different experts, which a single shared bottom cannot.
 * Returns one representation per task, (batch, expertUnits.at(-1)) each.
 */
import type { Sym } from '../engine/graph.js';
import { ACTIVATIONS, type Activation } from './activation.js';
import type { BuildContext } from './build-context.js';
import { ExpertGate } from './expert-gate.js';
import { expertNetwork } from './expert-network.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface MultiGateMixtureOfExpertsConfig extends LayerConfig {
  numExperts: number;
  /** Widths of each expert's layers. */
  expertUnits: number[];
  numTasks: number;
  activation?: Activation;
}

export class MultiGateMixtureOfExperts extends Layer<MultiGateMixtureOfExpertsConfig> {
  readonly className = 'MultiGateMixtureOfExperts';

  constructor(config: MultiGateMixtureOfExpertsConfig) {
    super(config);
    check.positiveInt('MultiGateMixtureOfExperts', 'numExperts', config.numExperts);
    check.positiveInt('MultiGateMixtureOfExperts', 'numTasks', config.numTasks);
    config.expertUnits.forEach((u, i) => check.positiveInt('MultiGateMixtureOfExperts', `expertUnits[${i}]`, u));
    check.oneOf('MultiGateMixtureOfExperts', 'activation', config.activation ?? 'relu', ACTIVATIONS);
  }

  static fromConfig(config: MultiGateMixtureOfExpertsConfig): MultiGateMixtureOfExperts {
    return new MultiGateMixtureOfExperts(config);
  }

  apply(ctx: BuildContext, x: Sym): Sym[] {
    const name = this.scope(ctx);
    const { numExperts, expertUnits, numTasks, activation = 'relu' } = this.config;
    const experts = Array.from({ length: numExperts }, (_, i) => expertNetwork(`${name}/expert_${i}`, expertUnits, activation).apply(ctx, x));
    return Array.from({ length: numTasks }, (_, t) => new ExpertGate({ name: `${name}/gate_${t}`, numExperts }).apply(ctx, x, experts));
  }
}
