/**
 * Warm start: the source models a model's `pretrain` option names (FNN: an FM; NeuMF: GMF and
 * the NCF MLP) are trained first on the same split with the same Trainer, and every parameter
 * they share with the target by name is copied into the target's ParameterStore; fine-tuning
 * then starts from there. The target's other parameters keep their seeded initialisation, unless
 * the plan's `continueSource` sets them so that the target starts as the source's function.
 */
import { ConfigError } from '../errors.js';
import type { ParameterStore } from '../engine/parameter-store.js';
import { modelDefinition } from '../models/registry.js';
import { RankingModel } from './ranking-model.js';
import type { TrainConfig } from './train-config.js';
import { Trainer, type Split, type TrainCallbacks, type TrainResult } from './trainer.js';

export interface WarmStartResult {
  /** Each source model, trained, with its training result. */
  sources: { model: RankingModel; result: TrainResult }[];
  /** Names of the target's parameters that now hold a source's values. */
  copied: string[];
}

/**
 * Copy every tensor of `from` that `to` also has (same name) into `to`; returns the names copied.
 * A shared name of another shape is a configuration mistake, not something to skip.
 */
export function copyParameters(from: ParameterStore, to: ParameterStore): string[] {
  const target = to.allTensors();
  const copied: string[] = [];
  for (const [name, source] of from.allTensors()) {
    const t = target.get(name);
    if (!t) continue;
    if (t.data.length !== source.data.length || t.shape.join() !== source.shape.join()) {
      throw new ConfigError(`pretrained '${name}' has shape [${source.shape}], the model's is [${t.shape}]`, { field: 'model.pretrain' });
    }
    t.data.set(source.data);
    copied.push(name);
  }
  return copied;
}

/**
 * Train `model`'s pretraining sources (none: returns undefined) and copy their parameters into
 * it. Sources use `train`'s settings (seed, batch size, optimizer, early stopping) with the
 * plan's epochs and learning rate, and the target's feature spec and head.
 */
export async function warmStart(model: RankingModel, train: TrainConfig, trainSplit: Split, validation?: Split, callbacks: TrainCallbacks = {}): Promise<WarmStartResult | undefined> {
  const plan = modelDefinition(model.model.type).pretraining?.(model.model.config);
  if (!plan) return undefined;
  // Create the target's parameters so that there is something to copy into.
  const { columns } = model.build('eval');
  const sourceTrain: TrainConfig = {
    ...train,
    epochs: plan.epochs ?? train.epochs,
    optimizer: { ...train.optimizer, learningRate: plan.learningRate ?? train.optimizer.learningRate },
  };
  const sources: WarmStartResult['sources'] = [];
  const copied: string[] = [];
  for (const { type, config } of plan.sources) {
    const source = new RankingModel(model.spec, RankingModel.parseModelSpec(type, config), model.head, undefined, train.seed);
    const result = await new Trainer(source, sourceTrain, callbacks).fit(trainSplit, validation);
    const names = copyParameters(source.params, model.params);
    const twice = names.filter((n) => copied.includes(n));
    if (twice.length > 0) throw new ConfigError(`pretraining sources both set ${twice.join(', ')}`, { field: 'model.pretrain' });
    if (names.length === 0) throw new ConfigError(`pretrained ${type} shares no parameter with ${model.model.type}`, { field: 'model.pretrain' });
    copied.push(...names);
    sources.push({ model: source, result });
  }
  plan.continueSource?.(model.params, columns);
  return { sources, copied };
}
