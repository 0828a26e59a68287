/**
 * A model directory's saved calibration of one task, bound to the rows of a data file: the file's
 * segment column is read when the calibration is per segment, so `apply` takes the predictions
 * alone (in file row order), as eval and predict produce them.
 */
import type { FeaturePipeline } from '../data/feature-pipeline.js';
import { readColumnWithPipeline } from '../data/load-dataset.js';
import { loadCalibration } from './calibration-file.js';
import type { SegmentedCalibration } from './segmented-calibration.js';

export interface BoundCalibration {
  /** E.g. 'isotonic' or 'platt per surface'. */
  description: string;
  apply(predictions: ArrayLike<number>): Float32Array;
}

/** E.g. 'isotonic' or 'platt per surface'. */
export function describeCalibration(calibration: Pick<SegmentedCalibration, 'method' | 'segmentBy'>): string {
  return calibration.method + (calibration.segmentBy !== undefined ? ` per ${calibration.segmentBy}` : '');
}

/** Undefined when `task` has no saved calibration. */
export async function savedCalibration(modelDir: string, task: string, pipeline: FeaturePipeline, dataFile: string, baseDir: string): Promise<BoundCalibration | undefined> {
  const calibration = (await loadCalibration(modelDir)).get(task);
  if (!calibration) return undefined;
  const segments = calibration.segmentBy !== undefined ? await readColumnWithPipeline(pipeline, dataFile, baseDir, calibration.segmentBy) : undefined;
  return {
    description: describeCalibration(calibration),
    apply: (predictions) => calibration.apply(predictions, segments),
  };
}
