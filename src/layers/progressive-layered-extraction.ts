/**
 * PLE (Tang et al. 2020, Customized Gate Control stacked in levels): each level has `taskExperts`
 * experts per task and `sharedExperts` shared ones. Task t's gate mixes its own and the shared
 * experts; the shared gate mixes every expert and feeds the next level's shared experts:
 *   h_t^{l+1} = Σ g_t^l(h_t^l) · [E_t^l(h_t^l); E_s^l(h_s^l)],
 *   h_s^{l+1} = Σ g_s^l(h_s^l) · [E_1^l(h_1^l); …; E_T^l(h_T^l); E_s^l(h_s^l)],
 * with h_t^0 = h_s^0 = x. Task-specific experts keep conflicting tasks apart ("seesaw"), shared
 * ones carry what they have in common. Returns h_t^L per task, (batch, expertUnits.at(-1)).
 */
import type { Sym } from '../engine/graph.js';
import { ACTIVATIONS, type Activation } from './activation.js';
import type { BuildContext } from './build-context.js';
import { ExpertGate } from './expert-gate.js';
import { expertNetwork } from './expert-network.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface ProgressiveLayeredExtractionConfig extends LayerConfig {
  levels: number;
  sharedExperts: number;
  taskExperts: number;
  expertUnits: number[];
  numTasks: number;
  activation?: Activation;
}

export class ProgressiveLayeredExtraction extends Layer<ProgressiveLayeredExtractionConfig> {
  readonly className = 'ProgressiveLayeredExtraction';

  constructor(config: ProgressiveLayeredExtractionConfig) {
    super(config);
    const layer = 'ProgressiveLayeredExtraction';
    for (const arg of ['levels', 'sharedExperts', 'taskExperts', 'numTasks'] as const) check.positiveInt(layer, arg, config[arg]);
    config.expertUnits.forEach((u, i) => check.positiveInt(layer, `expertUnits[${i}]`, u));
    check.oneOf(layer, 'activation', config.activation ?? 'relu', ACTIVATIONS);
  }

  static fromConfig(config: ProgressiveLayeredExtractionConfig): ProgressiveLayeredExtraction {
    return new ProgressiveLayeredExtraction(config);
  }

  apply(ctx: BuildContext, x: Sym): Sym[] {
    const name = this.scope(ctx);
    const { levels, sharedExperts, taskExperts, expertUnits, numTasks, activation = 'relu' } = this.config;
    const experts = (prefix: string, count: number, input: Sym) =>
      Array.from({ length: count }, (_, i) => expertNetwork(`${prefix}_${i}`, expertUnits, activation).apply(ctx, input));
    let tasks: Sym[] = Array.from({ length: numTasks }, () => x);
    let shared = x;
    for (let l = 0; l < levels; l++) {
      const level = `${name}/level_${l}`;
      const own = tasks.map((h, t) => experts(`${level}/task_${t}/expert`, taskExperts, h));
      const common = experts(`${level}/shared/expert`, sharedExperts, shared);
      const next = tasks.map((h, t) => new ExpertGate({ name: `${level}/task_${t}/gate`, numExperts: taskExperts + sharedExperts }).apply(ctx, h, [...own[t]!, ...common]));
      // The last level's shared gate would feed nothing.
      if (l < levels - 1) shared = new ExpertGate({ name: `${level}/shared/gate`, numExperts: numTasks * taskExperts + sharedExperts }).apply(ctx, shared, [...own.flat(), ...common]);
      tasks = next;
    }
    return tasks;
  }
}
