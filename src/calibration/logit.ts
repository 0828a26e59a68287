/**
 * The logit of a model's probability, the scale Platt and temperature scaling work on. The
 * served graph outputs sigmoid(logit) in float32, so 0 and 1 occur; clipping to [eps, 1 - eps]
 * keeps their logit finite (about ±16 for eps = 1e-7).
 */
export const PROBABILITY_EPS = 1e-7;

export function logit(p: number): number {
  const q = Math.min(Math.max(p, PROBABILITY_EPS), 1 - PROBABILITY_EPS);
  return Math.log(q / (1 - q));
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}
