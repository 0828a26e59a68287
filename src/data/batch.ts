/**
 * The one batch structure every reader produces and every model consumes (TorchRec's
 * KeyedJaggedTensor idea, fixed-width): no model ever sees raw rows.
 *
 * Id conventions (see data/vocabulary.ts): for a vocabulary feature id 0 is the OOV bucket and
 * known values are 1..size-1; for a hashed feature ids are 0..buckets-1. Multi-value features
 * are padded to `maxLength` with id 0 and mask 0, so padding never reaches a model's output.
 */
export interface MultiValueBatch {
  /** [size * maxLength] ids, row-major. */
  ids: Int32Array;
  /** [size * maxLength] 1 for a real value, 0 for padding. */
  mask: Float32Array;
  maxLength: number;
}

export interface Batch {
  size: number;
  /** Single-valued categorical features: feature name -> [size] ids. */
  categorical: Map<string, Int32Array>;
  /** Multi-value and sequence features: feature name -> padded ids and mask. */
  multiValue: Map<string, MultiValueBatch>;
  /** Transformed numeric features, [size * numericNames.length], row-major. */
  dense: Float32Array;
  /** Task name -> [size] labels. */
  labels: Map<string, Float32Array>;
}

/** What a model needs to know about the encoded features (no statistics, no vocabularies). */
export interface FeatureSpec {
  /** Categorical features in schema order with their id-space size. */
  categorical: { name: string; cardinality: number }[];
  /** Multi-value features with id-space size, padded length and pooling. */
  multiValue: { name: string; cardinality: number; maxLength: number; pooling: 'mean' | 'sum' }[];
  /**
   * Behaviour sequences (absent when there are none): ids of the categorical feature
   * `vocabularyOf`, padded to maxLength, most recent last; batches carry them in `multiValue`.
   */
  sequence?: { name: string; vocabularyOf: string; cardinality: number; maxLength: number }[];
  /** Names of the numeric columns of `Batch.dense`, in order. */
  numeric: string[];
  /** Tasks with their kind; the first one is the model's main head. */
  tasks: { name: string; kind: 'binary' | 'regression' }[];
}

/** Every padded feature of a spec (multi-value and sequence), as a batch's `multiValue` holds them. */
export function paddedFeatures(spec: FeatureSpec): { name: string; maxLength: number }[] {
  return [...spec.multiValue, ...(spec.sequence ?? [])];
}
