/**
 * The shipped Frappe leaderboard (examples/frappe-leaderboard.yaml, embedding dim 10, the seeded
 * 80/10/10 split), exactly as `deeprank bench-models --data frappe` runs it: every deep model must
 * beat FM on test AUC by at least 0.002, and FM must beat LR.
 * The table is printed for the CI log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { leaderboardMarkdown, readLeaderboard, runLeaderboard } from '../../src/leaderboard/leaderboard.js';
import { realDataSkip } from '../support/real-data.js';
import { repoRoot } from '../support/repo-root.js';

const skip = realDataSkip('frappe/frappe.validation.libfm');
const SHALLOW = ['LR', 'FM'];

test('Frappe leaderboard: every deep model beats FM by 0.002 test AUC, FM beats LR', { skip, timeout: 900_000 }, async () => {
  const board = await readLeaderboard(join(repoRoot(), 'examples', 'frappe-leaderboard.yaml'));
  const rows = await runLeaderboard(board, { baseDir: repoRoot(), threads: 1 });
  console.log(leaderboardMarkdown(board, rows));
  const row = (name: string) => rows.find((r) => r.name === name)!;
  const auc = (name: string) => row(name).testAuc;
  assert.ok(auc('FM') > auc('LR'), `FM ${auc('FM')} does not beat LR ${auc('LR')}`);
  const losing = rows.filter((r) => !SHALLOW.includes(r.name) && r.testAuc < auc('FM') + 0.002);
  assert.deepEqual(losing.map((r) => `${r.name} ${r.testAuc.toFixed(4)}`), [], `deep models not beating FM ${auc('FM').toFixed(4)} + 0.002`);
  assert.equal(rows.length, 15);
});
