/**
 * The attention weights a model exposes as explanation outputs (AFM's weight per field pair, DIN,
 * DIEN and SIM's weight per history position), averaged over the rows, with their labels.
 */
import type { EncodedDataset } from '../data/encoded-dataset.js';
import { Predictor } from '../train/predict.js';
import type { RankingModel } from '../train/ranking-model.js';
import type { Explanation } from './explanation.js';

/** Mean of each explanation output over every row of `dataset`; undefined when the model exposes none. */
export async function attentionWeights(model: RankingModel, dataset: EncodedDataset, threads?: number): Promise<Explanation['attention']> {
  const predictor = await Predictor.create(model, threads);
  try {
    const names = Object.keys(predictor.explanations);
    if (names.length === 0) return undefined;
    const out: NonNullable<Explanation['attention']> = [];
    for (const name of names) {
      const { labels, values } = await predictor.explain(dataset, dataset.allRows(), name);
      if (values.length !== dataset.numRows * labels.length) throw new RangeError(`explanation '${name}' has ${values.length} values for ${dataset.numRows} rows of ${labels.length} labels`);
      const mean = labels.map(() => 0);
      for (let i = 0; i < values.length; i++) mean[i % labels.length]! += values[i]! / dataset.numRows;
      out.push({ output: name, labels: [...labels], mean });
    }
    return out;
  } finally {
    await predictor.release();
  }
}
