/**
 * `deeprank calibrate`: fit a calibration of the model's task on a labelled validation file,
 * save it into the model directory (calibration.json, keyed by task), print ECE, calibration
 * ratio and log loss before and after on that file, and write the reliability diagram
 * (before and after on one chart) next to the model as reliability-<task>.svg.
 */
import { join, resolve } from 'node:path';
import { saveCalibration } from '../calibration/calibration-file.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../calibration/calibrator.js';
import { calibrationSummary, formatCalibrationSummary, type CalibrationSummary } from '../calibration/calibration-summary.js';
import { reliabilityDiagramSvg } from '../calibration/reliability-diagram.js';
import { SegmentedCalibration } from '../calibration/segmented-calibration.js';
import { readColumnWithPipeline } from '../data/load-dataset.js';
import { ConfigError } from '../errors.js';
import { MIN_CALIBRATION_BINS } from '../metrics/calibration-bins.js';
import type { RankingModel } from '../train/ranking-model.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { scoreFile } from './commands.js';

export interface CalibrateOptions {
  model: string;
  data: string;
  method: string;
  segmentBy?: string;
  minSegmentSize?: number;
  bins?: number;
  threads?: number;
}

export async function calibrateCommand(options: CalibrateOptions): Promise<{ before: CalibrationSummary; after: CalibrationSummary }> {
  if (!(CALIBRATION_METHODS as readonly string[]).includes(options.method)) {
    throw new ConfigError(`unknown calibration method '${options.method}'; expected one of ${CALIBRATION_METHODS.join(', ')}`, { field: '--method' });
  }
  const method = options.method as CalibrationMethod;
  const bins = options.bins ?? 15;
  if (bins < MIN_CALIBRATION_BINS) throw new ConfigError(`${bins} bins; expected at least ${MIN_CALIBRATION_BINS}`, { field: '--bins' });
  const checkBinary = (model: RankingModel) => {
    if (model.head.kind !== 'binary') throw new ConfigError(`calibration needs a binary task; '${model.head.task}' is ${model.head.kind}`, { field: '--model' });
  };
  const { model, pipeline, data, predictor } = await scoreFile(options.model, options.data, true, options.threads, checkBinary);
  const task = model.head.task;
  const segments = options.segmentBy !== undefined ? await readColumnWithPipeline(pipeline, options.data, process.cwd(), options.segmentBy) : undefined;
  const { predictions, labels } = await predictor.predict(data.source, data.rows, { task });
  await predictor.release();

  const calibration = SegmentedCalibration.fit(method, predictions, labels!, segments && { column: options.segmentBy!, values: segments, ...(options.minSegmentSize !== undefined ? { minSegmentSize: options.minSegmentSize } : {}) });
  const calibrated = calibration.apply(predictions, segments);
  const before = calibrationSummary(labels!, predictions, bins);
  const after = calibrationSummary(labels!, calibrated, bins);
  await saveCalibration(options.model, task, calibration, { file: options.data, rows: labels!.length, bins, before, after });
  const diagram = join(resolve(options.model), `reliability-${task}.svg`);
  const title = `Reliability of '${task}' on ${options.data}: ${calibration.method}${options.segmentBy !== undefined ? ` per ${options.segmentBy}` : ''}`;
  await writeFileAtomic(diagram, reliabilityDiagramSvg(labels!, [{ label: 'before', probs: predictions }, { label: 'after', probs: calibrated }], { title, bins }));

  const segmentNote = options.segmentBy !== undefined ? ` per ${options.segmentBy} (${calibration.segments.size} segments of >= ${calibration.minSegmentSize} rows, others global)` : '';
  console.log(`calibrated task '${task}' with ${method}${segmentNote} on ${labels!.length} rows of ${options.data}`);
  console.log(`before: ${formatCalibrationSummary(before)}`);
  console.log(`after:  ${formatCalibrationSummary(after)}`);
  console.log(`saved to ${join(options.model, 'calibration.json')}; reliability diagram ${diagram}`);
  return { before, after };
}
