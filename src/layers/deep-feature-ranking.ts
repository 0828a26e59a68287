/**
 * KMR DeepFeatureRanking: a DeepFeatureTower followed by a one-unit Dense, scoring every item of
 * a list at once: (batch, items, features) -> (batch, items, 1). Also accepts (batch, features).
 */
import type { Sym } from '../engine/graph.js';
import type { Activation } from './activation.js';
import type { BuildContext } from './build-context.js';
import { DeepFeatureTower } from './deep-feature-tower.js';
import { Dense } from './dense.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface DeepFeatureRankingConfig extends LayerConfig {
  hiddenUnits?: number;
  numLayers?: number;
  dropoutRate?: number;
  activation?: Activation;
  l2Reg?: number;
  batchNorm?: boolean;
}

export class DeepFeatureRanking extends Layer<DeepFeatureRankingConfig> {
  readonly className = 'DeepFeatureRanking';
  private readonly tower: DeepFeatureTower;
  private readonly score: Dense;

  constructor(config: DeepFeatureRankingConfig = {}) {
    super(config);
    const units = check.positiveInt('DeepFeatureRanking', 'hiddenUnits', config.hiddenUnits ?? 64);
    this.tower = new DeepFeatureTower({
      units,
      hiddenLayers: check.positiveInt('DeepFeatureRanking', 'numLayers', config.numLayers ?? 2),
      dropoutRate: config.dropoutRate ?? 0.2,
      activation: config.activation ?? 'relu',
      l2Reg: config.l2Reg ?? 1e-4,
      batchNorm: config.batchNorm ?? true,
    });
    this.score = new Dense({ units: 1, l2: config.l2Reg ?? 1e-4 });
  }

  static fromConfig(config: DeepFeatureRankingConfig): DeepFeatureRanking {
    return new DeepFeatureRanking(config);
  }

  apply(ctx: BuildContext, features: Sym): Sym {
    this.scope(ctx);
    return this.score.apply(ctx, this.tower.apply(ctx, features));
  }
}
