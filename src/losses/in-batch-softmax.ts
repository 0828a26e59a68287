/**
 * In-batch sampled softmax for retrieval (Yi et al. 2019, "Sampling-bias-corrected neural
 * modeling for large corpus item recommendations"). A batch holds B positive (user, item) pairs;
 * every other item of the batch is a negative of user b:
 *
 *   S_bj = s(u_b, v_j) / τ − log q_j,    L = −(1/B) Σ_b log softmax(S_b)_b
 *
 * Popular items are sampled as negatives more often than uniform; subtracting log q_j (item j's
 * sampling probability) corrects the resulting bias toward unpopular items (log-q correction).
 *
 * Example (τ = 1, no correction): s = [[1, 0, 0], [0, 1, 0], [0, 0, 1]] gives
 * L = log(e + 2) − 1 = 0.551445.
 */
import type { Sym } from '../engine/graph.js';
import { eyeLike, reduceMean, scale, softmaxCrossEntropy, sub, transpose } from '../engine/ops.js';
import { ConfigError } from '../errors.js';

export interface InBatchSoftmaxOptions {
  /** τ: the similarities are divided by it (a cosine in [-1, 1] needs τ well below 1 to be peaked). */
  temperature?: number;
  /** log q of the batch's items, (batch, 1), subtracted from their columns. */
  logQ?: Sym;
}

/** The mean loss over the batch, a scalar, from the (batch, batch) similarities s(u_b, v_j). */
export function inBatchSoftmaxLoss(similarities: Sym, { temperature = 1, logQ }: InBatchSoftmaxOptions = {}): Sym {
  if (similarities.rank !== 2 || similarities.shape[0] !== similarities.shape[1]) {
    throw new ConfigError(`in-batch softmax: similarities must be (batch, batch), got [${similarities.shape}]`);
  }
  if (!(temperature > 0)) throw new ConfigError(`in-batch softmax: temperature must be > 0, got ${temperature}`, { field: 'temperature' });
  const logits = scale(similarities, 1 / temperature);
  const corrected = logQ ? sub(logits, transpose(logQ, [1, 0])) : logits;
  return reduceMean(softmaxCrossEntropy(corrected, eyeLike(corrected)), [0]);
}
