/**
 * The one sort every ranking metric needs: row indices ordered by (group, score, index).
 * Rows of a group become one contiguous run, so a single O(n log n) index sort serves every
 * group at once and groups need not be contiguous or sorted in the input. Equal scores keep
 * their original order (lower index first), which makes every metric deterministic.
 */
export type ScoreDirection = 'ascending' | 'descending';

/**
 * Indices 0..n-1 sorted by ascending group id (if `groups` is given), then by score in
 * `direction`, then by ascending index. Scores must not contain NaN.
 */
export function orderByScore(
  scores: ArrayLike<number>,
  direction: ScoreDirection,
  groups?: ArrayLike<number>,
): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const sign = direction === 'ascending' ? 1 : -1;
  // `x - y || ...` falls through on 0 and on NaN (Infinity - Infinity), i.e. on equal scores.
  if (groups) {
    order.sort((a, b) => groups[a] - groups[b] || sign * (scores[a] - scores[b]) || a - b);
  } else {
    order.sort((a, b) => sign * (scores[a] - scores[b]) || a - b);
  }
  return order;
}

/** End (exclusive) of the run of rows in `order` that share the group of `order[start]`. */
export function groupRunEnd(order: Uint32Array, groups: ArrayLike<number>, start: number): number {
  const group = groups[order[start]];
  let end = start + 1;
  while (end < order.length && groups[order[end]] === group) end++;
  return end;
}
