/**
 * Per feature of one encoded request: how many values it had, how many of them the vocabulary
 * did not know (they were served with the OOV id 0) and how many rows had it missing (null, ""
 * or []); a list feature counts its values. Hash-bucketed features have no OOV. Counted per scored row, so a context value counts
 * once for every candidate it was scored with, as the model saw it.
 */
import type { EncodedDataset } from '../data/encoded-dataset.js';
import type { FeaturePipeline } from '../data/feature-pipeline.js';
import type { RawTable } from '../data/raw-table.js';
import { Vocabulary } from '../data/vocabulary.js';

export interface FeatureQuality {
  values: number;
  oov: number;
  missing: number;
}

/** Per row: whether `column` is missing there. */
function missingRows(table: RawTable, column: string): (row: number) => boolean {
  const raw = table.column(column);
  if (raw.kind === 'numeric') return (row) => Number.isNaN(raw.values[row]!);
  return (row) => raw.codes[row]! < 0 || raw.dictionary[raw.codes[row]!] === '';
}

export function featureQuality(pipeline: FeaturePipeline, table: RawTable, encoded: EncodedDataset): Map<string, FeatureQuality> {
  const quality = new Map<string, FeatureQuality>();
  const rows = table.numRows;
  for (const feature of pipeline.features) {
    const columns = feature.type === 'multi_value' && feature.flagColumns ? feature.flagColumns : [feature.column ?? feature.name];
    const missingIn = columns.map((column) => missingRows(table, column));
    let missing = 0;
    for (let row = 0; row < rows; row++) if (missingIn.some((isMissing) => isMissing(row))) missing++;
    let values = rows - missing;
    let oov = 0;
    const known = feature.type !== 'numeric' && pipeline.categoryIndex(feature.name) instanceof Vocabulary;
    if (feature.type === 'categorical' && known) {
      const ids = encoded.column(feature.name);
      for (let row = 0; row < rows; row++) if (ids[row] === 0 && !missingIn[0]!(row)) oov++;
    } else if (feature.type === 'multi_value' || feature.type === 'sequence') {
      // A list counts its values (after truncation to maxLength), not its rows.
      const { ids, mask } = encoded.multiValue(feature.name);
      values = 0;
      for (let k = 0; k < mask.length; k++) {
        if (mask[k] === 0) continue;
        values++;
        if (known && ids[k] === 0) oov++;
      }
    }
    quality.set(feature.name, { values, oov, missing });
  }
  return quality;
}
