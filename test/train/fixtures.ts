/** Shared helpers of the train tests: tolerances, tiny data sets, exact-step batch sources, temp dirs. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Batch, FeatureSpec } from '../../src/data/batch.js';
import type { BatchSource } from '../../src/train/predict.js';
import { TrainConfigSchema, type TrainConfig } from '../../src/train/train-config.js';
import { Random } from '../../src/util/random.js';
import { MemorySource } from '../support/memory-source.js';

/** |actual - expected| <= tolerance · max(1, |expected|). */
export function assertClose(actual: number, expected: number, tolerance: number, what = 'value'): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: expected ${expected}, got ${actual}`);
}

export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what = 'value'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) assertClose(actual[i]!, expected[i]!, tolerance, `${what}[${i}]`);
}

/** Every tensor of `a` equals the one of the same name in `b`, bit for bit. */
export function assertSameTensors(a: ReadonlyMap<string, Float32Array>, b: ReadonlyMap<string, Float32Array>): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, data] of a) assert.ok(Buffer.compare(Buffer.from(data.buffer, data.byteOffset, data.byteLength), Buffer.from(b.get(name)!.buffer, b.get(name)!.byteOffset, b.get(name)!.byteLength)) === 0, `tensor '${name}' differs`);
}

export function range(n: number, start = 0): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => start + i);
}

export function trainConfig(config: Record<string, unknown>): TrainConfig {
  return TrainConfigSchema.parse({ threads: 1, ...config });
}

/** Two categorical features (a, b: 10 ids each), one numeric x and a click label depending on a XOR b. */
export const xorSpec: FeatureSpec = {
  categorical: [
    { name: 'a', cardinality: 10 },
    { name: 'b', cardinality: 10 },
  ],
  multiValue: [],
  numeric: ['x'],
  tasks: [{ name: 'click', kind: 'binary' }],
};

export function xorSource(n: number, seed: number): MemorySource {
  const rng = new Random(seed);
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  const y = new Float32Array(n);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = rng.int(10);
    b[i] = rng.int(10);
    x[i] = rng.normal();
    const logit = ((a[i]! % 2) ^ (b[i]! % 2) ? 2 : -2) + x[i]!;
    y[i] = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return new MemorySource({ categorical: { a, b }, dense: { names: ['x'], values: x }, labels: { click: y } });
}

/**
 * A BatchSource that yields its batches in the given order whatever rows are asked for, so a
 * test controls exactly what each training step sees (shuffling cannot reorder them).
 */
export class FixedBatches implements BatchSource {
  readonly numRows: number;
  constructor(private readonly list: readonly Batch[]) {
    this.numRows = list.reduce((n, b) => n + b.size, 0);
  }

  *batches(): Iterable<Batch> {
    yield* this.list;
  }
}

/** A batch from plain arrays: categorical ids, multi-value id lists (padded with id 0, mask 0), numeric rows, labels. */
export function makeBatch({
  categorical = {},
  multiValue = {},
  dense = [],
  labels,
}: {
  categorical?: Record<string, number[]>;
  multiValue?: Record<string, { maxLength: number; lists: number[][] }>;
  dense?: number[][];
  labels: Record<string, number[]>;
}): Batch {
  const size = Object.values(labels)[0]!.length;
  const multi = new Map(
    Object.entries(multiValue).map(([name, { maxLength, lists }]) => {
      const ids = new Int32Array(size * maxLength);
      const mask = new Float32Array(size * maxLength);
      lists.forEach((list, i) =>
        list.forEach((id, j) => {
          ids[i * maxLength + j] = id;
          mask[i * maxLength + j] = 1;
        }),
      );
      return [name, { ids, mask, maxLength }];
    }),
  );
  return {
    size,
    categorical: new Map(Object.entries(categorical).map(([name, ids]) => [name, Int32Array.from(ids)])),
    multiValue: multi,
    dense: Float32Array.from(dense.flat()),
    labels: new Map(Object.entries(labels).map(([name, y]) => [name, Float32Array.from(y)])),
  };
}

/** Run `fn` with a fresh temp directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'deeprank-train-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
