/**
 * Every row of a file scored by a bundle exactly as it is served: BundleScorer (the bundle's
 * graph, its calibration, per segment by the raw value of the segment's column, and its utility
 * policy). Batch scoring (`deeprank predict --bundle`), shadow tests and reports score through it.
 */
import type { ProductPrecision } from '../engine/graph.js';
import type { SegmentValues } from '../calibration/segmented-calibration.js';
import { loadWithPipeline, readColumnsWithPipeline, type DatasetSplit } from '../data/load-dataset.js';
import { BundleScorer, type BundleScores } from './bundle-scorer.js';
import type { Bundle } from './load-bundle.js';

export interface ScoredFile {
  data: DatasetSplit;
  scores: BundleScores;
  /** Raw values, row by row, of the calibration's segment columns and of the requested columns. */
  raw: Map<string, (string | undefined)[]>;
}

export interface ScoreFileOptions {
  baseDir?: string;
  threads?: number;
  /** How the bundle's products are computed (Bundle.createSession; default float32). */
  precision?: ProductPrecision;
  /** Further raw columns to return (e.g. the request id of a shadow test). */
  columns?: readonly string[];
  requireLabels?: boolean;
}

/** The raw columns the bundle's calibration is segmented by. */
export function segmentColumns(bundle: Bundle): string[] {
  return [...new Set([...bundle.calibration.values()].flatMap((c) => (c.segmentBy !== undefined ? [c.segmentBy] : [])))];
}

export async function scoreFileWithBundle(bundle: Bundle, file: string, { baseDir = process.cwd(), threads, precision, columns = [], requireLabels = false }: ScoreFileOptions = {}): Promise<ScoredFile> {
  const segments = segmentColumns(bundle);
  const data = await loadWithPipeline(bundle.pipeline, file, baseDir, { requireLabels });
  const wanted = [...new Set([...segments, ...columns])];
  const raw = wanted.length > 0 ? await readColumnsWithPipeline(bundle.pipeline, file, baseDir, wanted) : new Map<string, (string | undefined)[]>();
  const scorer = await BundleScorer.create(bundle, { ...(threads !== undefined ? { threads } : {}), ...(precision !== undefined ? { precision } : {}) });
  try {
    const segmentValues = new Map<string, SegmentValues>(segments.map((column) => [column, raw.get(column)!]));
    return { data, scores: await scorer.score(data.source, data.rows, segmentValues), raw };
  } finally {
    await scorer.release();
  }
}
