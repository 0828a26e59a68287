/**
 * A calibrator maps a model's probability to a calibrated one, fitted on labelled validation
 * rows: Platt scaling, isotonic regression or temperature scaling. Saved as JSON tagged with
 * its method.
 */
import { z } from 'zod';
import { IsotonicRegression, type IsotonicJson } from './isotonic-regression.js';
import { PlattScaling, type PlattJson } from './platt-scaling.js';
import { TemperatureScaling, type TemperatureJson } from './temperature-scaling.js';

export const CALIBRATION_METHODS = ['platt', 'isotonic', 'temperature'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

export type CalibratorJson = PlattJson | IsotonicJson | TemperatureJson;

export interface Calibrator {
  readonly method: CalibrationMethod;
  apply(p: number): number;
  toJSON(): CalibratorJson;
}

const finite = z.number().refine(Number.isFinite, 'expected a finite number');

export const CalibratorJsonSchema = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('platt'), scale: finite, shift: finite }),
  z.strictObject({ method: z.literal('temperature'), temperature: finite.refine((t) => t > 0, 'expected T > 0') }),
  z
    .strictObject({ method: z.literal('isotonic'), x: z.array(finite).min(1), y: z.array(z.number().min(0).max(1)).min(1) })
    .refine((c) => c.x.length === c.y.length, 'x and y need the same length')
    .refine((c) => c.x.every((v, i) => i === 0 || v >= c.x[i - 1]!) && c.y.every((v, i) => i === 0 || v >= c.y[i - 1]!), 'x and y must be non-decreasing'),
]);

export function fitCalibrator(method: CalibrationMethod, predictions: ArrayLike<number>, labels: ArrayLike<number>): Calibrator {
  switch (method) {
    case 'platt':
      return PlattScaling.fit(predictions, labels);
    case 'isotonic':
      return IsotonicRegression.fit(predictions, labels);
    case 'temperature':
      return TemperatureScaling.fit(predictions, labels);
  }
}

export function calibratorFromJson(json: CalibratorJson): Calibrator {
  switch (json.method) {
    case 'platt':
      return new PlattScaling(json.scale, json.shift);
    case 'isotonic':
      return new IsotonicRegression(json.x, json.y);
    case 'temperature':
      return new TemperatureScaling(json.temperature);
  }
}
