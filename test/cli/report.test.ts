/**
 * `deeprank report` end to end: a calibrated DNN bundle (directory and .tar) and an MMoE bundle on
 * a small labelled file, with segments and an explanation file; the page is written and holds its
 * sections, and nothing else is left in the output directory. Bad input (explanation file, flags,
 * bundle, data) is one error line naming the file, field or flag, and writes no page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBundle } from '../../src/bundle/create-bundle.js';
import { explanationFixture, reportBundles } from '../report/report-fixtures.js';
import { assertCliError, listTree, runCli, type ExpectedCliError } from './cli-fixtures.js';

test('deeprank report writes the page; bad input is one error line', async (t) => {
  const fixtures = await reportBundles();
  t.after(() => fixtures.cleanup());
  const dir = fixtures.root;
  await writeFile(join(dir, 'explain.json'), JSON.stringify(explanationFixture()));
  await createBundle(fixtures.dnn, join(dir, 'b-archive'), { archive: join(dir, 'b-dnn.tar') });

  await t.test('a calibrated DNN (as an archive) with segments and an explanation', async () => {
    const started = performance.now();
    const run = await runCli(['report', '--bundle', 'b-dnn.tar', '--data', 'segments.csv', '--out', 'out/report.html', '--segment', 'user,item', '--explanation', 'explain.json'], dir);
    assert.equal(run.code, 0, run.stderr);
    console.log(`report of the DNN on 6 rows in ${(performance.now() - started).toFixed(0)} ms (CLI process, 1 thread)`);
    assert.match(run.stdout, /^report on 6 rows of segments\.csv written to out\/report\.html \(\d+ KB\)$/m);
    assert.deepEqual(await listTree(join(dir, 'out')), ['report.html'], 'no temp file left');
    const html = await readFile(join(dir, 'out', 'report.html'), 'utf8');
    for (const id of ['summary', 'training', 'metrics', 'segments', 'calibration', 'importance', 'cross-weights', 'attention']) assert.ok(html.includes(`<section id="${id}">`), id);
    assert.match(html, /<h3>user: new vs known values<\/h3>/);
    assert.match(html, /<tr><td>new<\/td><td class="num">2<\/td><td>33\.3%<\/td>/, 'two of six rows have a new user');
    assert.match(html, /<tr><td>new<\/td><td class="num">3<\/td><td>50\.0%<\/td>/, 'three of six rows have a new item');
  });

  await t.test('without --explanation, the explanation is computed on the data', async () => {
    const run = await runCli(['report', '-b', 'b-dnn.tar', '-d', 'score.csv', '-o', 'computed.html', '--threads', '1'], dir);
    assert.equal(run.code, 0, run.stderr);
    const html = await readFile(join(dir, 'computed.html'), 'utf8');
    const importance = /<section id="importance">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    assert.ok(!importance.includes('No explanation') && importance.includes('<svg'), importance.slice(0, 300));
    for (const feature of ['user', 'item', 'price']) assert.ok(importance.includes(`>${feature}<`), feature);
  });

  await t.test('an MMoE with --no-explain', async () => {
    const run = await runCli(['report', '-b', 'b-mmoe', '-d', 'score.csv', '-o', 'mmoe.html', '--no-explain'], dir);
    assert.equal(run.code, 0, run.stderr);
    const html = await readFile(join(dir, 'mmoe.html'), 'utf8');
    assert.match(html, /<td>buy<\/td><td>logloss<\/td>/);
    assert.match(html, /No explanation: the report was written with --no-explain/);
    assert.ok(!html.includes('<section id="attention">'));
  });

  const cases: { name: string; args: string[]; files?: Record<string, string>; expected: ExpectedCliError }[] = [
    {
      name: 'an explanation with a field of the wrong type',
      args: ['--explanation', 'bad-field.json'],
      files: { 'bad-field.json': JSON.stringify({ ...explanationFixture(), permutation: [{ feature: 'user', drop: 'high', std: 0, repeats: 1 }] }) },
      expected: { file: 'bad-field.json', field: 'permutation[0].drop', message: /expected number/ },
    },
    {
      name: 'a cross-weight matrix of the wrong shape',
      args: ['--explanation', 'bad-shape.json'],
      files: { 'bad-shape.json': JSON.stringify({ ...explanationFixture(), crossWeights: [{ layer: 'c', features: ['a', 'b'], norms: [[1, 2]] }] }) },
      expected: { file: 'bad-shape.json', field: 'crossWeights[0].norms', message: /features x features matrix/ },
    },
    { name: 'an explanation that is not JSON', args: ['--explanation', 'not.json'], files: { 'not.json': '{"bundle": ' }, expected: { file: 'not.json', message: /not JSON/ } },
    { name: 'a missing explanation file', args: ['--explanation', 'missing.json'], expected: { file: 'missing.json', message: /cannot read the explanation: no such file/ } },
    { name: 'a numeric --segment', args: ['--segment', 'price'], expected: { field: '--segment', message: /'price' is not a categorical feature/ } },
    { name: 'an empty --segment name', args: ['--segment', 'user,'], expected: { field: '--segment', message: /empty feature name/ } },
    { name: 'a missing bundle', args: ['--bundle', 'nowhere'], expected: { file: 'nowhere', message: /no bundle at this path/ } },
    { name: 'a data file without labels', args: ['--data', 'unlabelled.csv'], files: { 'unlabelled.csv': 'user,item,price\nu1,i1,2.0\n' }, expected: { file: 'unlabelled.csv', message: /click/ } },
  ];
  for (const { name, args, files, expected } of cases) {
    await t.test(name, async () => {
      for (const [file, content] of Object.entries(files ?? {})) await writeFile(join(dir, file), content);
      const flags = new Map<string, string>([['--bundle', 'b-dnn'], ['--data', 'segments.csv'], ['--out', 'bad/report.html']]);
      for (let i = 0; i < args.length; i += 2) flags.set(args[i]!, args[i + 1]!);
      const run = await runCli(['report', ...[...flags].flat()], dir);
      console.log(`${name}: ${assertCliError(run, expected)}`);
      assert.ok(!(await listTree(dir)).some((path) => path === 'bad' || path.startsWith('bad/')), 'no page written');
    });
  }

  await t.test('a missing --data flag is named', async () => {
    const run = await runCli(['report', '--bundle', 'b-dnn', '--out', 'x.html'], dir);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /required option '-d, --data <file>' not specified/);
  });
});
