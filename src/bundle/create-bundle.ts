/**
 * Package a trained model directory as a bundle: everything serving needs in one directory, with
 * a manifest of content hashes (bundle-manifest.ts), optionally also as one .tar file.
 *
 *   model.onnx    the serving graph re-exported from the weights (weights as initializers; the
 *                 weight products as int8 with `quantize`)
 *   model.json    model type and config, heads, feature spec, training record (metrics, data fingerprint)
 *   weights.bin   every tensor, as saved by `deeprank train`
 *   schema.json, vocab.json, stats.json   the fitted feature pipeline
 *   calibration.json   per-task calibration, when the model was calibrated
 *   utility.yaml  the utility policy, when one is given
 *   manifest.json written last: version, time, model, heads, features, inputs, metrics, file hashes
 *
 * The bundle is filled in a temp directory beside `outDir`, verified there exactly as loadBundle
 * verifies it, and only then renamed into place; a failure at any step leaves no bundle behind
 * and any previous bundle at `outDir` intact.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CALIBRATION_FILE, loadCalibration } from '../calibration/calibration-file.js';
import { STATS_FILE, SCHEMA_FILE, VOCAB_FILE } from '../data/feature-pipeline.js';
import type { Quantization } from '../engine/int8-quantization.js';
import { BundleError } from '../errors.js';
import { loadModel, servingOnnx } from '../train/model-artifact.js';
import { writeDirAtomic } from '../util/atomic-dir.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { contentHash } from '../util/content-hash.js';
import { checkPolicyTasks, readUtilityPolicy } from '../utility/utility-policy.js';
import { bundleFeatures, summarizeOnnx } from './bundle-compatibility.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, MANIFEST_FILE, UTILITY_FILE, type BundleManifest } from './bundle-manifest.js';
import { loadBundle, locate, type Bundle } from './load-bundle.js';
import { writeTar } from './tar-archive.js';

export interface CreateBundleOptions {
  /** A utility policy YAML file to ship with the model; its terms must be task heads. */
  utility?: string;
  /** Also write the bundle as one .tar file here (atomically). */
  archive?: string;
  /** Serve the weight products as integer GEMMs (engine/int8-quantization.ts). */
  quantize?: Quantization;
}

type MetricRecord = Record<string, number>;

export async function createBundle(modelDir: string, outDir: string, options: CreateBundleOptions = {}): Promise<Bundle> {
  if (existsSync(outDir) && !existsSync(join(outDir, MANIFEST_FILE))) {
    throw new BundleError('exists and is not a bundle; not replacing it', { file: outDir });
  }
  const { model, manifest: modelManifest } = await loadModel(modelDir);
  const heads = [...model.heads];
  const policy = options.utility !== undefined ? await readUtilityPolicy(options.utility) : undefined;
  if (policy) checkPolicyTasks(policy, heads.map((h) => h.task), options.utility);
  const calibration = await loadCalibration(modelDir);

  const files = new Map<string, Uint8Array>();
  files.set('model.onnx', servingOnnx(model, { deeprank_bundle_version: String(BUNDLE_VERSION) }, options.quantize));
  for (const name of ['model.json', 'weights.bin', SCHEMA_FILE, VOCAB_FILE, STATS_FILE]) {
    try {
      files.set(name, await readFile(join(modelDir, name)));
    } catch (error) {
      throw new BundleError(`cannot read the model's ${name}: ${(error as Error).message}`, { file: join(modelDir, name) });
    }
  }
  if (calibration.size > 0) files.set(CALIBRATION_FILE, await readFile(join(modelDir, CALIBRATION_FILE)));
  if (options.utility !== undefined) files.set(UTILITY_FILE, await readFile(options.utility));

  const training = modelManifest.training ?? {};
  const graph = summarizeOnnx(files.get('model.onnx')!, 'model.onnx');
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    bundleVersion: BUNDLE_VERSION,
    createdAt: new Date().toISOString(),
    source: resolve(modelDir),
    model: { type: model.model.type },
    heads,
    features: bundleFeatures(model.spec),
    onnx: { inputs: graph.inputs, outputs: graph.outputs },
    ...(options.quantize ? { quantization: options.quantize } : {}),
    calibratedTasks: [...calibration.keys()],
    utilityPolicy: policy ? { version: policy.version, tasks: Object.keys(policy.terms) } : null,
    training: {
      bestEpoch: typeof training.bestEpoch === 'number' ? training.bestEpoch : null,
      validation: (training.validation as MetricRecord | undefined) ?? null,
      test: (training.test as MetricRecord | undefined) ?? null,
      data: training.data ?? null,
    },
    files: Object.fromEntries([...files].map(([name, data]) => [name, contentHash(data)])),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');

  let bundle: Bundle | undefined;
  await writeDirAtomic(outDir, async (temp) => {
    for (const [name, data] of files) await writeFile(join(temp, name), data);
    await writeFile(join(temp, MANIFEST_FILE), manifestBytes);
    try {
      bundle = { ...(await loadBundle(temp)), path: outDir };
    } catch (error) {
      throw locate(error, temp, (name) => join(outDir, name));
    }
  });
  if (options.archive !== undefined) {
    const entries = [...files, [MANIFEST_FILE, manifestBytes] as const].map(([name, data]) => ({ name, data }));
    await writeFileAtomic(options.archive, writeTar(entries, new Date(manifest.createdAt)));
  }
  return bundle!;
}
