import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { ArtifactError } from '../../src/errors.js';
import { loadModel, MODEL_FORMAT, MODEL_FORMAT_VERSION, saveModel } from '../../src/train/model-artifact.js';
import { Predictor } from '../../src/train/predict.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Trainer } from '../../src/train/trainer.js';
import { assertAllClose, range, trainConfig, withTempDir, xorSource, xorSpec } from './fixtures.js';

const source = xorSource(500, 2);
const scoredRows = range(100, 400);

/** A model trained for one epoch, so batch-norm running statistics are no longer their initial values. */
async function trainedModel(type: string, config: Record<string, unknown>, seed = 3): Promise<RankingModel> {
  const model = new RankingModel(xorSpec, RankingModel.parseModelSpec(type, { embeddingDim: 4, hiddenUnits: [8, 4], ...config }), { task: 'click', kind: 'binary', offset: 0 }, undefined, seed);
  await new Trainer(model, trainConfig({ epochs: 1, batchSize: 50, optimizer: { learningRate: 0.02 }, seed })).fit({ source, rows: range(400) });
  return model;
}

async function predict(model: RankingModel): Promise<Float32Array> {
  const predictor = await Predictor.create(model, 1);
  try {
    return (await predictor.predict(source, scoredRows)).predictions;
  } finally {
    await predictor.release();
  }
}

/** model.onnx run as a serving system would: int64 ids per categorical feature, `dense` float32, `prediction` out. */
async function predictWithOnnx(file: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file);
  try {
    assert.deepEqual([...session.inputNames].sort(), ['a', 'b', 'dense']);
    assert.deepEqual([...session.outputNames], ['prediction']);
    const [batch] = [...source.batches(scoredRows, scoredRows.length)];
    const n = batch!.size;
    const ids = (name: string) => new ort.Tensor('int64', BigInt64Array.from(batch!.categorical.get(name)!, (id) => BigInt(id)), [n]);
    const out = await session.run({ a: ids('a'), b: ids('b'), dense: new ort.Tensor('float32', batch!.dense, [n, 1]) });
    assert.deepEqual(out.prediction!.dims, [n, 1]);
    return out.prediction!.data as Float32Array;
  } finally {
    await session.release();
  }
}

const models: [string, Record<string, unknown>][] = [
  ['dnn', { batchNorm: true, dropout: 0.3 }],
  ['dcn-v2', { batchNorm: true, dropout: 0.3, crossLayers: 2 }],
];

for (const [type, config] of models) {
  test(`${type} (batchNorm, dropout): saveModel/loadModel round-trips predictions and manifest; model.onnx agrees with Predictor`, async () => {
    const model = await trainedModel(type, config);
    const moving = model.params.state.get('batch_normalization/moving_variance')!.data;
    assert.ok(moving.some((v) => v !== 1), 'training should have moved the running variance');
    const expected = await predict(model);

    await withTempDir(async (root) => {
      const dir = join(root, 'model');
      await saveModel(dir, model, { training: { epochs: 1 } });
      assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'model.onnx', 'weights.bin']);
      assert.deepEqual(await readdir(root), ['model'], 'no temp directory left beside the model');

      const { model: loaded, manifest } = await loadModel(dir);
      assert.equal(manifest.format, MODEL_FORMAT);
      assert.equal(manifest.formatVersion, MODEL_FORMAT_VERSION);
      assert.deepEqual(manifest.model, model.model);
      assert.deepEqual(manifest.head, model.head);
      assert.deepEqual(manifest.spec, model.spec);
      assert.deepEqual(manifest.training, { epochs: 1 });
      assert.deepEqual(loaded.params.snapshot(), model.params.snapshot());
      assert.deepEqual(await predict(loaded), expected);

      // Dropout is off and the running statistics are used in the served graph.
      assertAllClose(await predictWithOnnx(join(dir, 'model.onnx')), expected, 1e-5, 'model.onnx prediction');
    });
  });
}

test('saving over an existing model replaces it and leaves no temp or .old directory', async () => {
  const first = await trainedModel('dnn', { batchNorm: true }, 3);
  const second = await trainedModel('dnn', { batchNorm: true }, 4);
  await withTempDir(async (root) => {
    const dir = join(root, 'model');
    await saveModel(dir, first);
    await saveModel(dir, second);
    assert.deepEqual(await readdir(root), ['model']);
    assert.deepEqual(await predict((await loadModel(dir)).model), await predict(second));
  });
});

