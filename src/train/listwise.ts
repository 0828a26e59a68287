/**
 * Listwise training: the rows of one group (e.g. a user's rated movies) become lists of at most
 * `listSize` rows, a batch holds whole lists, and a ranking loss reads the model's per-row logits
 * reshaped to (lists, listSize). Short lists are padded with a copy of one of their own rows
 * under `list_mask` 0: the ranking losses ignore masked items entirely, and a copy touches no
 * embedding row the list does not already touch, so padding moves no weight.
 */
import type { Sym } from '../engine/graph.js';
import { reshape } from '../engine/ops.js';
import { BATCH } from '../layers/build-context.js';
import { rankingLoss } from '../losses/registry.js';
import { ConfigError, DataError } from '../errors.js';
import type { Random } from '../util/random.js';
import type { BatchSource } from './predict.js';
import type { ListwiseConfig } from './train-config.js';

/** The graph input that marks real rows (1) and padding (0) of each list. */
export const LIST_MASK = 'list_mask';

/** The ranking loss of per-row `logit` and `label` (batch, 1), rows grouped in consecutive lists. */
export function listwiseLoss(logit: Sym, label: Sym, config: ListwiseConfig): Sym {
  const mask = logit.graph.input(LIST_MASK, [BATCH, 1]);
  const asLists = (x: Sym) => reshape(x, [-1, config.listSize]);
  return rankingLoss(config.loss, { temperature: config.temperature }).apply(asLists(logit), asLists(label), asLists(mask));
}

/** Rows of `rows` grouped by the ids of categorical feature `feature`, groups in order of first appearance. */
export function groupRows(source: BatchSource, rows: Int32Array, feature: string): Int32Array[] {
  const groups = new Map<number, number[]>();
  let offset = 0;
  for (const batch of source.batches(rows, 4096)) {
    const ids = batch.categorical.get(feature);
    if (!ids) throw new ConfigError(`listwise groupBy feature '${feature}' is not a categorical feature of the model`, { field: 'train.listwise.groupBy' });
    for (let i = 0; i < batch.size; i++) {
      const group = groups.get(ids[i]!);
      if (group) group.push(rows[offset + i]!);
      else groups.set(ids[i]!, [rows[offset + i]!]);
    }
    offset += batch.size;
  }
  return [...groups.values()].map((g) => Int32Array.from(g));
}

export class ListBatcher {
  /** Groups with at least two rows: a single row has nothing to be ranked against. */
  private readonly groups: Int32Array[];
  readonly listsPerBatch: number;
  readonly numLists: number;

  constructor(
    groups: readonly Int32Array[],
    private readonly listSize: number,
    batchSize: number,
  ) {
    this.groups = groups.filter((g) => g.length >= 2);
    if (this.groups.length === 0) throw new DataError('listwise training needs a group with at least two training rows; every group has one');
    if (batchSize < listSize) throw new ConfigError(`train.batchSize ${batchSize} is smaller than train.listwise.listSize ${listSize}`, { field: 'train.listwise.listSize' });
    this.listsPerBatch = Math.floor(batchSize / listSize);
    this.numLists = this.groups.reduce((n, g) => n + Math.ceil(g.length / listSize), 0);
  }

  get rowsPerBatch(): number {
    return this.listsPerBatch * this.listSize;
  }

  get stepsPerEpoch(): number {
    return Math.ceil(this.numLists / this.listsPerBatch);
  }

  /**
   * One epoch: each group shuffled and cut into near-equal lists (21 rows -> 11 + 10, not
   * 20 + 1, so no list is left with too few items to rank), the lists shuffled, laid out
   * `listSize` rows apart. `order` is the row sequence to batch, `mask` 1 for real rows.
   */
  epoch(rng: Random): { order: Int32Array; mask: Float32Array } {
    const lists: Int32Array[] = [];
    for (const group of this.groups) {
      const rows = rng.shuffle(group.slice());
      const count = Math.ceil(rows.length / this.listSize);
      for (let k = 0; k < count; k++) lists.push(rows.subarray(Math.floor((k * rows.length) / count), Math.floor(((k + 1) * rows.length) / count)));
    }
    const order = new Int32Array(lists.length * this.listSize);
    const mask = new Float32Array(order.length);
    rng.permutation(lists.length).forEach((l, i) => {
      const list = lists[l]!;
      const start = i * this.listSize;
      order.fill(list[0]!, start, start + this.listSize);
      order.set(list, start);
      mask.fill(1, start, start + list.length);
    });
    return { order, mask };
  }
}
