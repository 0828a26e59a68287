/**
 * Base of the ranking losses over lists (keras-rs semantics): scores and graded labels of shape
 * (lists, listSize), an item is ignored when its label is < 0 or its optional mask is 0, and the
 * result is one scalar. An ignored item changes nothing: not the loss, not any gradient, so lists
 * can be padded to a fixed size.
 */
import { ConfigError } from '../errors.js';
import { sameShape, type Sym } from '../engine/graph.js';
import { cast, greater, greaterOrEqual, mul, unsqueeze } from '../engine/ops.js';

export interface RankingLossConfig {
  /** Scores are divided by it before the loss (keras-rs `temperature`); > 0. */
  temperature?: number;
}

export abstract class RankingLoss {
  abstract readonly className: string;
  readonly temperature: number;

  constructor(config: RankingLossConfig = {}) {
    const temperature = config.temperature ?? 1;
    if (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature)) {
      throw new ConfigError(`${new.target.name}: 'temperature' must be a positive number, got ${JSON.stringify(config.temperature)}`, { field: 'temperature' });
    }
    this.temperature = temperature;
  }

  getConfig(): Required<RankingLossConfig> {
    return { temperature: this.temperature };
  }

  /** The mean loss of `scores` (lists, listSize) against `labels`; `mask` (same shape) 1 keeps an item, 0 ignores it. */
  abstract apply(scores: Sym, labels: Sym, mask?: Sym): Sym;

  /** Checks the shapes and returns the list size (static: the losses build (listSize, listSize) constants). */
  protected listSize(scores: Sym, labels: Sym, mask?: Sym): number {
    const size = scores.shape[1];
    if (scores.rank !== 2 || typeof size !== 'number') {
      throw new ConfigError(`${this.className}: scores must be (lists, listSize) with a static listSize, got [${scores.shape}]`);
    }
    for (const [name, other] of [['labels', labels], ['mask', mask]] as const) {
      if (other && !sameShape(other.shape, scores.shape)) throw new ConfigError(`${this.className}: ${name} [${other.shape}] must have the shape of scores [${scores.shape}]`);
    }
    return size;
  }
}

/** 1 for the items that take part (label >= 0 and mask > 0), else 0; in the scores' float type. */
export function validItems(labels: Sym, mask?: Sym): Sym {
  const zero = labels.graph.scalar(0);
  const labelled = cast(greaterOrEqual(labels, zero), labels.dtype);
  return mask ? mul(labelled, cast(greater(mask, zero), labels.dtype)) : labelled;
}

/** (lists, L, L): [y_i > y_j] as floats, the pairs in which item i should rank above item j. */
export function labelGreater(labels: Sym): Sym {
  return cast(greater(unsqueeze(labels, [2]), unsqueeze(labels, [1])), labels.dtype);
}