test('a failed save (extra throws) leaves no directory and no temp directory behind', async () => {
  const model = await trainedModel('dnn', {});
  await withTempDir(async (root) => {
    const failure = new Error('pipeline could not be written');
    await assert.rejects(
      saveModel(join(root, 'model'), model, {
        extra: async (temp) => {
          await writeFile(join(temp, 'vocab.json'), '{}');
          throw failure;
        },
      }),
      (error) => error === failure,
    );
    assert.deepEqual(await readdir(root), []);
  });
});

test('a failed save leaves the previous model at that path intact', async () => {
  const previous = await trainedModel('dnn', { batchNorm: true }, 3);
  const next = await trainedModel('dnn', { batchNorm: true }, 4);
  await withTempDir(async (root) => {
    const dir = join(root, 'model');
    await saveModel(dir, previous, { extra: (temp) => writeFile(join(temp, 'vocab.json'), '{"v":1}') });
    const files = await readdir(dir);
    const bytes = new Map(await Promise.all(files.map(async (f) => [f, await readFile(join(dir, f))] as const)));

    await assert.rejects(saveModel(dir, next, { extra: () => Promise.reject(new Error('disk full')) }), /disk full/);
    assert.deepEqual(await readdir(root), ['model']);
    assert.deepEqual((await readdir(dir)).sort(), [...files].sort());
    for (const [f, content] of bytes) assert.ok(content.equals(await readFile(join(dir, f))), `${f} changed`);
    assert.deepEqual(await predict((await loadModel(dir)).model), await predict(previous));
  });
});

/** The rejection is an ArtifactError whose location names `file` and whose message matches. */
function artifactError(file: string, message: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ArtifactError, `expected an ArtifactError, got ${String(error)}`);
    assert.equal(error.location.file, file);
    assert.match(error.message, message);
    assert.ok(error.describe().includes(file));
    return true;
  };
}

test('loading a directory without model.json is an ArtifactError naming the directory and model.json', async () => {
  await withTempDir(async (root) => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    await assert.rejects(loadModel(empty), artifactError(empty, /model\.json/));
    const missing = join(root, 'missing');
    await assert.rejects(loadModel(missing), artifactError(missing, /model\.json/));
  });
});

test('a truncated or unreadable model.json is an ArtifactError naming it', async () => {
  const model = await trainedModel('dnn', {});
  await withTempDir(async (root) => {
    const dir = join(root, 'model');
    await saveModel(dir, model);
    const manifest = join(dir, 'model.json');
    await truncate(manifest, Math.floor((await stat(manifest)).size / 2));
    await assert.rejects(loadModel(dir), artifactError(manifest, /manifest/));
  });
});

test('a missing, truncated or foreign weights.bin is an ArtifactError naming weights.bin', async () => {
  const model = await trainedModel('dnn', { batchNorm: true });
  await withTempDir(async (root) => {
    const dir = join(root, 'model');
    await saveModel(dir, model);
    const weights = join(dir, 'weights.bin');
    const original = await readFile(weights);
    const headerEnd = 8 + original.readUInt32LE(4);
    // Inside the magic, inside the length, inside the JSON header, one byte into the body, half of the
    // body, one value short, one byte short.
    const cuts = [2, 6, 8 + Math.floor((headerEnd - 8) / 2), headerEnd + 1, headerEnd + 4 * Math.floor((original.length - headerEnd) / 8), original.length - 4, original.length - 1];
    for (const cut of cuts) {
      await writeFile(weights, original.subarray(0, cut));
      await assert.rejects(loadModel(dir), artifactError(weights, /./), `weights.bin cut to ${cut} of ${original.length} bytes`);
    }
    await writeFile(weights, 'not a tensor file at all');
    await assert.rejects(loadModel(dir), artifactError(weights, /tensor file/));
    await writeFile(weights, original);
    assert.deepEqual((await loadModel(dir)).model.params.snapshot(), model.params.snapshot());
    await truncate(weights, 0);
    await assert.rejects(loadModel(dir), artifactError(weights, /./));
    await rm(weights);
    await assert.rejects(loadModel(dir), artifactError(weights, /cannot read/));
  });
});

test('weights.bin from a different model is an ArtifactError naming weights.bin and the missing tensor', async () => {
  const model = await trainedModel('dnn', { batchNorm: true });
  const other = await trainedModel('dnn', { batchNorm: false });
  await withTempDir(async (root) => {
    await saveModel(join(root, 'a'), model);
    await saveModel(join(root, 'b'), other);
    await writeFile(join(root, 'a', 'weights.bin'), await readFile(join(root, 'b', 'weights.bin')));
    await assert.rejects(loadModel(join(root, 'a')), artifactError(join(root, 'a', 'weights.bin'), /batch_normalization/));
  });
});
