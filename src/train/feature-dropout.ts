/**
 * Per-feature dropout for cold start (`train.featureDropout: { user: 0.3 }`): during training each
 * row's id of a named vocabulary feature is replaced, with probability p, by the OOV id 0.
 *
 * Why the OOV id rather than a zeroed embedding: serving maps an unknown user to id 0, so the row
 * that serving reads for a cold-start user is exactly the row that dropped rows train — it learns
 * the "any user" embedding, and the rest of the model learns to rank from the other features when
 * the id says nothing. A zeroed embedding would teach the model a vector serving never uses, and
 * the untrained OOV row would still be what unknown users get. Since the dropped ids go through
 * the ordinary lookup, the row-sparse update gives row 0 the gradients of the dropped rows with no
 * special case. No rescaling by 1/(1-p) either: ids are replaced, not scaled.
 *
 * Only the trainer applies it; evaluation, prediction and export read the batch as it is. Why it
 * is a train option and not a field of the feature: the feature section is the saved pipeline that
 * serving replays, and this changes training only.
 *
 * Masks are drawn from a stream seeded by (train seed, step), not from the shuffling stream, so
 * the same seed gives the same run, a resumed run draws the same masks, and turning dropout on
 * leaves the shuffling and initialisation of a comparison run unchanged.
 */
import type { Batch, FeatureSpec } from '../data/batch.js';
import { ConfigError } from '../errors.js';
import { Random } from '../util/random.js';

/** The id every vocabulary feature reserves for values unseen in training (data/vocabulary.ts). */
const OOV_ID = 0;

export class FeatureDropout {
  private readonly rates: [string, number][];
  private readonly buffers = new Map<string, Int32Array>();

  /** `rates`: feature name -> probability in [0, 1) of replacing a row's id by the OOV id. */
  constructor(
    rates: Readonly<Record<string, number>>,
    spec: Pick<FeatureSpec, 'categorical'>,
    private readonly seed: number,
  ) {
    const known = spec.categorical.map((c) => c.name);
    for (const [name, rate] of Object.entries(rates)) {
      if (!known.includes(name)) {
        throw new ConfigError(`'${name}' is not a single-valued categorical feature of the model; one of: ${known.join(', ') || '(none)'}`, { field: `train.featureDropout.${name}` });
      }
      if (!(rate >= 0 && rate < 1)) throw new ConfigError(`expected a fraction in [0, 1), got ${rate}`, { field: `train.featureDropout.${name}` });
    }
    this.rates = Object.entries(rates).filter(([, rate]) => rate > 0);
  }

  get active(): boolean {
    return this.rates.length > 0;
  }

  /**
   * The batch of training step `step` with the dropped ids replaced by the OOV id. The input batch
   * is left as it is (sources may hand out the same batch every epoch); the returned one shares
   * everything but the dropped features' ids and is valid until the next call.
   */
  apply(batch: Batch, step: number): Batch {
    if (!this.active) return batch;
    const rng = new Random(Math.imul(this.seed, 0x9e3779b1) ^ step);
    const categorical = new Map(batch.categorical);
    for (const [name, rate] of this.rates) {
      const ids = batch.categorical.get(name);
      if (!ids) throw new ConfigError(`train.featureDropout names '${name}', which the batch does not provide`, { field: `train.featureDropout.${name}` });
      const out = this.buffer(name, batch.size);
      for (let i = 0; i < batch.size; i++) out[i] = rng.next() < rate ? OOV_ID : ids[i]!;
      categorical.set(name, out);
    }
    return { ...batch, categorical };
  }

  private buffer(name: string, size: number): Int32Array {
    let b = this.buffers.get(name);
    if (!b || b.length < size) {
      b = new Int32Array(size);
      this.buffers.set(name, b);
    }
    return b.subarray(0, size);
  }
}
