/**
 * DIN's MLP: Dense -> PReLU or Dice blocks, the hidden part of both its local activation unit and
 * its output network. Input (batch, features) or (batch, L, features); Dice's batch statistics
 * count only the positions of `weights` 1 when given (a sequence's mask as (batch, L, 1)).
 */
import type { Sym } from '../engine/graph.js';
import type { BuildContext } from './build-context.js';
import { Dense } from './dense.js';
import { Dice } from './dice.js';
import { Dropout } from './dropout.js';
import { check, Layer, type LayerConfig } from './layer.js';
import { PReLU } from './prelu.js';

export const PARAMETRIC_ACTIVATIONS = ['prelu', 'dice'] as const;
export type ParametricActivation = (typeof PARAMETRIC_ACTIVATIONS)[number];

export interface ParametricActivationTowerConfig extends LayerConfig {
  hiddenUnits: number[];
  activation?: ParametricActivation;
  dropoutRate?: number;
  /** L2 on the kernels; default: the trainer's global l2. */
  l2?: number;
}

export class ParametricActivationTower extends Layer<ParametricActivationTowerConfig> {
  readonly className = 'ParametricActivationTower';
  private readonly blocks: { dense: Dense; activation: PReLU | Dice; dropout: Dropout }[];

  constructor(config: ParametricActivationTowerConfig) {
    super(config);
    if (!Array.isArray(config.hiddenUnits) || config.hiddenUnits.length === 0) {
      check.positiveInt('ParametricActivationTower', 'hiddenUnits[0]', undefined);
    }
    config.hiddenUnits.forEach((w, i) => check.positiveInt('ParametricActivationTower', `hiddenUnits[${i}]`, w));
    const kind = check.oneOf('ParametricActivationTower', 'activation', config.activation ?? 'prelu', PARAMETRIC_ACTIVATIONS);
    const rate = check.rate('ParametricActivationTower', 'dropoutRate', config.dropoutRate ?? 0);
    if (config.l2 !== undefined) check.nonNegative('ParametricActivationTower', 'l2', config.l2);
    this.blocks = config.hiddenUnits.map((units) => ({
      dense: new Dense({ units, ...(config.l2 === undefined ? {} : { l2: config.l2 }) }),
      activation: kind === 'dice' ? new Dice() : new PReLU(),
      dropout: new Dropout({ rate }),
    }));
  }

  static fromConfig(config: ParametricActivationTowerConfig): ParametricActivationTower {
    return new ParametricActivationTower(config);
  }

  get outputDim(): number {
    return this.config.hiddenUnits.at(-1)!;
  }

  apply(ctx: BuildContext, x: Sym, weights?: Sym): Sym {
    this.scope(ctx);
    let h = x;
    for (const { dense, activation, dropout } of this.blocks) {
      const linear = dense.linear(ctx, h);
      h = dropout.apply(ctx, activation instanceof Dice ? activation.apply(ctx, linear, weights) : activation.apply(ctx, linear));
    }
    return h;
  }
}
