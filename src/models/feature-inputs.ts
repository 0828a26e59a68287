/**
 * How a model sees the batch's features: one embedding per categorical or multi-value field
 * (multi-value pooled over its mask), numeric columns either as a dense block or, for
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

/** Names of every feature of a spec: categorical, multi-value, numeric. */
export function featureNames(spec: FeatureSpec): string[] {
  return [...spec.categorical, ...spec.multiValue].map((f) => f.name).concat(spec.numeric);
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
      numeric: this.spec.numeric.filter((name) => keep.has(name)),
    };
    return new FeatureInputs(this.ctx, spec, this.initializer, this.batchNumeric);
  }

  get numericCount(): number {
    return this.spec.numeric.length;
  }

  /** Number of fields `fields()` returns. */
  fieldCount(numericAsFields: boolean): number {
    return this.spec.categorical.length + this.spec.multiValue.length + (numericAsFields ? this.numericCount : 0);
  }

  /** The names of the fields `fields()` returns, in its order. */
  fieldNames(numericAsFields: boolean): string[] {
    return [...this.spec.categorical.map((f) => f.name), ...this.spec.multiValue.map((f) => f.name), ...(numericAsFields ? this.spec.numeric : [])];
  }

  /** One (batch, dim) vector per field, from tables `${prefix}/${feature}`. */
  fields(dim: number, { prefix = 'emb', numericAsFields = false } = {}): Sym[] {
    const table = (feature: string, rows: number) =>
      new Embedding({ name: `${prefix}/${feature}`, inputDim: rows, outputDim: dim, ...(this.initializer ? { initializer: this.initializer } : {}) });
    const out = this.spec.categorical.map((f) => table(f.name, f.cardinality).apply(this.ctx, f.name));
    for (const f of this.spec.multiValue) out.push(table(f.name, f.cardinality).pooled(this.ctx, f.name, f.maxLength, f.pooling));
    if (numericAsFields && this.numericCount > 0) {
      const dense = this.dense()!;
      const vectors = this.ctx.weight(`${prefix}/numeric`, [this.numericCount, dim], this.initializer ?? { kind: 'uniform', scale: 0.05 });
      this.spec.numeric.forEach((_, i) => out.push(mul(slice(dense, 1, i, i + 1), slice(vectors, 0, i, i + 1))));
    }
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

  /** Field embeddings flattened and concatenated with the numeric columns: a DNN's input. */
  flat(dim: number, prefix = 'emb'): Sym {
    const parts = this.fields(dim, { prefix });
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
