/**
 * Value -> id for a categorical feature, fitted on training rows only. Id 0 is the OOV bucket
 * (unseen values and values seen fewer than `minCount` times); known values get 1..n in order of
 * descending training frequency, ties broken by first appearance, so the same rows always give
 * the same ids. Cardinality (the id-space size a model embeds) is n + 1.
 *
 *   fit(['b', 'a', 'b', 'c', 'a', 'b'], minCount 2) -> b:1 (3x), a:2 (2x); lookup('c') = 0
 */
import { ArtifactError } from '../errors.js';

/** What categorical encoders share: a vocabulary or hash buckets. */
export interface CategoryIndex {
  /** Size of the id space: ids are 0..cardinality-1. */
  readonly cardinality: number;
  lookup(value: string): number;
  toJSON(): CategoryIndexJson;
}

export interface VocabularyJson {
  kind: 'vocabulary';
  minCount: number;
  /** Known values in id order (id = index + 1). */
  values: string[];
  /** Training counts of `values`, for inspection. */
  counts: number[];
}

export interface HashBucketsJson {
  kind: 'hash';
  buckets: number;
  hash: 'fnv1a32';
}

export type CategoryIndexJson = VocabularyJson | HashBucketsJson;

/** Counts values in first-appearance order; `build` turns the counts into a Vocabulary. */
export class VocabularyCounter {
  private readonly counts = new Map<string, number>();

  add(value: string, count = 1): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + count);
  }

  build(minCount = 1): Vocabulary {
    if (!Number.isInteger(minCount) || minCount < 1) throw new RangeError(`minCount: expected a positive integer, got ${minCount}`);
    // Map iteration is insertion (first appearance) order and Array.prototype.sort is stable.
    const kept = [...this.counts].filter(([, count]) => count >= minCount).sort((a, b) => b[1] - a[1]);
    return new Vocabulary(
      kept.map(([value]) => value),
      kept.map(([, count]) => count),
      minCount,
    );
  }
}

export class Vocabulary implements CategoryIndex {
  private readonly ids = new Map<string, number>();

  constructor(
    readonly values: readonly string[],
    readonly counts: readonly number[],
    readonly minCount: number,
  ) {
    values.forEach((value, i) => {
      if (this.ids.has(value)) throw new RangeError(`Vocabulary: duplicate value '${value}'`);
      this.ids.set(value, i + 1);
    });
  }

  /** Fit on training values (in row order). */
  static fit(values: Iterable<string>, options: { minCount?: number } = {}): Vocabulary {
    const counter = new VocabularyCounter();
    for (const value of values) counter.add(value);
    return counter.build(options.minCount ?? 1);
  }

  /** Number of known values plus the OOV id. */
  get cardinality(): number {
    return this.values.length + 1;
  }

  /** The id of `value`, 0 when unknown. */
  lookup(value: string): number {
    return this.ids.get(value) ?? 0;
  }

  /** The value of a known id, undefined for 0 (OOV) or out of range. */
  valueOf(id: number): string | undefined {
    return id >= 1 ? this.values[id - 1] : undefined;
  }

  toJSON(): VocabularyJson {
    return { kind: 'vocabulary', minCount: this.minCount, values: [...this.values], counts: [...this.counts] };
  }

  static fromJSON(json: unknown): Vocabulary {
    const v = json as Partial<VocabularyJson> | null;
    if (
      !v ||
      v.kind !== 'vocabulary' ||
      !Array.isArray(v.values) ||
      !v.values.every((x) => typeof x === 'string') ||
      !Array.isArray(v.counts) ||
      v.counts.length !== v.values.length ||
      typeof v.minCount !== 'number'
    ) {
      throw new ArtifactError('not a vocabulary (expected kind, minCount, values, counts)');
    }
    return new Vocabulary(v.values, v.counts, v.minCount);
  }
}
