/**
 * Model bundles end to end on small generated click logs: the bundle's served graph scores rows
 * exactly as the model directory does (single- and multi-task, directory and archive), every
 * kind of file is hash-checked, parts that do not belong together are refused, and a failed
 * write leaves nothing behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import { cp, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleScorer } from '../../src/bundle/bundle-scorer.js';
import { createBundle } from '../../src/bundle/create-bundle.js';
import { loadBundle, type Bundle } from '../../src/bundle/load-bundle.js';
import { readTar } from '../../src/bundle/tar-archive.js';
import { loadCalibration } from '../../src/calibration/calibration-file.js';
import { loadWithPipeline } from '../../src/data/load-dataset.js';
import { NativeSession } from '../../src/engine/native-session.js';
import { ArtifactError, BundleError, ConfigError } from '../../src/errors.js';
import { writeDirAtomic } from '../../src/util/atomic-dir.js';
import { assertAllClose } from '../train/fixtures.js';
import { listTree, snapshotFiles } from '../cli/cli-fixtures.js';
import { bundleFixtures, editAndRehash, scoreWithModelDir, scoreWithSession, train, type BundleFixtures } from './bundle-fixtures.js';
import { clickLogConfig } from '../cli/cli-fixtures.js';

const { onnx } = onnxProto;

let f: BundleFixtures;
let bundleDir: string;
let archive: string;
let mmoeBundle: string;

before(async () => {
  f = await bundleFixtures();
  await writeFile(join(f.root, 'utility.yaml'), 'version: 2026-11.1\nterms:\n  click: 2\n');
  await writeFile(join(f.root, 'utility-mt.yaml'), 'version: mt-1\noffset: 0.5\nterms:\n  click: 1\n  buy: { weight: 3 }\n');
  bundleDir = join(f.root, 'bundle');
  archive = join(f.root, 'bundle.tar');
  mmoeBundle = join(f.root, 'bundle-mmoe');
  await createBundle(f.dnn, bundleDir, { utility: join(f.root, 'utility.yaml'), archive });
  await createBundle(f.mmoe, mmoeBundle, { utility: join(f.root, 'utility-mt.yaml') });
});
after(() => f.cleanup());

/** Each output of the bundle's served graph on the scored rows, encoded with the bundle's own pipeline. */
async function scoreBundle(bundle: Bundle): Promise<Record<string, Float32Array>> {
  const data = await loadWithPipeline(bundle.pipeline, f.scoreFile, process.cwd(), { requireLabels: false });
  const session = await bundle.createSession({ threads: 1 });
  try {
    return await scoreWithSession(session, data.source);
  } finally {
    await session.release();
  }
}

/** The error `loadBundle(path)` rejects with; fails the test if it loads. */
async function loadError(path: string): Promise<BundleError> {
  try {
    await loadBundle(path);
  } catch (error) {
    assert.ok(error instanceof ArtifactError || error instanceof ConfigError, `a DeeprankError, not ${(error as Error).stack}`);
    return error as BundleError;
  }
  assert.fail(`${path} loaded`);
}

