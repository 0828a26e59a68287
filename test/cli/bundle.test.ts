/**
 * `deeprank bundle create` and `deeprank bundle inspect` end to end: train a model with the CLI,
 * bundle it with a utility policy and an archive, inspect both forms (text and --json), and bad
 * input: a missing model directory, a corrupt archive, a tampered bundle, a utility policy for a
 * task the model lacks. Every failure is one error line naming the file and leaves no bundle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NativeSession } from '../../src/engine/native-session.js';
import { assertCliError, clickLogConfig, clickLogCsv, listTree, runCli, workDir, writeConfig } from './cli-fixtures.js';

test('bundle create and inspect through the CLI; bad input is one error line', async (t) => {
  const dir = await workDir(t);
  await writeFile(join(dir, 'train.csv'), clickLogCsv({ rows: 800, seed: 1 }));
  assert.equal((await runCli(['train', '--config', await writeConfig(dir, clickLogConfig()), '--out', 'm'], dir)).code, 0);
  await writeFile(join(dir, 'utility.yaml'), 'version: 2026-11.2\nterms:\n  click: 1.5\n');

  await t.test('create writes the directory and the archive', async () => {
    const run = await runCli(['bundle', 'create', '--model', 'm', '--out', 'b', '--utility', 'utility.yaml', '--archive', 'b.tar'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^bundle v1 of dnn \(8 files, verified\) written to b and b\.tar$/m);
    assert.deepEqual((await listTree(join(dir, 'b'))), ['manifest.json', 'model.json', 'model.onnx', 'schema.json', 'stats.json', 'utility.yaml', 'vocab.json', 'weights.bin']);
  });

  await t.test('inspect prints version, created, model, heads, features, files with hashes, metrics', async () => {
    const run = await runCli(['bundle', 'inspect', 'b'], dir);
    assert.equal(run.code, 0, run.stderr);
    const manifest = JSON.parse(await readFile(join(dir, 'b', 'manifest.json'), 'utf8'));
    assert.match(run.stdout, /^bundle +b \(format deeprank-bundle v1, every file hash verified\)$/m);
    assert.ok(run.stdout.includes(`created      ${manifest.createdAt}`));
    assert.match(run.stdout, /^model +dnn$/m);
    assert.match(run.stdout, /^heads +click \(binary\)$/m);
    assert.match(run.stdout, /^utility +version 2026-11\.2 over click$/m);
    assert.match(run.stdout, /^features +user \(categorical, 13 ids\), item \(categorical, 9 ids\), price \(numeric\)$/m);
    assert.match(run.stdout, /^inputs +user int64\[batch\], item int64\[batch\], dense float32\[batch, 1\]$/m);
    assert.match(run.stdout, /^validation +auc 0\.\d{4}, logloss 0\.\d{4} \(best epoch \d\)$/m);
    assert.match(run.stdout, /^trained on +train 480 rows, validation 160 rows, test 160 rows$/m);
    for (const [name, { sha256, bytes }] of Object.entries(manifest.files as Record<string, { sha256: string; bytes: number }>)) {
      assert.match(run.stdout, new RegExp(`^  ${name.replace('.', '\\.')} +${bytes} bytes  sha256 ${sha256}$`, 'm'), name);
    }
    console.log(`deeprank bundle inspect b:\n${run.stdout.trimEnd()}`);

    const json = await runCli(['bundle', 'inspect', 'b.tar', '--json'], dir);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { path: 'b.tar', verified: true, ...manifest });
  });

  await t.test('create --quantize int8 marks the bundle, and inspect says so; other types are refused', async () => {
    const run = await runCli(['bundle', 'create', '--model', 'm', '--out', 'bq', '--quantize', 'int8'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(await readFile(join(dir, 'bq', 'manifest.json'), 'utf8')).quantization, 'int8');
    assert.match((await runCli(['bundle', 'inspect', 'bq'], dir)).stdout, /^model +dnn \(weight products int8\)$/m);
    const bad = await runCli(['bundle', 'create', '--model', 'm', '--out', 'bq4', '--quantize', 'int4'], dir);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /'int4' is invalid\. Allowed choices are int8/);
  });

  await t.test('predict --bundle scores as predict --model with the same utility policy; flags that conflict are refused', async () => {
    const csv = async (args: string[], out: string) => {
      const run = await runCli(['predict', ...args, '--data', 'train.csv', '--out', out], dir);
      assert.equal(run.code, 0, run.stderr);
      return (await readFile(join(dir, out), 'utf8')).trimEnd().split('\n').map((line) => line.split(','));
    };
    const fromModel = await csv(['--model', 'm', '--utility', 'utility.yaml'], 'pm.csv');
    const fromBundle = await csv(['--bundle', 'b.tar'], 'pb.csv');
    assert.deepEqual(fromBundle[0], ['row', 'click', 'utility', 'policy_version']);
    assert.deepEqual(fromBundle[0], fromModel[0]);
    assert.equal(fromBundle.length, 801);
    fromBundle.slice(1).forEach((cells, i) => {
      const expected = fromModel[i + 1]!;
      assert.equal(cells[0], expected[0]);
      for (const c of [1, 2]) assert.ok(Math.abs(Number(cells[c]) - Number(expected[c])) <= 1e-6, `row ${cells[0]}: ${cells[c]} against ${expected[c]}`);
      assert.equal(cells[3], '2026-11.2');
    });
    assert.equal((await csv(['--bundle', 'bq'], 'pq.csv'))[0]!.join(','), 'row,prediction');

    assertCliError(await runCli(['predict', '--model', 'm', '--bundle', 'b', '--data', 'train.csv', '--out', 'x.csv'], dir), { message: /give either --model <dir> or --bundle <path>/ });
    assertCliError(await runCli(['predict', '--data', 'train.csv', '--out', 'x.csv'], dir), { field: '--model' });
    assertCliError(await runCli(['predict', '--bundle', 'b', '--utility', 'utility.yaml', '--data', 'train.csv', '--out', 'x.csv'], dir), { field: '--utility' });
    assertCliError(await runCli(['predict', '--model', 'm', '--precision', 'bf16', '--data', 'train.csv', '--out', 'x.csv'], dir), { field: '--precision', message: /applies to --bundle/ });
    if (NativeSession.unavailable() === undefined) {
      // bf16 products: the same rows and columns, each score within bf16 rounding of the float32 one.
      const bf16 = await csv(['--bundle', 'b.tar', '--precision', 'bf16'], 'pbf.csv');
      assert.deepEqual(bf16[0], fromBundle[0]);
      bf16.slice(1).forEach((cells, i) => assert.ok(Math.abs(Number(cells[1]) - Number(fromBundle[i + 1]![1])) < 0.01, `row ${cells[0]}: ${cells[1]} against ${fromBundle[i + 1]![1]}`));
    }
  });

  await t.test('bad input: one error line naming the file, nothing written', async () => {
    const before = await listTree(dir);
    assertCliError(await runCli(['bundle', 'create', '--model', 'nope', '--out', 'b2'], dir), { file: 'nope', message: /not a deeprank model directory/ });
    await writeFile(join(dir, 'other.yaml'), 'version: 1\nterms:\n  purchase: 2\n');
    assertCliError(await runCli(['bundle', 'create', '--model', 'm', '--out', 'b2', '--utility', 'other.yaml'], dir), { file: 'other.yaml', field: 'terms.purchase' });
    assert.deepEqual(await listTree(dir), [...before, 'other.yaml'].sort(), 'no bundle, no temp directory');

    assertCliError(await runCli(['bundle', 'inspect', 'missing-bundle'], dir), { file: 'missing-bundle', message: /no bundle at this path/ });
    await writeFile(join(dir, 'corrupt.tar'), 'definitely not a tar archive\n'.repeat(40));
    assertCliError(await runCli(['bundle', 'inspect', 'corrupt.tar'], dir), { file: 'corrupt.tar', message: /not a valid bundle archive: no ustar header/ });
    const tar = await readFile(join(dir, 'b.tar'));
    await writeFile(join(dir, 'short.tar'), tar.subarray(0, 2000));
    assertCliError(await runCli(['bundle', 'inspect', 'short.tar'], dir), { file: 'short.tar', message: /not a valid bundle archive/ });

    const weights = join(dir, 'b', 'weights.bin');
    const bytes = await readFile(weights);
    bytes[bytes.length - 5]! ^= 0xff;
    await writeFile(weights, bytes);
    assertCliError(await runCli(['bundle', 'inspect', 'b'], dir), { file: join('b', 'weights.bin'), message: /content hash .* does not match the manifest/ });
  });
});
