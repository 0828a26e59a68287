/**
 * How a model sees the batch's features: one embedding per categorical, multi-value or sequence
 * field (multi-value pooled over its mask, a sequence mean-pooled from the table of the
 * categorical feature whose ids it holds, unless a model attends over it with `sequence`), numeric columns either as a dense block or, for
 * factorization models, as fields whose vector is scaled by the value, and a first-order
 * (linear) term. Tables are named by feature and purpose, so models that share embeddings
 * (DeepFM's FM and deep parts) share them by asking for the same dimension and prefix.
 */
import type { Sym } from '../engine/graph.js';
import { add, concat, matmul, mul, reduceSum, slice, unsqueeze } from '../engine/ops.js';
import type { FeatureSpec } from '../data/batch.js';
import type { BuildContext } from '../layers/build-context.js';
import { Embedding } from '../layers/embedding.js';
import type { Initializer } from '../engine/parameter-store.js';
import { ConfigError } from '../errors.js';

/** Names of every feature of a spec: categorical, multi-value, sequence, numeric. */
export function featureNames(spec: FeatureSpec): string[] {
  return [...spec.categorical, ...spec.multiValue, ...(spec.sequence ?? [])].map((f) => f.name).concat(spec.numeric);
}

/** A behaviour sequence's embedding rows, (batch, maxLength, dim), and padding mask, (batch, maxLength). */
export interface SequenceRows {
  rows: Sym;
  mask: Sym;
  /** The categorical feature whose ids (and table) the sequence holds: the candidate. */
  vocabularyOf: string;
  maxLength: number;
}

export class FeatureInputs {
  constructor(
    readonly ctx: BuildContext,
    readonly spec: FeatureSpec,
    private readonly initializer?: Initializer,
    /** The batch's numeric columns, of which `spec.numeric` may be a subset (see `select`). */
    private readonly batchNumeric: readonly string[] = spec.numeric,
  ) {}

  /** The same inputs restricted to the features `names` (e.g. one tower's), which must exist. */
  select(names: readonly string[]): FeatureInputs {
    const keep = new Set(names);
    const spec: FeatureSpec = {
      ...this.spec,
      categorical: this.spec.categorical.filter((f) => keep.has(f.name)),
      multiValue: this.spec.multiValue.filter((f) => keep.has(f.name)),
      ...(this.spec.sequence ? { sequence: this.spec.sequence.filter((f) => keep.has(f.name)) } : {}),
      numeric: this.spec.numeric.filter((name) => keep.has(name)),
    };
    return new FeatureInputs(this.ctx, spec, this.initializer, this.batchNumeric);
  }

  get numericCount(): number {
    return this.spec.numeric.length;
  }

  /** Number of fields `fields()` returns. */
  fieldCount(numericAsFields: boolean): number {
    return this.fieldNames(numericAsFields).length;
  }

  /** The names of the fields `fields()` returns, in its order. */
  fieldNames(numericAsFields: boolean): string[] {
    return [...this.spec.categorical, ...this.spec.multiValue, ...this.sequences].map((f) => f.name).concat(numericAsFields ? this.spec.numeric : []);
  }

  /** One (batch, dim) vector per field, from tables `${prefix}/${feature}`. */
  fields(dim: number, { prefix = 'emb', numericAsFields = false } = {}): Sym[] {
    const out = this.spec.categorical.map((f) => this.table(prefix, f.name, f.cardinality, dim).apply(this.ctx, f.name));
    out.push(...this.pooledFields(dim, prefix));
    if (numericAsFields && this.numericCount > 0) {
      const dense = this.dense()!;
      const vectors = this.ctx.weight(`${prefix}/numeric`, [this.numericCount, dim], this.initializer ?? { kind: 'uniform', scale: 0.05 });
      this.spec.numeric.forEach((_, i) => out.push(mul(slice(dense, 1, i, i + 1), slice(vectors, 0, i, i + 1))));
    }
    return out;
  }

  private table(prefix: string, feature: string, rows: number, dim: number): Embedding {
    return new Embedding({ name: `${prefix}/${feature}`, inputDim: rows, outputDim: dim, ...(this.initializer ? { initializer: this.initializer } : {}) });
  }

  /** The (batch, dim) vectors of the multi-value and sequence fields, pooled. */
  private pooledFields(dim: number, prefix: string): Sym[] {
    const out = this.spec.multiValue.map((f) => this.table(prefix, f.name, f.cardinality, dim).pooled(this.ctx, f.name, f.maxLength, f.pooling));
    for (const f of this.sequences) out.push(this.table(prefix, f.vocabularyOf, f.cardinality, dim).pooled(this.ctx, f.name, f.maxLength, 'mean'));
    return out;
  }

