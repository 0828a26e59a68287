/**
 * A hand-made batch with behaviour sequences for model tests (DIN, DIEN): three rows with
 * histories of 2, 0 and 3 items, padded to any maxLength, and the served (exported) model's
 * predictions on it.
 */
import type { FeatureSpec } from '../../src/data/batch.js';
import { EncodedDataset } from '../../src/data/encoded-dataset.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { Predictor } from '../../src/train/predict.js';
import type { RankingModel } from '../../src/train/ranking-model.js';

export const HEAD = { task: 'click', kind: 'binary' as const, offset: 0 };
export const ITEMS = 6;
// Three rows: histories of 2, 0 and 3 items (most recent last), then each row's candidate.
export const HISTORIES = [[1, 4], [], [2, 3, 5]];
export const CANDIDATES = [3, 1, 4];

export function spec(maxLength: number): FeatureSpec {
  return {
    categorical: [{ name: 'user', cardinality: 4 }, { name: 'item', cardinality: ITEMS }],
    multiValue: [],
    sequence: [{ name: 'history', vocabularyOf: 'item', cardinality: ITEMS, maxLength }],
    numeric: ['age'],
    tasks: [{ name: 'click', kind: 'binary' }],
  };
}

export function dataset(maxLength: number): EncodedDataset {
  const ids = new Int32Array(3 * maxLength);
  const mask = new Float32Array(3 * maxLength);
  HISTORIES.forEach((h, r) => h.forEach((id, k) => ((ids[r * maxLength + k] = id), (mask[r * maxLength + k] = 1))));
  return new EncodedDataset({
    spec: spec(maxLength),
    numRows: 3,
    categorical: new Map([['user', Int32Array.of(1, 2, 3)], ['item', Int32Array.from(CANDIDATES)]]),
    multiValue: new Map([['history', { ids, mask, maxLength }]]),
    dense: Float32Array.of(0.5, -1, 2),
    labels: new Map([['click', Float32Array.of(1, 0, 1)]]),
  });
}

export const ROWS = Int32Array.of(0, 1, 2);

export async function served(model: RankingModel, data: EncodedDataset, maxLength: number): Promise<Float32Array> {
  const session = await OnnxSession.create(model.exportOnnx(), { threads: 1 });
  const [batch] = data.batches(ROWS, 3);
  const ids = (values: ArrayLike<number>, shape: number[]) => ({ data: BigInt64Array.from(Array.from(values), (v) => BigInt(v)), shape });
  const history = batch!.multiValue.get('history')!;
  const out = await session.run({
    user: ids(batch!.categorical.get('user')!, [3]),
    item: ids(batch!.categorical.get('item')!, [3]),
    history: ids(history.ids, [3, maxLength]),
    history_mask: { data: history.mask, shape: [3, maxLength] },
    dense: { data: batch!.dense, shape: [3, 1] },
  });
  await session.release();
  return out.prediction as Float32Array;
}

/** The eval graph's predictions and attention weights for ROWS with histories padded to `maxLength`. */
export async function predictWithAttention(model: RankingModel, maxLength: number) {
  const predictor = await Predictor.create(model, 1);
  const { predictions } = await predictor.predict(dataset(maxLength), ROWS);
  const attention = await predictor.explain(dataset(maxLength), ROWS, 'attention');
  await predictor.release();
  return { predictions, attention };
}
