/**
 * `deeprank bench-models --data frappe`: a named leaderboard shipped in examples/
 * (`<name>-leaderboard.yaml`) or a leaderboard file of the user's; data paths resolve against the
 * working directory, as in every other command.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLeaderboard, runLeaderboard, writeLeaderboard, leaderboardMarkdown, type LeaderboardRow } from '../leaderboard/leaderboard.js';
import { progressCallbacks } from './progress.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

export function leaderboardFile(data: string): string {
  const named = join(EXAMPLES, `${data}-leaderboard.yaml`);
  return /^[\w-]+$/.test(data) && existsSync(named) ? named : resolve(data);
}

export async function benchModelsCommand(options: { data: string; out?: string; models?: string; threads?: number }): Promise<LeaderboardRow[]> {
  const only = options.models?.split(',').map((m) => m.trim());
  const board = await readLeaderboard(leaderboardFile(options.data), only);
  const rows = await runLeaderboard(board, { baseDir: process.cwd(), ...(options.threads ? { threads: options.threads } : {}), callbacks: (name) => progressCallbacks(name) });
  const outDir = resolve(options.out ?? `leaderboard-${options.data.replace(/\W+/g, '-')}`);
  await writeLeaderboard(outDir, board, rows);
  console.log(leaderboardMarkdown(board, rows));
  console.log(`\nleaderboard: ${join(outDir, 'leaderboard.md')} (chart: leaderboard.svg, data: leaderboard.json)`);
  return rows;
}