  /**
   * The (batch, dim) embedding of one categorical feature a model names in its config (NCF's user
   * and item), from table `${prefix}/${feature}`; `configField` is that config field.
   */
  field(feature: string, dim: number, prefix: string, configField: string): Sym {
    const found = this.spec.categorical.find((f) => f.name === feature);
    if (!found) {
      const names = this.spec.categorical.map((f) => f.name).join(', ') || '(none)';
      throw new ConfigError(`model.${configField}: '${feature}' is not a categorical feature; one of: ${names}`, { field: `model.${configField}` });
    }
    return new Embedding({ name: `${prefix}/${feature}`, inputDim: found.cardinality, outputDim: dim, ...(this.initializer ? { initializer: this.initializer } : {}) }).apply(this.ctx, feature);
  }

  /**
   * The unpooled rows of sequence feature `feature` from table `${prefix}/${vocabularyOf}`, the
   * table `field(vocabularyOf, ...)` reads: history and candidate are one table. `configField`
   * is the model's config field naming the sequence.
   */
  sequence(feature: string, dim: number, prefix: string, configField: string): SequenceRows {
    const { found, table } = this.sequenceTable(feature, dim, prefix, configField);
    return { rows: table.sequence(this.ctx, feature, found.maxLength), mask: this.ctx.mask(feature, found.maxLength), vocabularyOf: found.vocabularyOf, maxLength: found.maxLength };
  }

  /**
   * Training only: rows of random ids of the table `sequence(feature, ...)` reads, at each real
   * position of the sequence, (batch, maxLength, dim): negatives for an auxiliary loss (DIEN).
   */
  sequenceNegatives(feature: string, dim: number, prefix: string, configField: string): Sym {
    const { found, table } = this.sequenceTable(feature, dim, prefix, configField);
    return table.negatives(this.ctx, feature, found.maxLength);
  }

  private sequenceTable(feature: string, dim: number, prefix: string, configField: string): { found: NonNullable<FeatureSpec['sequence']>[number]; table: Embedding } {
    const found = this.sequences.find((f) => f.name === feature);
    if (!found) {
      const names = this.sequences.map((f) => f.name).join(', ') || '(none; add a feature with type: sequence)';
      throw new ConfigError(`model.${configField}: '${feature}' is not a sequence feature; one of: ${names}`, { field: `model.${configField}` });
    }
    const table = new Embedding({ name: `${prefix}/${found.vocabularyOf}`, inputDim: found.cardinality, outputDim: dim, ...(this.initializer ? { initializer: this.initializer } : {}) });
    return { found, table };
  }

  private get sequences(): NonNullable<FeatureSpec['sequence']> {
    return this.spec.sequence ?? [];
  }

  /** Fields stacked as (batch, F, dim). */
  stacked(fields: readonly Sym[]): Sym {
    return concat(fields.map((f) => unsqueeze(f, [1])), 1);
  }

  /** Numeric columns, (batch, numeric), or undefined when there are none. */
  dense(): Sym | undefined {
    if (this.numericCount === 0) return undefined;
    const all = this.ctx.dense(this.batchNumeric.length);
    if (this.numericCount === this.batchNumeric.length) return all;
    return concat(
      this.spec.numeric.map((name) => {
        const i = this.batchNumeric.indexOf(name);
        return slice(all, 1, i, i + 1);
      }),
      1,
    );
  }

  /**
   * Field embeddings flattened and concatenated with the numeric columns: a DNN's input. The
   * single-id fields, which lead, come as one block (BuildContext.embeddingBlock).
   */
  flat(dim: number, prefix = 'emb'): Sym {
    const singles = this.ctx.embeddingBlock(this.spec.categorical.map((f) => this.table(prefix, f.name, f.cardinality, dim).part(this.ctx, f.name)));
    const parts = [...singles, ...this.pooledFields(dim, prefix)];
    const dense = this.dense();
    return concat(dense ? [...parts, dense] : parts, 1);
  }

  /** First-order term Σ w_i x_i + b, (batch, 1): one-dimensional embeddings plus a numeric weight. */
  linear(prefix = 'linear'): Sym {
    const weights = this.fields(1, { prefix });
    let sum = reduceSum(concat(weights, 1), [1], true);
    const dense = this.dense();
    if (dense) sum = add(sum, matmul(dense, this.ctx.weight(`${prefix}/numeric`, [this.numericCount, 1], { kind: 'zeros' })));
    return add(sum, this.ctx.weight(`${prefix}/bias`, [1], { kind: 'zeros' }, 0));
  }
}
