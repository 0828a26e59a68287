/**
 * Implicit-feedback training rows: each positive (user, item) is followed by `negatives` rows of
 * the same user with items drawn uniformly from the catalog among those the user has no
 * positive with (label 0). Negatives are drawn again for every epoch from (seed, epoch), so a
 * run, and a resumed run, sees the same negatives each epoch.
 */
import { Random } from '../util/random.js';
import type { Batch, FeatureSpec } from './batch.js';
import { EncodedDataset } from './encoded-dataset.js';

export interface NegativeSampledSourceOptions {
  /** Two categorical features (user, item) and one binary task, in that order. */
  spec: FeatureSpec;
  users: Int32Array;
  items: Int32Array;
  /** Item ids negatives are drawn from. */
  catalog: Int32Array;
  negatives: number;
  seed: number;
}

export class NegativeSampledSource {
  readonly numRows: number;
  private readonly dataset: EncodedDataset;
  private readonly rowItems: Int32Array;
  private readonly positive: Uint8Array;
  private readonly itemRows: number;

  constructor(private readonly options: NegativeSampledSourceOptions) {
    const { spec, users, items, negatives, catalog } = options;
    const [user, item] = spec.categorical;
    const task = spec.tasks[0]!.name;
    if (!user || !item) throw new RangeError('NegativeSampledSource: the spec needs a user and an item feature');
    if (catalog.length === 0) throw new RangeError('NegativeSampledSource: the catalog is empty');
    const per = 1 + negatives;
    this.numRows = users.length * per;
    const rowUsers = new Int32Array(this.numRows);
    this.rowItems = new Int32Array(this.numRows);
    const labels = new Float32Array(this.numRows);
    this.itemRows = item.cardinality;
    this.positive = new Uint8Array(user.cardinality * item.cardinality);
    const counts = new Int32Array(user.cardinality);
    for (let p = 0; p < users.length; p++) {
      if (++counts[users[p]!]! >= catalog.length) throw new RangeError(`NegativeSampledSource: user ${users[p]} has a positive for every catalog item; no negative can be drawn`);
      rowUsers.fill(users[p]!, p * per, (p + 1) * per);
      this.rowItems[p * per] = items[p]!;
      labels[p * per] = 1;
      this.positive[users[p]! * this.itemRows + items[p]!] = 1;
    }
    this.dataset = new EncodedDataset({
      spec,
      numRows: this.numRows,
      categorical: new Map([
        [user.name, rowUsers],
        [item.name, this.rowItems],
      ]),
      multiValue: new Map(),
      dense: new Float32Array(0),
      labels: new Map([[task, labels]]),
    });
    this.startEpoch(1);
  }

  /** Draw the negatives of `epoch` (1-based). */
  startEpoch(epoch: number): void {
    const { users, negatives, catalog, seed } = this.options;
    const rng = new Random((Math.imul(seed, 0x9e3779b1) ^ epoch) >>> 0);
    const per = 1 + negatives;
    for (let p = 0; p < users.length; p++) {
      const row = users[p]! * this.itemRows;
      for (let k = 1; k < per; k++) {
        let item: number;
        do item = catalog[rng.int(catalog.length)]!;
        while (this.positive[row + item]);
        this.rowItems[p * per + k] = item;
      }
    }
  }

  /** 0..numRows-1. */
  allRows(): Int32Array {
    return this.dataset.allRows();
  }

  batches(rows: Int32Array, batchSize: number): Iterable<Batch> {
    return this.dataset.batches(rows, batchSize);
  }
}
