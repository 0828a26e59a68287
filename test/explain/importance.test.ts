/**
 * Feature ablation and permutation importance on a log whose clicks depend on a, b and x only:
 * both rank those above the noise features, whose drop is about 0; same seed, same numbers;
 * ablation sets exactly the encoded missing values; groups parse with errors naming --groups.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadBundle, type Bundle } from '../../src/bundle/load-bundle.js';
import { loadWithPipeline } from '../../src/data/load-dataset.js';
import { explainBundle } from '../../src/explain/explain-bundle.js';
import { parseFeatureGroups, withMissing } from '../../src/explain/feature-ablation.js';
import { withPermuted } from '../../src/explain/permutation-importance.js';
import { ConfigError } from '../../src/errors.js';
import { BundleScorer } from '../../src/bundle/bundle-scorer.js';
import { createBundle } from '../../src/bundle/create-bundle.js';
import { readColumnWithPipeline } from '../../src/data/load-dataset.js';
import { evaluateMetric } from '../../src/metrics/index.js';
import { join } from 'node:path';
import { runCli } from '../cli/cli-fixtures.js';
import { explainFixtures, relevanceConfig, type ExplainFixtures } from './explain-fixtures.js';

let fixtures: ExplainFixtures;
let bundle: Bundle;

before(async () => {
  fixtures = await explainFixtures();
  bundle = await loadBundle(await fixtures.bundle('dnn', relevanceConfig({ type: 'dnn', embeddingDim: 4, hiddenUnits: [16] })));
});
after(() => fixtures.cleanup());

test('ablation and permutation rank the features the label depends on above the noise ones', async () => {
  const started = performance.now();
  const explanation = await explainBundle(bundle, fixtures.scoreFile, { threads: 1, repeats: 3, seed: 5 });
  console.log(`explain dnn: ${explanation.rows} rows, ${explanation.metric.name} ${explanation.metric.value.toFixed(4)}, ${(performance.now() - started).toFixed(0)} ms`);
  console.log('ablation', explanation.ablation.map((a) => `${a.group} ${a.drop.toFixed(4)}`).join(', '));
  console.log('permutation', explanation.permutation.map((p) => `${p.feature} ${p.drop.toFixed(4)}±${p.std.toFixed(4)}`).join(', '));
  assert.equal(explanation.metric.name, 'auc');
  assert.equal(explanation.metric.higherIsBetter, true);
  assert.ok(explanation.metric.value > 0.75, `the model learned the log: auc ${explanation.metric.value}`);
  assert.equal(explanation.rows, 1500);
  for (const table of [explanation.ablation.map((a) => [a.group, a.drop] as const), explanation.permutation.map((p) => [p.feature, p.drop] as const)]) {
    const drop = new Map(table);
    assert.deepEqual([...drop.keys()], ['a', 'b', 'noise', 'x', 'w']);
    for (const relevant of ['a', 'b', 'x']) for (const noise of ['noise', 'w']) assert.ok(drop.get(relevant)! > drop.get(noise)! + 0.02, `${relevant} above ${noise}: ${[...drop]}`);
    for (const noise of ['noise', 'w']) assert.ok(Math.abs(drop.get(noise)!) < 0.01, `${noise} drop ~0: ${drop.get(noise)}`);
  }
  assert.ok(explanation.permutation.every((p) => p.repeats === 3 && p.std >= 0));
  assert.ok(explanation.integratedGradients, 'numeric features: integrated gradients present');
  assert.equal(explanation.crossWeights, undefined);
  assert.equal(explanation.attention, undefined);

  const again = await explainBundle(bundle, fixtures.scoreFile, { threads: 1, repeats: 3, seed: 5 });
  assert.deepEqual(again, explanation, 'same seed, same explanation');
});

test('max-rows samples rows with the seed; groups ablate their features together', async () => {
  const groups = parseFeatureGroups('signal=a,b,x; noise = noise,w', bundle.pipeline.spec());
  assert.deepEqual(groups, [{ group: 'signal', features: ['a', 'b', 'x'] }, { group: 'noise', features: ['noise', 'w'] }]);
  const explanation = await explainBundle(bundle, fixtures.scoreFile, { threads: 1, repeats: 1, maxRows: 400, groups });
  assert.equal(explanation.rows, 400);
  const [signal, noise] = explanation.ablation;
  console.log(`groups on 400 rows: signal ${signal!.value.toFixed(4)} (drop ${signal!.drop.toFixed(4)}), noise drop ${noise!.drop.toFixed(4)}`);
  assert.ok(Math.abs(signal!.value - 0.5) < 0.02, `nothing left to rank by: auc ${signal!.value} ~ 0.5`);
  assert.ok(Math.abs(noise!.drop) < 0.01);
});

test('ablation writes the pipeline missing values; permutation moves values between rows', async () => {
  const { source } = await loadWithPipeline(bundle.pipeline, fixtures.scoreFile, process.cwd(), { requireLabels: true });
  const ablated = withMissing(source, bundle.pipeline, ['a', 'x']);
  assert.ok(ablated.column('a').every((id) => id === 0), 'categorical -> OOV id 0');
  assert.deepEqual(ablated.column('b'), source.column('b'), 'other features untouched');
  const width = source.spec.numeric.length;
  const xAt = source.spec.numeric.indexOf('x');
  const fill = bundle.pipeline.numericTransform('x').apply(Number.NaN);
  assert.ok(Math.abs(fill) < 1e-9, `standardized: the fill (training mean) transforms to 0, got ${fill}`);
  for (let row = 0; row < source.numRows; row++) {
    assert.equal(ablated.dense[row * width + xAt], Math.fround(fill));
    assert.equal(ablated.dense[row * width + 1 - xAt], source.dense[row * width + 1 - xAt]);
  }
  const from = Int32Array.from({ length: source.numRows }, (_, i) => source.numRows - 1 - i);
  const permuted = withPermuted(source, 'w', from);
  const wAt = source.spec.numeric.indexOf('w');
  assert.equal(permuted.dense[wAt], source.dense[(source.numRows - 1) * width + wAt]);
  assert.equal(permuted.dense[xAt], source.dense[xAt]);
});

test('groups: each mistake is a ConfigError naming --groups', () => {
  const spec = bundle.pipeline.spec();
  for (const [text, message] of [
    ['signal=a,zz', /no feature 'zz'/],
    ['a,b', /not name=feature/],
    ['g=', /names no feature/],
    ['g=a;g=b', /given twice/],
    [' ; ', /no group/],
  ] as const) {
    assert.throws(() => parseFeatureGroups(text, spec), (error: unknown) => error instanceof ConfigError && error.location.field === '--groups' && message.test(error.message), text);
  }
});

test('a per-segment calibration is applied with the segment of each row, as served', async () => {
  const calibrated = await runCli(['calibrate', '--model', 'dnn', '--data', 'score.csv', '--method', 'isotonic', '--segment-by', 'noise', '--min-segment-size', '100'], fixtures.root);
  assert.equal(calibrated.code, 0, calibrated.stderr);
  const segmentedBundle = await createBundle(join(fixtures.root, 'dnn'), join(fixtures.root, 'dnn-segmented-bundle'));
  assert.equal(segmentedBundle.calibration.get('click')!.segmentBy, 'noise');
  const explanation = await explainBundle(segmentedBundle, fixtures.scoreFile, { threads: 1, repeats: 1 });
  const { source, rows } = await loadWithPipeline(segmentedBundle.pipeline, fixtures.scoreFile, process.cwd(), { requireLabels: true });
  const noise = await readColumnWithPipeline(segmentedBundle.pipeline, fixtures.scoreFile, process.cwd(), 'noise');
  const scorer = await BundleScorer.create(segmentedBundle, { threads: 1 });
  const served = await scorer.score(source, rows, new Map([['noise', noise]]));
  await scorer.release();
  const expected = evaluateMetric('auc', { labels: source.labels('click'), scores: served.tasks.get('click')!.calibrated });
  console.log(`segment-calibrated auc ${explanation.metric.value.toFixed(4)} (served ${expected.toFixed(4)})`);
  assert.equal(explanation.metric.value, expected);
});
