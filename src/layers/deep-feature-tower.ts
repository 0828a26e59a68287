/**
 * KMR DeepFeatureTower: a stack of Dense -> BatchNorm -> Dropout -> activation blocks, the MLP of
 * every model here. `hiddenUnits` gives the widths explicitly; otherwise `hiddenLayers` blocks of
 * `units` each (KMR's form). Input (batch, features) or (batch, items, features).
 */
import type { Sym } from '../engine/graph.js';
import { activate, ACTIVATIONS, type Activation } from './activation.js';
import { BatchNormalization } from './batch-normalization.js';
import type { BuildContext } from './build-context.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface DeepFeatureTowerConfig extends LayerConfig {
  units: number;
  hiddenLayers?: number;
  /** Explicit widths, overriding units x hiddenLayers. */
  hiddenUnits?: number[];
  dropoutRate?: number;
  activation?: Activation;
  /** L2 on the kernels (KMR default 1e-4); null = the trainer's global l2. */
  l2Reg?: number | null;
  batchNorm?: boolean;
}

export class DeepFeatureTower extends Layer<DeepFeatureTowerConfig> {
  readonly className = 'DeepFeatureTower';
  private readonly blocks: { dense: Dense; norm?: BatchNormalization; dropout: Dropout }[];

  constructor(config: DeepFeatureTowerConfig) {
    super(config);
    const widths = config.hiddenUnits ?? Array.from({ length: check.positiveInt('DeepFeatureTower', 'hiddenLayers', config.hiddenLayers ?? 2) }, () => config.units);
    widths.forEach((w, i) => check.positiveInt('DeepFeatureTower', `hiddenUnits[${i}]`, w));
    check.positiveInt('DeepFeatureTower', 'units', config.units);
    check.oneOf('DeepFeatureTower', 'activation', config.activation ?? 'relu', ACTIVATIONS);
    const rate = check.rate('DeepFeatureTower', 'dropoutRate', config.dropoutRate ?? 0.2);
    const l2 = config.l2Reg === null ? undefined : check.nonNegative('DeepFeatureTower', 'l2Reg', config.l2Reg ?? 1e-4);
    this.blocks = widths.map((units) => ({
      dense: new Dense({ units, ...(l2 === undefined ? {} : { l2 }) }),
      ...((config.batchNorm ?? true) ? { norm: new BatchNormalization() } : {}),
      dropout: new Dropout({ rate }),
    }));
  }

  static fromConfig(config: DeepFeatureTowerConfig): DeepFeatureTower {
    return new DeepFeatureTower(config);
  }

  get outputDim(): number {
    return this.config.hiddenUnits?.at(-1) ?? this.config.units;
  }

  apply(ctx: BuildContext, x: Sym): Sym {
    this.scope(ctx);
    let h = x;
    for (const { dense, norm, dropout } of this.blocks) {
      h = dense.linear(ctx, h);
      if (norm) h = norm.apply(ctx, h);
      h = activate(dropout.apply(ctx, h), this.config.activation ?? 'relu');
    }
    return h;
  }
}
