/**
 * One task's calibration: a global calibrator fitted on every validation row and, with a
 * segment column (e.g. surface, user-tenure bucket), one calibrator per segment value that has
 * at least `minSegmentSize` rows. A row of an unseen or small segment, or with no segment value,
 * falls back to the global calibrator.
 */
import { ConfigError, DataError } from '../errors.js';
import { calibratorFromJson, fitCalibrator, type CalibrationMethod, type Calibrator, type CalibratorJson } from './calibrator.js';

export const DEFAULT_MIN_SEGMENT_SIZE = 200;

/** A segment value per row; undefined for a missing value. */
export type SegmentValues = readonly (string | undefined)[];

export interface SegmentedCalibrationJson {
  method: CalibrationMethod;
  global: CalibratorJson;
  /** Absent without a segment column. */
  segmentBy?: string;
  minSegmentSize?: number;
  segments?: Record<string, CalibratorJson>;
}

export interface SegmentOptions {
  column: string;
  values: SegmentValues;
  minSegmentSize?: number;
}

export class SegmentedCalibration {
  private constructor(
    readonly method: CalibrationMethod,
    readonly global: Calibrator,
    readonly segmentBy: string | undefined,
    readonly minSegmentSize: number | undefined,
    readonly segments: ReadonlyMap<string, Calibrator>,
  ) {}

  static fit(method: CalibrationMethod, predictions: ArrayLike<number>, labels: ArrayLike<number>, segment?: SegmentOptions): SegmentedCalibration {
    const global = fitCalibrator(method, predictions, labels);
    if (!segment) return new SegmentedCalibration(method, global, undefined, undefined, new Map());
    const minSegmentSize = segment.minSegmentSize ?? DEFAULT_MIN_SEGMENT_SIZE;
    if (!Number.isInteger(minSegmentSize) || minSegmentSize < 1) throw new ConfigError(`minSegmentSize = ${minSegmentSize}; expected a positive integer`, { field: 'minSegmentSize' });
    if (segment.values.length !== labels.length) throw new DataError(`${segment.values.length} segment values for ${labels.length} rows`, { field: segment.column });
    const rowsOf = new Map<string, number[]>();
    segment.values.forEach((value, i) => {
      if (value === undefined) return;
      const rows = rowsOf.get(value) ?? [];
      rows.push(i);
      rowsOf.set(value, rows);
    });
    const segments = new Map<string, Calibrator>();
    for (const [value, rows] of [...rowsOf].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (rows.length < minSegmentSize) continue;
      const ys = rows.map((i) => labels[i]!);
      // A segment whose labels are all equal has nothing to fit; the global calibrator serves it.
      if (method !== 'isotonic' && (ys.every((y) => y === 0) || ys.every((y) => y === 1))) continue;
      segments.set(value, fitCalibrator(method, rows.map((i) => predictions[i]!), ys));
    }
    return new SegmentedCalibration(method, global, segment.column, minSegmentSize, segments);
  }

  static fromJson(json: SegmentedCalibrationJson): SegmentedCalibration {
    const segments = new Map(Object.entries(json.segments ?? {}).map(([value, c]) => [value, calibratorFromJson(c)]));
    return new SegmentedCalibration(json.method, calibratorFromJson(json.global), json.segmentBy, json.minSegmentSize, segments);
  }

  /** Calibrated predictions; `segmentValues` (one per row) is required when fitted per segment. */
  apply(predictions: ArrayLike<number>, segmentValues?: SegmentValues): Float32Array {
    if (this.segmentBy !== undefined && segmentValues === undefined) {
      throw new ConfigError(`the calibration is per '${this.segmentBy}'; its values are needed`, { field: this.segmentBy });
    }
    const out = new Float32Array(predictions.length);
    for (let i = 0; i < predictions.length; i++) {
      const value = segmentValues?.[i];
      const calibrator = (value !== undefined ? this.segments.get(value) : undefined) ?? this.global;
      out[i] = calibrator.apply(predictions[i]!);
    }
    return out;
  }

  toJSON(): SegmentedCalibrationJson {
    return {
      method: this.method,
      global: this.global.toJSON(),
      ...(this.segmentBy !== undefined
        ? { segmentBy: this.segmentBy, minSegmentSize: this.minSegmentSize!, segments: Object.fromEntries([...this.segments].map(([v, c]) => [v, c.toJSON()])) }
        : {}),
    };
  }
}