test('the manifest lists version, model, heads, features, serving inputs, metrics, the training data and every file hash', async () => {
  const manifest = JSON.parse(await readFile(join(bundleDir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.format, 'deeprank-bundle');
  assert.equal(manifest.bundleVersion, 1);
  assert.ok(Math.abs(Date.parse(manifest.createdAt) - Date.now()) < 10 * 60_000);
  assert.deepEqual(manifest.model, { type: 'dnn' });
  assert.deepEqual(manifest.heads, [{ task: 'click', kind: 'binary', offset: 0 }]);
  assert.deepEqual(manifest.features.map((x: { name: string; kind: string }) => `${x.name}:${x.kind}`), ['user:categorical', 'item:categorical', 'price:numeric']);
  assert.deepEqual(manifest.features[0].cardinality, 13, '12 users + the out-of-vocabulary id');
  assert.deepEqual(manifest.onnx.inputs, [
    { name: 'user', type: 'int64', shape: ['batch'] },
    { name: 'item', type: 'int64', shape: ['batch'] },
    { name: 'dense', type: 'float32', shape: ['batch', 1] },
  ]);
  assert.deepEqual(manifest.onnx.outputs, ['prediction']);
  assert.deepEqual(manifest.calibratedTasks, ['click']);
  assert.deepEqual(manifest.utilityPolicy, { version: '2026-11.1', tasks: ['click'] });
  assert.ok(manifest.training.validation.auc > 0.6 && manifest.training.test.auc > 0.6, JSON.stringify(manifest.training));
  const model = JSON.parse(await readFile(join(bundleDir, 'model.json'), 'utf8'));
  assert.equal(model.training.config.optimizer.arithmetic, 'float64', 'the arithmetic the optimizer ran in, resolved from float32 products');

  const trainBytes = await readFile(join(f.root, 'train.csv'));
  assert.deepEqual(manifest.training.data.files, [{ role: 'train', file: 'train.csv', sha256: createHash('sha256').update(trainBytes).digest('hex'), bytes: trainBytes.length }]);
  assert.deepEqual(manifest.training.data.rows, { train: 720, validation: 240, test: 240 });

  const names = (await readdir(bundleDir)).sort();
  assert.deepEqual(names, ['calibration.json', 'manifest.json', 'model.json', 'model.onnx', 'schema.json', 'stats.json', 'utility.yaml', 'vocab.json', 'weights.bin']);
  for (const name of names.filter((n) => n !== 'manifest.json')) {
    const bytes = await readFile(join(bundleDir, name));
    assert.deepEqual(manifest.files[name], { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length }, name);
  }
});

test("round trip: the bundle's model.onnx scores rows as the model directory does; calibration and utility come back", async () => {
  const expected = await scoreWithModelDir(f.dnn, f.scoreFile);
  const bundle = await loadBundle(bundleDir);
  const served = await scoreBundle(bundle);
  assertAllClose(served.prediction!, expected.predictions.get('click')!, 1e-6, 'bundle prediction');
  assert.deepEqual(bundle.heads.map((h) => h.task), ['click']);
  assert.deepEqual(bundle.outputs, ['prediction']);

  const saved = (await loadCalibration(f.dnn)).get('click')!;
  const calibrated = bundle.calibration.get('click')!.apply(served.prediction!);
  assert.deepEqual(calibrated, saved.apply(served.prediction!));
  assert.notDeepEqual(calibrated, served.prediction, 'the calibration changes the scores');
  assert.equal(bundle.utility?.version, '2026-11.1');
  assert.deepEqual(bundle.utility?.terms, { click: { weight: 2, prediction: 'calibrated' } });
  console.log(`bundle round trip (dnn, ${served.prediction!.length} rows): max |bundle - model dir| = ${Math.max(...served.prediction!.map((p, i) => Math.abs(p - expected.predictions.get('click')![i]!)))}`);
});

test('multi-task round trip: one output per head, each equal to the model directory prediction of that head', async () => {
  const expected = await scoreWithModelDir(f.mmoe, f.scoreFile);
  const bundle = await loadBundle(mmoeBundle);
  assert.deepEqual(bundle.heads.map((h) => h.task), ['click', 'buy']);
  assert.deepEqual(bundle.manifest.onnx.outputs, ['prediction', 'prediction/click', 'prediction/buy']);
  const served = await scoreBundle(bundle);
  for (const task of ['click', 'buy']) assertAllClose(served[`prediction/${task}`]!, expected.predictions.get(task)!, 1e-6, `head ${task}`);
  assert.deepEqual(bundle.manifest.utilityPolicy, { version: 'mt-1', tasks: ['click', 'buy'] });
  assert.deepEqual(bundle.manifest.calibratedTasks, []);
});

test('BundleScorer serves each task calibrated, with the utility the policy composes', async () => {
  const expected = await scoreWithModelDir(f.dnn, f.scoreFile);
  const bundle = await loadBundle(bundleDir);
  const data = await loadWithPipeline(bundle.pipeline, f.scoreFile, process.cwd(), { requireLabels: false });
  const scorer = await BundleScorer.create(bundle, { threads: 1 });
  const scores = await scorer.score(data.source, data.rows, undefined, 64);
  await scorer.release();
  const click = scores.tasks.get('click')!;
  assertAllClose(click.raw, expected.predictions.get('click')!, 1e-6, 'raw');
  assert.deepEqual(click.calibrated, bundle.calibration.get('click')!.apply(click.raw));
  assert.deepEqual(Array.from(scores.score), Array.from(click.calibrated, (p) => 2 * p), 'utility = 2 x calibrated click');

  const mmoe = await loadBundle(mmoeBundle);
  const mmoeScorer = await BundleScorer.create(mmoe, { threads: 1 });
  const mt = await mmoeScorer.score(data.source, data.rows);
  await mmoeScorer.release();
  const mmoeExpected = await scoreWithModelDir(f.mmoe, f.scoreFile);
  for (const task of ['click', 'buy']) assertAllClose(mt.tasks.get(task)!.raw, mmoeExpected.predictions.get(task)!, 1e-6, task);
  assertAllClose(Float32Array.from(mt.utility!), Float32Array.from(mt.tasks.get('click')!.raw, (c, i) => 0.5 + c + 3 * mt.tasks.get('buy')!.raw[i]!), 1e-6, 'utility');
});

test('BundleScorer keeps at most maxContextGraphs context graphs; later context sets are scored by the bundle graph', async () => {
  const bundle = await loadBundle(bundleDir);
  const data = await loadWithPipeline(bundle.pipeline, f.scoreFile, process.cwd(), { requireLabels: false });
  const rows = data.rows.subarray(0, 20);
  const scorer = await BundleScorer.create(bundle, { threads: 1, maxContextGraphs: 1 });
  try {
    const perRow = await scorer.score(data.source, rows);
    await scorer.score(data.source, rows, undefined, 64, new Set(['user']));
    const byItem = await scorer.score(data.source, rows, undefined, 64, new Set(['item']));
    // Only the first set got a graph (each graph holds all the weights again); the second did not.
    assert.deepEqual((await scorer.contextGraphs()).map((g) => g.features), [['user']]);
    assert.deepEqual(byItem.tasks.get('click')!.raw, perRow.tasks.get('click')!.raw);
  } finally {
    await scorer.release();
  }
});

test('an int8 bundle serves integer weight products: scores close to the float bundle, the same with a context, marked in the manifest', async () => {
  // Embeddings of 8 make the first product 17 x 32, large enough to quantize; the 16 x 1 logit stays float.
  const wide = await train(f.root, 'dnn-wide', { ...clickLogConfig(), model: { type: 'dnn', embeddingDim: 8, hiddenUnits: [32, 16] } });
  const [float, int8] = [join(f.root, 'bundle-wide'), join(f.root, 'bundle-wide-int8')];
  await createBundle(wide, float);
  await createBundle(wide, int8, { quantize: 'int8' });
  const [a, b] = [await loadBundle(float), await loadBundle(int8)];
  assert.equal(a.manifest.quantization, undefined);
  assert.equal(b.manifest.quantization, 'int8');
  const ops = (bundle: Bundle) => onnx.ModelProto.decode(bundle.onnx).graph!.node!.map((n) => n.opType);
  assert.equal(ops(a).filter((o) => o === 'MatMulInteger').length, 0);
  assert.equal(ops(b).filter((o) => o === 'MatMulInteger').length, 2);
  const weights = onnx.ModelProto.decode(b.onnx).graph!.initializer!.map((t) => t.name);
  assert.ok(weights.includes('dense/kernel/int8') && !weights.includes('dense/kernel'), weights.join(', '));

  const [fa, fb] = [await scoreBundle(a), await scoreBundle(b)];
  const differences = Array.from(fa.prediction!, (p, i) => Math.abs(p - fb.prediction![i]!));
  const mean = differences.reduce((s, d) => s + d, 0) / differences.length;
  assert.ok(mean > 0 && mean < 0.005 && Math.max(...differences) < 0.05, `differences: mean ${mean}, largest ${Math.max(...differences)}`);

  const data = await loadWithPipeline(b.pipeline, f.scoreFile, process.cwd(), { requireLabels: false });
  const scorer = await BundleScorer.create(b, { threads: 1 });
  try {
    const rows = data.rows.subarray(0, 40);
    const plain = await scorer.score(data.source, rows);
    const withContext = await scorer.score(data.source, rows, undefined, 64, new Set(['user']));
    assert.deepEqual(withContext.tasks.get('click')!.raw, plain.tasks.get('click')!.raw);
    assert.deepEqual(await scorer.contextGraphs(), [], 'no context graph for a quantized bundle');
  } finally {
    await scorer.release();
  }
});

const nativeSkip = NativeSession.unavailable() ? `bf16 scoring runs in deeprank's own sessions (${NativeSession.unavailable()})` : false;

test('a bundle scores with bf16 products when asked: within bf16 rounding of its float32 scores, the same bits on two threads', { skip: nativeSkip }, async () => {
  // Embeddings of 8 make the products 17 x 32 and 32 x 16, long enough on both sides for bf16; the 16 x 1 logit stays float32.
  const wide = await train(f.root, 'dnn-wide-bf16', { ...clickLogConfig(), model: { type: 'dnn', embeddingDim: 8, hiddenUnits: [32, 16] } });
  const dir = join(f.root, 'bundle-wide-bf16');
  await createBundle(wide, dir);
  const bundle = await loadBundle(dir);
  const data = await loadWithPipeline(bundle.pipeline, f.scoreFile, process.cwd(), { requireLabels: false });
  const scored = async (options: { threads: number; precision?: 'bf16' }) => {
    const scorer = await BundleScorer.create(bundle, options);
    try {
      return { raw: (await scorer.score(data.source, data.rows)).tasks.get('click')!.raw };
    } finally {
      await scorer.release();
    }
  };
  const float = await scored({ threads: 1 });
  const bf16 = await scored({ threads: 1, precision: 'bf16' });
  const differences = Array.from(float.raw, (p, i) => Math.abs(p - bf16.raw[i]!));
  const mean = differences.reduce((a, b) => a + b, 0) / differences.length;
  assert.ok(mean > 0 && Math.max(...differences) < 0.01, `bf16 against float32 scores: mean difference ${mean}, largest ${Math.max(...differences)}`);
  assert.deepEqual((await scored({ threads: 2, precision: 'bf16' })).raw, bf16.raw);
});

test('bf16 scoring is refused, naming precision, for an int8 bundle and where deeprank\'s own sessions are not available', { skip: nativeSkip }, async () => {
  const int8 = join(f.root, 'bundle-refuse-bf16-int8');
  await createBundle(f.dnn, int8, { quantize: 'int8' });
  const refusal = async (path: string) => {
    try {
      await BundleScorer.create(await loadBundle(path), { threads: 1, precision: 'bf16' });
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.location.field, 'precision');
      return error.message;
    }
    assert.fail(`${path} scored in bf16`);
  };
  assert.match(await refusal(int8), /products are int8 already/);
  const create = NativeSession.create;
  NativeSession.create = () => undefined;
  try {
    assert.match(await refusal(bundleDir), /deeprank's own ONNX Runtime sessions.*use precision 'float32'/);
  } finally {
    NativeSession.create = create;
  }
});

test('archive round trip: the .tar holds the same files and loads to the same manifest and predictions', async () => {
  const entries = readTar(await readFile(archive), archive);
  const files = await snapshotFiles(bundleDir);
  assert.deepEqual(entries.map((e) => e.name).sort(), [...files.keys()].sort());
  for (const { name, data } of entries) assert.ok(Buffer.from(data).equals(files.get(name)!), name);
  const [fromArchive, fromDir] = [await loadBundle(archive), await loadBundle(bundleDir)];
  assert.deepEqual(fromArchive.manifest, fromDir.manifest);
  assert.equal(fromArchive.path, archive);
  assert.deepEqual(await scoreBundle(fromArchive), await scoreBundle(fromDir));
  assert.deepEqual((await readdir(f.root)).filter((n) => n.startsWith('.')), [], 'no temp files beside the bundle');
});

test('a flipped byte in any kind of file is refused with an error naming that file', async (t) => {
  const names = Object.keys(JSON.parse(await readFile(join(bundleDir, 'manifest.json'), 'utf8')).files);
  assert.equal(names.length, 8);
  for (const name of names) {
    await t.test(name, async () => {
      const copy = join(f.root, `tampered-${name}`);
      await cp(bundleDir, copy, { recursive: true });
      const bytes = await readFile(join(copy, name));
      bytes[bytes.length >> 1]! ^= 0x01;
      await writeFile(join(copy, name), bytes);
      const error = await loadError(copy);
      assert.ok(error instanceof BundleError);
      assert.equal(error.location.file, join(copy, name));
      assert.match(error.message, /content hash .* does not match the manifest/);
    });
  }
  await t.test('a truncated file', async () => {
    const copy = join(f.root, 'truncated');
    await cp(bundleDir, copy, { recursive: true });
    await truncate(join(copy, 'weights.bin'), 100);
    const error = await loadError(copy);
    assert.equal(error.location.file, join(copy, 'weights.bin'));
    assert.match(error.message, /size 100 bytes, the manifest says \d+/);
  });
  await t.test('a byte flipped inside the archive', async () => {
    const bytes = await readFile(archive);
    const offset = bytes.indexOf(Buffer.from('"vocabulary"')) >= 0 ? bytes.indexOf(Buffer.from('"vocabulary"')) : bytes.indexOf(Buffer.from('"features"'));
    assert.ok(offset > 0);
    bytes[offset + 2]! ^= 0x01;
    const tampered = join(f.root, 'tampered.tar');
    await writeFile(tampered, bytes);
    const error = await loadError(tampered);
    assert.match(error.location.file!, /^.*tampered\.tar:[a-z]+\.json$/);
    assert.match(error.message, /content hash/);
  });
  await t.test('a missing, an unlisted file, a newer bundle version', async () => {
    const missing = join(f.root, 'missing');
    await cp(bundleDir, missing, { recursive: true });
    await writeFile(join(missing, 'extra.txt'), 'x');
    assert.match((await loadError(missing)).describe(), /extra\.txt: not listed in the manifest/);
    await rm(join(missing, 'extra.txt'));
    await rm(join(missing, 'calibration.json'));
    assert.match((await loadError(missing)).describe(), /calibration\.json: missing from the bundle/);
    const newer = join(f.root, 'newer');
    await cp(bundleDir, newer, { recursive: true });
    const manifest = JSON.parse(await readFile(join(newer, 'manifest.json'), 'utf8'));
    await writeFile(join(newer, 'manifest.json'), JSON.stringify({ ...manifest, bundleVersion: 2 }));
    assert.match((await loadError(newer)).describe(), /manifest\.json: field 'bundleVersion': unsupported bundle version 2; this deeprank reads version 1/);
  });
});

test('parts that do not belong together are refused even when the hashes match', async (t) => {
  await t.test("another training run's vocabulary (12 user ids, the model's table has 13 rows)", async () => {
    const mixed = join(f.root, 'mixed-vocab');
    const other = new Map(await Promise.all(['schema.json', 'vocab.json', 'stats.json'].map(async (n) => [n, await readFile(join(f.smallerVocab, n))] as const)));
    await editAndRehash(bundleDir, mixed, (files) => other.forEach((data, name) => files.set(name, data)));
    const error = await loadError(mixed);
    assert.ok(error instanceof BundleError);
    assert.equal(error.describe(), `${join(mixed, 'vocab.json')}: field 'user': the vocabulary of 'user' has 12 ids but the model's embedding table 'emb/user' has 13 rows`);
  });
  await t.test('a calibration for a task the model has no head for', async () => {
    const renamed = join(f.root, 'calibration-task');
    await editAndRehash(bundleDir, renamed, (files) => files.set('calibration.json', Buffer.from(files.get('calibration.json')!.toString().replace('"click": {', '"purchase": {'))));
    const error = await loadError(renamed);
    assert.ok(error instanceof BundleError);
    assert.equal(error.describe(), `${join(renamed, 'calibration.json')}: field 'tasks.purchase': calibration for task 'purchase', which is not a head of the model (heads: click)`);
  });
  await t.test('a utility term for a missing task', async () => {
    const edited = join(f.root, 'utility-task');
    await editAndRehash(bundleDir, edited, (files) => files.set('utility.yaml', Buffer.from('version: x\nterms:\n  hide: -2\n')));
    assert.match((await loadError(edited)).describe(), /utility\.yaml: field 'terms\.hide': utility term for task 'hide'/);
    await assert.rejects(createBundle(f.dnn, join(f.root, 'never'), { utility: join(f.root, 'utility-mt.yaml') }), (e: ConfigError) => e instanceof ConfigError && /utility-mt\.yaml: field 'terms\.buy'/.test(e.describe()));
  });
  await t.test("another model's served graph", async () => {
    const swapped = join(f.root, 'onnx-swap');
    const foreign = await readFile(join(mmoeBundle, 'model.onnx'));
    await editAndRehash(bundleDir, swapped, (files) => files.set('model.onnx', foreign));
    assert.match((await loadError(swapped)).describe(), /model\.onnx: field 'metadata': model\.onnx is an export of a mmoe model with tasks 'click,buy', but model\.json describes a dnn model with tasks 'click'/);
  });
  await t.test('a corrupt ONNX file', async () => {
    const corrupt = join(f.root, 'onnx-corrupt');
    await editAndRehash(bundleDir, corrupt, (files) => files.set('model.onnx', Buffer.from('not onnx at all')));
    assert.match((await loadError(corrupt)).describe(), /model\.onnx: not a valid ONNX model/);
  });
});

test('writing is atomic: a failure midway leaves no bundle, no temp directory, and a previous bundle intact', async (t) => {
  await t.test('writeDirAtomic: fill fails after writing files', async () => {
    const parent = join(f.root, 'atomic');
    await mkdir(parent);
    const failure = new Error('disk full');
    await assert.rejects(writeDirAtomic(join(parent, 'out'), async (temp) => {
      await writeFile(join(temp, 'model.onnx'), 'half');
      throw failure;
    }), (e) => e === failure);
    assert.deepEqual(await listTree(parent), []);
  });
  await t.test('createBundle fails verifying the written files (a calibrated task without a head)', async () => {
    const model = join(f.root, 'bad-model');
    await cp(f.dnn, model, { recursive: true });
    const calibration = await readFile(join(model, 'calibration.json'), 'utf8');
    await writeFile(join(model, 'calibration.json'), calibration.replace('"click": {', '"hide": {'));
    const parent = join(f.root, 'atomic-create');
    await mkdir(parent);
    const out = join(parent, 'bundle');
    await assert.rejects(createBundle(model, out), (e: BundleError) => e instanceof BundleError && e.location.file === join(out, 'calibration.json'));
    assert.deepEqual(await listTree(parent), [], 'no bundle and no temp directory');

    await createBundle(f.dnn, out);
    const before = await snapshotFiles(out);
    await assert.rejects(createBundle(model, out), BundleError);
    assert.deepEqual(await snapshotFiles(out), before, 'the previous bundle is untouched');
    assert.deepEqual((await readdir(parent)), ['bundle']);
  });
  await t.test('a directory that is not a bundle is not replaced', async () => {
    const precious = join(f.root, 'precious');
    await mkdir(precious);
    await writeFile(join(precious, 'notes.txt'), 'keep me');
    await assert.rejects(createBundle(f.dnn, precious), (e: BundleError) => e instanceof BundleError && /exists and is not a bundle/.test(e.message));
    assert.deepEqual(await listTree(precious), ['notes.txt']);
  });
});
