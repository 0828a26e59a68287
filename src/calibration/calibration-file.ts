/**
 * calibration.json in a model directory: one SegmentedCalibration per task head, keyed by task
 * name, with what it was fitted on. Fitting one task replaces only that task's entry. Written
 * atomically; read back with validation, so a hand-edited file fails with the field named.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ArtifactError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { CALIBRATION_METHODS, CalibratorJsonSchema } from './calibrator.js';
import { SegmentedCalibration, type SegmentedCalibrationJson } from './segmented-calibration.js';
import type { CalibrationSummary } from './calibration-summary.js';

export const CALIBRATION_FILE = 'calibration.json';
export const CALIBRATION_FORMAT = 'deeprank-calibration';
export const CALIBRATION_FORMAT_VERSION = 1;

const SummarySchema = z.strictObject({ ece: z.number(), ratio: z.number().nullable(), logloss: z.number() });

const TaskCalibrationSchema = z.strictObject({
  method: z.enum(CALIBRATION_METHODS),
  global: CalibratorJsonSchema,
  segmentBy: z.string().optional(),
  minSegmentSize: z.number().int().positive().optional(),
  segments: z.record(z.string(), CalibratorJsonSchema).optional(),
  fittedOn: z.strictObject({ file: z.string(), rows: z.number().int(), bins: z.number().int(), before: SummarySchema, after: SummarySchema }),
});

const CalibrationFileSchema = z.strictObject({
  format: z.literal(CALIBRATION_FORMAT),
  version: z.literal(CALIBRATION_FORMAT_VERSION),
  createdAt: z.string(),
  tasks: z.record(z.string(), TaskCalibrationSchema),
});

/** What a calibration was fitted on, and how calibrated the fitting rows were before and after. */
export interface CalibrationProvenance {
  file: string;
  rows: number;
  bins: number;
  before: CalibrationSummary;
  after: CalibrationSummary;
}

export type TaskCalibrationJson = SegmentedCalibrationJson & { fittedOn: CalibrationProvenance };

/** The calibration of each task, by task name; empty when the model was never calibrated. */
export async function loadCalibration(modelDir: string): Promise<Map<string, SegmentedCalibration>> {
  const entries = await readCalibrationEntries(modelDir);
  return new Map(Object.entries(entries).map(([task, json]) => [task, SegmentedCalibration.fromJson(json)]));
}

async function readCalibrationEntries(modelDir: string): Promise<Record<string, TaskCalibrationJson>> {
  const path = join(modelDir, CALIBRATION_FILE);
  if (!existsSync(path)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ArtifactError(`unreadable calibration: ${(error as Error).message}`, { file: path });
  }
  const parsed = CalibrationFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ArtifactError(`invalid calibration: ${issue.message}`, { file: path, field: issue.path.join('.') });
  }
  return parsed.data.tasks as Record<string, TaskCalibrationJson>;
}

/** Save `calibration` as `task`'s entry, keeping the other tasks' entries. */
export async function saveCalibration(modelDir: string, task: string, calibration: SegmentedCalibration, fittedOn: CalibrationProvenance): Promise<void> {
  const tasks = await readCalibrationEntries(modelDir);
  tasks[task] = { ...calibration.toJSON(), fittedOn };
  await writeJsonAtomic(join(modelDir, CALIBRATION_FILE), {
    format: CALIBRATION_FORMAT,
    version: CALIBRATION_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    tasks,
  });
}
