/**
 * What a model was trained on, recorded with it so a bundle can say which data produced it: the
 * content hash of every file read (train, validation, test, joined side files) and the rows of
 * each part after the split.
 */
import { resolve } from 'node:path';
import { fileContentHash, type ContentHash } from '../util/content-hash.js';
import type { DataConfig } from './data-config.js';

export interface DataFileFingerprint extends ContentHash {
  role: 'train' | 'validation' | 'test' | 'join';
  /** As the config names it (relative to the config's base directory). */
  file: string;
}

export interface TrainingDataFingerprint {
  files: DataFileFingerprint[];
  rows: { train: number; validation?: number; test?: number };
}

export async function trainingDataFingerprint(data: DataConfig, baseDir: string, rows: TrainingDataFingerprint['rows']): Promise<TrainingDataFingerprint> {
  const named: { role: DataFileFingerprint['role']; file: string }[] = [
    { role: 'train', file: data.train },
    ...(data.validation !== undefined ? [{ role: 'validation' as const, file: data.validation }] : []),
    ...(data.test !== undefined ? [{ role: 'test' as const, file: data.test }] : []),
    ...data.joins.map((join) => ({ role: 'join' as const, file: join.file })),
  ];
  const files = await Promise.all(named.map(async ({ role, file }) => ({ role, file, ...(await fileContentHash(resolve(baseDir, file))) })));
  return { files, rows };
}
