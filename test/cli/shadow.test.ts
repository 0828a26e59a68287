/**
 * `deeprank shadow` end to end: two bundles built from the bundle fixtures score the score file
 * through the CLI; the summary and the JSON report agree, a utility that doubles the same
 * calibrated score shifts the distribution but not the ranking, and bad input (not exactly two
 * --bundle options, a missing column) is one error line with exit 2 and no report written.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createBundle } from '../../src/bundle/create-bundle.js';
import type { ShadowReport } from '../../src/shadow/shadow-comparison.js';
import { bundleFixtures, type BundleFixtures } from '../bundle/bundle-fixtures.js';
import { assertCliError, listTree, runCli } from './cli-fixtures.js';

let f: BundleFixtures;

before(async () => {
  f = await bundleFixtures();
  await writeFile(join(f.root, 'utility.yaml'), 'version: double-1\nterms:\n  click: 2\n');
  await createBundle(f.dnn, join(f.root, 'a'));
  await createBundle(f.dnn, join(f.root, 'doubled'), { utility: join(f.root, 'utility.yaml') });
  await createBundle(f.smallerVocab, join(f.root, 'b'), { archive: join(f.root, 'b.tar') });
});
after(() => f.cleanup());

test('shadow prints a summary and writes the same report as JSON', async () => {
  const run = await runCli(['shadow', '--bundle', 'a', '--bundle', 'b.tar', '--data', 'score.csv', '--group-by', 'user', '--k', '5', '--top', '3', '--out', 'reports/shadow.json'], f.root);
  assert.equal(run.code, 0, run.stderr);
  console.log(`deeprank shadow --bundle a --bundle b.tar --data score.csv --group-by user --k 5 --top 3:\n${run.stdout.trimEnd()}`);
  const report = JSON.parse(await readFile(join(f.root, 'reports', 'shadow.json'), 'utf8')) as ShadowReport;
  assert.equal(report.rows, 300);
  assert.equal(report.groupBy, 'user');
  assert.equal(report.disagreements.length, 3);
  assert.match(run.stdout, /^A +a \(dnn: click\)$/m);
  assert.match(run.stdout, /^B +b\.tar \(dnn: click\)$/m);
  assert.match(run.stdout, /^data +score\.csv: 300 rows, 12 requests by user, 12 with >= 2 candidates$/m);
  const { meanJaccardAtK, meanKendallTauB } = report.overlap;
  assert.ok(run.stdout.includes(`overlap mean Jaccard@5 ${meanJaccardAtK.toFixed(4)}, mean Kendall tau-b ${meanKendallTauB.toFixed(4)} (12 requests)`));
  const score = report.shifts[0]!;
  assert.match(run.stdout, new RegExp(`^score +${score.a.mean.toFixed(4)} +${score.b.mean.toFixed(4)} .* ${score.ks.toFixed(4)} +\\S+ +${score.psi.toFixed(4)}$`, 'm'));
  const d = report.disagreements[0]!;
  assert.match(run.stdout, new RegExp(`^${d.row} +${d.request} +${d.scoreA.toFixed(4)} +${d.scoreB.toFixed(4)} +[+-]${Math.abs(d.difference).toFixed(4)} +${d.rankA} +${d.rankB} +user=${d.values.user} item=${d.values.item} price=${d.values.price}$`, 'm'));
  assert.match(run.stdout, /^report written to reports\/shadow\.json$/m);
  assert.deepEqual((await listTree(join(f.root, 'reports'))), ['shadow.json'], 'no temp file left');
});

test('a utility that doubles the same score shifts the distribution but keeps every ranking', async () => {
  const run = await runCli(['shadow', '--bundle', 'a', '--bundle', 'doubled', '--data', 'score.csv', '--group-by', 'user', '--out', 'doubled.json'], f.root);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(await readFile(join(f.root, 'doubled.json'), 'utf8')) as ShadowReport;
  const [score, click] = report.shifts;
  assert.ok(score!.ks > 0.3, `KS ${score!.ks}`);
  assert.ok(Math.abs(score!.b.mean - 2 * score!.a.mean) < 1e-6);
  assert.deepEqual([click!.name, click!.ks, click!.psi], ['click', 0, 0], 'the calibrated task is the same');
  assert.deepEqual(report.overlap, { k: 10, meanJaccardAtK: 1, meanKendallTauB: 1, tauRequests: 12 });
  assert.ok(report.disagreements.every((d) => d.rankA === d.rankB && Math.abs(d.scoreB - 2 * d.scoreA) < 1e-6));
  assert.match(run.stdout, /overlap mean Jaccard@10 1\.0000, mean Kendall tau-b 1\.0000/);
});

test('a bundle against itself: no disagreements', async () => {
  const run = await runCli(['shadow', '--bundle', 'a', '--bundle', 'a', '--data', 'score.csv'], f.root);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^data +score\.csv: 300 rows, one request \(no --group-by\)$/m);
  assert.match(run.stdout, /^score +(\S+) +\1 .* 0\.0000 +1\.000 +0\.0000$/m);
  assert.match(run.stdout, /^largest disagreements: none \(every row scores the same\)$/m);
});

test('bad input: one error line, exit 2, no report', async () => {
  const before = await listTree(f.root);
  assertCliError(await runCli(['shadow', '--bundle', 'a', '--data', 'score.csv', '--out', 'x.json'], f.root), { field: '--bundle', message: /exactly two --bundle options .*got 1$/ });
  assertCliError(await runCli(['shadow', '--bundle', 'a', '--bundle', 'b', '--bundle', 'doubled', '--data', 'score.csv', '--out', 'x.json'], f.root), { field: '--bundle', message: /got 3$/ });
  assertCliError(await runCli(['shadow', '--bundle', 'a', '--bundle', 'nope', '--data', 'score.csv', '--out', 'x.json'], f.root), { file: 'nope', message: /no bundle at this path/ });
  assertCliError(await runCli(['shadow', '--bundle', 'a', '--bundle', 'b', '--data', 'score.csv', '--group-by', 'session', '--out', 'x.json'], f.root), { file: 'score.csv', field: 'session', message: /unknown column 'session'/ });
  const withoutItem = (await readFile(f.scoreFile, 'utf8')).split('\n').map((line) => line.split(',').filter((_, i) => i !== 3).join(',')).join('\n');
  await writeFile(join(f.root, 'no-item.csv'), withoutItem);
  assertCliError(await runCli(['shadow', '--bundle', 'a', '--bundle', 'b', '--data', 'no-item.csv', '--out', 'x.json'], f.root), { file: 'no-item.csv', field: 'item' });
  assert.deepEqual(await listTree(f.root), [...before, 'no-item.csv'].sort(), 'no report written');
});
