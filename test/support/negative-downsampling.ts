/**
 * Keep every positive line and a seeded fraction of the negative ones: the negative
 * downsampling that makes a model trained on the result over-predict on the true distribution,
 * the textbook case for calibration.
 */
import { Random } from '../../src/util/random.js';

export function downsampleNegatives(lines: readonly string[], isPositive: (line: string) => boolean, keep: number, seed: number): string[] {
  const rng = new Random(seed);
  return lines.filter((line) => isPositive(line) || rng.next() < keep);
}
