/**
 * `deeprank bench-models` on a user's leaderboard file over the small synthetic click log: the
 * table, the chart and the JSON agree on the models run; `--models` picks a subset; a bad entry is
 * refused before anything trains, naming the entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertCliError, clickLogConfig, clickLogCsv, runCli, workDir, writeConfig } from './cli-fixtures.js';

async function setup(t: Parameters<typeof workDir>[0], models: unknown[]) {
  const dir = await workDir(t);
  await writeFile(join(dir, 'train.csv'), clickLogCsv({ rows: 3000, seed: 3 }));
  const { model: _model, train: _train, ...dataset } = clickLogConfig();
  await writeConfig(dir, { ...dataset, model: { type: 'lr' } }, 'dataset.yaml');
  await writeConfig(dir, { dataset: 'dataset.yaml', embeddingDim: 4, reference: 'FM', train: { epochs: 2, batchSize: 128, seed: 1 }, models }, 'board.yaml');
  return dir;
}

const MODELS = [
  { name: 'LR', model: { type: 'lr' }, train: { optimizer: { type: 'adam', learningRate: 0.05 } } },
  { name: 'FM', model: { type: 'fm' } },
  { name: 'DCN-Mix', model: { type: 'dcn-mix', hiddenUnits: [16], numExperts: 2, lowRank: 4 } },
  { name: 'AFM', model: { type: 'afm', attentionUnits: 4 } },
];

test('bench-models writes a Markdown table, an SVG bar chart and JSON for the chosen models', async (t) => {
  const dir = await setup(t, MODELS);
  const run = await runCli(['bench-models', '--data', 'board.yaml', '--out', 'lb', '--models', 'LR,FM,AFM'], dir);
  assert.equal(run.code, 0, run.stderr);
  const table = await readFile(join(dir, 'lb', 'leaderboard.md'), 'utf8');
  assert.match(table, /^\| model \| type \| test AUC \| vs FM \| test logloss \| parameters \| train time \(s\) \| best epoch \|$/m);
  for (const [name, type] of [['LR', 'lr'], ['FM', 'fm'], ['AFM', 'afm']]) {
    assert.match(table, new RegExp(`^\\| ${name} \\| ${type} \\| 0\\.\\d{4} \\| (—|[+-]\\d\\.\\d{4}) \\| \\d\\.\\d{4} \\| [\\d,]+ \\| \\d+\\.\\d \\| [12] \\|$`, 'm'), `row for ${name}:\n${table}`);
  }
  assert.doesNotMatch(table, /DCN-Mix/);
  const json = JSON.parse(await readFile(join(dir, 'lb', 'leaderboard.json'), 'utf8'));
  assert.deepEqual(json.results.map((r: { name: string }) => r.name), ['LR', 'FM', 'AFM']);
  const svg = await readFile(join(dir, 'lb', 'leaderboard.svg'), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal(svg.match(/<rect x=/g)?.length, 3, 'one bar per model');
  for (const r of json.results as { name: string; testAuc: number }[]) assert.ok(svg.includes(`>${r.name}</text>`) && svg.includes(`>${r.testAuc.toFixed(4)}</text>`), `bar for ${r.name}`);
});

test('bench-models refuses a bad entry before training, naming it', async (t) => {
  const dir = await setup(t, [...MODELS, { name: 'Broken', model: { type: 'dcn-mix', numExperts: 0 } }]);
  assertCliError(await runCli(['bench-models', '--data', 'board.yaml', '--out', 'lb'], dir), { file: 'board.yaml', field: 'models.4.model.numExperts', message: /model 'Broken'/ });
  assert.ok(!existsSync(join(dir, 'lb')), 'nothing written');
  assertCliError(await runCli(['bench-models', '--data', 'board.yaml', '--models', 'LR,XGBoost'], dir), { field: '--models', message: /no model named XGBoost/ });
  assertCliError(await runCli(['bench-models', '--data', 'nowhere.yaml'], dir), { file: 'nowhere.yaml', message: /file not found/ });
});
