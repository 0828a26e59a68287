/**
 * `deeprank explain` end to end on a DCN-v2 bundle: the printed tables, the JSON it writes (checked
 * against the Explanation interface), the same JSON for the same seed, and bad input as one
 * error line naming the flag or file, with nothing written.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import { assertCliError, runCli } from '../cli/cli-fixtures.js';
import { explainFixtures, relevanceConfig, relevanceCsv, type ExplainFixtures } from './explain-fixtures.js';

/** The Explanation interface (src/explain/explanation.ts) as a schema, no other keys allowed. */
const finite = z.number().finite();
const ExplanationSchema = z
  .object({
    bundle: z.string(),
    data: z.string(),
    rows: z.number().int().positive(),
    metric: z.object({ name: z.string(), higherIsBetter: z.boolean(), value: finite }).strict(),
    ablation: z.array(z.object({ group: z.string(), features: z.array(z.string()).min(1), value: finite, drop: finite }).strict()),
    permutation: z.array(z.object({ feature: z.string(), drop: finite, std: finite.nonnegative(), repeats: z.number().int().positive() }).strict()),
    integratedGradients: z
      .object({ baseline: z.string(), steps: z.number().int().positive(), features: z.array(z.object({ feature: z.string(), meanAbsAttribution: finite.nonnegative() }).strict()), completenessError: finite.nonnegative() })
      .strict()
      .optional(),
    crossWeights: z.array(z.object({ layer: z.string(), features: z.array(z.string()), norms: z.array(z.array(finite.nonnegative())) }).strict()).optional(),
    attention: z.array(z.object({ output: z.string(), labels: z.array(z.string()), mean: z.array(finite) }).strict()).optional(),
  })
  .strict();

let fixtures: ExplainFixtures;
let bundle: string;
before(async () => {
  fixtures = await explainFixtures();
  bundle = await fixtures.bundle('dcn', relevanceConfig({ type: 'dcn-v2', embeddingDim: 3, crossLayers: 2, hiddenUnits: [8] }));
  await writeFile(join(fixtures.root, 'unlabelled.csv'), relevanceCsv(50, 9).replace(/^click,/gm, '').replace(/^\d,/gm, ''));
});
after(() => fixtures.cleanup());

test('explain prints the tables and writes the Explanation JSON; same seed, same JSON', async () => {
  const args = ['explain', '--bundle', bundle, '--data', 'score.csv', '--repeats', '2', '--seed', '3', '--max-rows', '1000', '--steps', '16'];
  const started = performance.now();
  const result = await runCli([...args, '--out', 'e.json'], fixtures.root);
  console.log(`deeprank explain (dcn-v2, 1000 rows, 2 repeats, 16 steps, 1 thread): ${(performance.now() - started).toFixed(0)} ms`);
  assert.equal(result.code, 0, result.stderr);
  console.log(result.stdout);
  for (const heading of ['feature-group ablation', 'permutation importance (2 shuffles)', 'integrated gradients (16 steps', 'cross layer cross_0', 'cross layer cross_1', 'written to e.json']) {
    assert.ok(result.stdout.includes(heading), heading);
  }
  assert.match(result.stdout, /^ {2}\s+a\s+b\s+noise\s+x\s+w$/m, 'the heatmap header lists the features in x0 order');
  const json = await readFile(join(fixtures.root, 'e.json'), 'utf8');
  const explanation = ExplanationSchema.parse(JSON.parse(json));
  assert.equal(explanation.rows, 1000);
  assert.equal(explanation.data, 'score.csv');
  assert.deepEqual(explanation.ablation.map((a) => a.group), ['a', 'b', 'noise', 'x', 'w']);
  assert.deepEqual(explanation.crossWeights!.map((c) => [c.layer, c.features, c.norms.length, c.norms[0]!.length]), [
    ['cross_0', ['a', 'b', 'noise', 'x', 'w'], 5, 5],
    ['cross_1', ['a', 'b', 'noise', 'x', 'w'], 5, 5],
  ]);
  assert.equal(explanation.integratedGradients!.steps, 16);
  assert.equal(explanation.attention, undefined);
  const top = [...explanation.permutation].sort((p, q) => q.drop - p.drop)[0]!;
  assert.equal(top.feature, 'a', 'the strongest signal ranks first');

  const again = await runCli([...args, '--out', 'again.json'], fixtures.root);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(await readFile(join(fixtures.root, 'again.json'), 'utf8'), json);
});

test('bad input: one error line naming the flag or file; no JSON written', async () => {
  const cases: [string[], Parameters<typeof assertCliError>[1]][] = [
    [['--steps', '0'], { field: '--steps' }],
    [['--repeats', 'two'], { field: '--repeats' }],
    [['--max-rows', '-5'], { field: '--max-rows' }],
    [['--seed', '1.5'], { field: '--seed' }],
    [['--groups', 'user=user'], { field: '--groups', message: /no feature 'user'/ }],
    [['--data', 'unlabelled.csv'], { file: 'unlabelled.csv', message: /click/ }],
    [['--bundle', 'nowhere'], { file: 'nowhere', message: /no bundle/ }],
  ];
  for (const [override, expected] of cases) {
    const options = new Map([['--bundle', bundle], ['--data', 'score.csv'], ['--out', 'bad.json']]);
    const args = [...override];
    for (const [flag, value] of options) if (!override.includes(flag)) args.push(flag, value);
    const line = assertCliError(await runCli(['explain', ...args], fixtures.root), expected);
    console.log(line);
    assert.ok(!existsSync(join(fixtures.root, 'bad.json')));
  }
});
