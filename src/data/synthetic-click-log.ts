/**
 * The embedded default dataset of `deeprank demo`: a synthetic click log whose clicks come from
 * known feature crosses, so which model learns them is checkable (in the spirit of the keras-rs
 * DCN toy example). The true logit is
 *   -0.5 + 2.5 <p_user, q_item> + 3.1 (bananas·cookbooks) + 0.4 bananas + 0.7 cookbooks + c_country
 * with hidden user/item factors p, q ~ N(0, 1/√k): the user×item term is a dot product of
 * embeddings (which a DCN-v2 cross layer represents exactly and an MLP only approximates) and the
 * bananas×cookbooks term is the tutorial's multiplicative cross.
 */
import { Random } from '../util/random.js';

export interface SyntheticClickLogOptions {
  rows?: number;
  users?: number;
  items?: number;
  countries?: number;
  factors?: number;
  seed?: number;
}

export const SYNTHETIC_COLUMNS = ['click', 'user', 'item', 'country', 'device', 'bananas', 'cookbooks'] as const;

/** Rows of the synthetic log as CSV text with a header. */
export function syntheticClickLogCsv(options: SyntheticClickLogOptions = {}): string {
  const { rows = 100_000, users = 400, items = 200, countries = 50, factors = 4, seed = 2026 } = options;
  const rng = new Random(seed);
  const scale = 1 / Math.sqrt(factors);
  const p = Float64Array.from({ length: users * factors }, () => rng.normal() * scale);
  const q = Float64Array.from({ length: items * factors }, () => rng.normal() * scale);
  const countryEffect = Float64Array.from({ length: countries }, () => rng.normal() * 0.3);
  const lines = [SYNTHETIC_COLUMNS.join(',')];
  for (let r = 0; r < rows; r++) {
    const u = rng.int(users);
    const i = rng.int(items);
    const c = rng.int(countries);
    const device = ['ios', 'android', 'web'][rng.int(3)]!;
    const bananas = rng.int(24);
    const cookbooks = rng.int(6);
    let dot = 0;
    for (let k = 0; k < factors; k++) dot += p[u * factors + k]! * q[i * factors + k]!;
    const b = bananas / 23;
    const k = cookbooks / 5;
    const logit = -0.5 + 2.5 * dot * Math.sqrt(factors) + 3.1 * b * k + 0.4 * b + 0.7 * k - 1.2 + countryEffect[c]!;
    const click = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    lines.push(`${click},u${u},i${i},c${c},${device},${bananas},${cookbooks}`);
  }
  return lines.join('\n') + '\n';
}
