/** One expert of a mixture (MMoE, PLE): a plain MLP, without batch norm or dropout as in the papers. */
import type { Activation } from './activation.js';
import { DeepFeatureTower } from './deep-feature-tower.js';

export function expertNetwork(name: string, units: readonly number[], activation: Activation): DeepFeatureTower {
  return new DeepFeatureTower({ name, units: units.at(-1)!, hiddenUnits: [...units], dropoutRate: 0, batchNorm: false, activation, l2Reg: null });
}
