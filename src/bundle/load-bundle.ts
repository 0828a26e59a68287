/**
 * Open a model bundle (directory or .tar archive) for serving. Nothing is used before every file's
 * SHA-256 and size match the manifest, no file is missing or unlisted, and the parts are checked
 * against each other (bundle-compatibility.ts). Any problem is one BundleError (or the
 * ArtifactError/ConfigError of the part that is bad) naming the file inside the bundle.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadCalibration } from '../calibration/calibration-file.js';
import type { SegmentedCalibration } from '../calibration/segmented-calibration.js';
import { FeaturePipeline } from '../data/feature-pipeline.js';
import type { ProductPrecision } from '../engine/graph.js';
import { NativeScoringSession } from '../engine/native-scoring-session.js';
import { NativeSession, warnIfBf16Emulated } from '../engine/native-session.js';
import { OnnxSession, type Feed, type TensorData } from '../engine/runtime.js';
import { BundleError, ConfigError, DeeprankError } from '../errors.js';
import { loadModel, type ModelManifest } from '../train/model-artifact.js';
import type { Head, RankingModel } from '../train/ranking-model.js';
import { contentHash } from '../util/content-hash.js';
import { readUtilityPolicy, type UtilityPolicy } from '../utility/utility-policy.js';
import { checkModelSpecAgainstPipeline, checkOnnxAgainstSpec, checkOnnxIdentity, checkTasks, summarizeOnnx } from './bundle-compatibility.js';
import { MANIFEST_FILE, parseManifest, UTILITY_FILE, type BundleManifest, type OnnxValueInfo } from './bundle-manifest.js';
import { readTar } from './tar-archive.js';

/** Files every bundle has besides the manifest (calibration.json and utility.yaml are optional). */
export const REQUIRED_BUNDLE_FILES = ['model.onnx', 'model.json', 'weights.bin', 'schema.json', 'vocab.json', 'stats.json'] as const;

/** A verified bundle: everything a server needs to score requests. */
export interface Bundle {
  /** The directory or archive it was loaded from. */
  path: string;
  manifest: BundleManifest;
  /** The serving graph (weights as initializers), ready for OnnxSession.create / createSession. */
  onnx: Uint8Array;
  /** The graph's inputs (int64 ids per categorical feature, ids + `<name>_mask` per padded feature, float32 `dense`). */
  inputs: OnnxValueInfo[];
  /** `prediction`, plus `prediction/<task>` per head of a multi-task model. */
  outputs: string[];
  /** Encodes raw rows into the graph's inputs: schema, vocabularies, normalization statistics. */
  pipeline: FeaturePipeline;
  /** The model with its weights (for Predictor.output/explain), built from model.json and weights.bin. */
  model: RankingModel;
  modelManifest: ModelManifest;
  heads: Head[];
  /** Calibration by task; tasks without one serve raw predictions. */
  calibration: Map<string, SegmentedCalibration>;
  utility?: UtilityPolicy;
  /**
   * A session scoring with the bundle's graph. `precision: 'bf16'` multiplies the same weights
   * in bf16 (deeprank's own sessions; refused for an int8 bundle); `context` names features fed
   * once per request (RankingModel.exportOnnx).
   */
  createSession(options?: ScoringSessionOptions): Promise<ScoringSession>;
}

/** What scores: OnnxSession, or NativeScoringSession for a graph with bf16 products. */
export interface ScoringSession {
  run(feeds: Readonly<Record<string, Feed>>, fetches?: readonly string[]): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

export interface ScoringSessionOptions {
  threads?: number;
  precision?: ProductPrecision;
  context?: ReadonlySet<string>;
}

async function createScoringSession(onnx: Uint8Array, model: RankingModel, manifest: BundleManifest, { threads, precision = 'float32', context }: ScoringSessionOptions): Promise<ScoringSession> {
  const options = threads !== undefined ? { threads } : {};
  if (precision === 'float32') return OnnxSession.create(context?.size ? model.exportOnnx({}, context) : onnx, options);
  if (manifest.quantization) throw new ConfigError(`precision 'bf16' multiplies the float32 weights in bf16; this bundle's products are ${manifest.quantization} already`, { field: 'precision' });
  warnIfBf16Emulated("precision 'bf16'");
  const session = NativeScoringSession.create(model.exportOnnx({}, context, { products: 'bf16' }), options);
  if (!session) throw new ConfigError(`precision 'bf16' runs in deeprank's own ONNX Runtime sessions, which need its native addon (${NativeSession.unavailable()}); use precision 'float32'`, { field: 'precision' });
  return session;
}

/** The bundle's files by name, from a directory or an archive. */
async function readBundleFiles(path: string): Promise<{ files: Map<string, Buffer>; archive: boolean }> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new BundleError('no bundle at this path', { file: path });
  }
  if (info.isFile()) {
    const entries = readTar(await readFile(path), path);
    const files = new Map<string, Buffer>();
    for (const { name, data } of entries) {
      if (files.has(name)) throw new BundleError(`the archive holds '${name}' twice`, { file: path });
      files.set(name, Buffer.from(data));
    }
    return { files, archive: true };
  }
  const entries = await readdir(path, { withFileTypes: true });
  const files = new Map<string, Buffer>();
  for (const entry of entries) {
    if (!entry.isFile()) throw new BundleError(`'${entry.name}' is not a regular file; a bundle holds only files`, { file: join(path, entry.name) });
    files.set(entry.name, await readFile(join(path, entry.name)));
  }
  return { files, archive: false };
}

/** Every listed file present with its hash and size; nothing unlisted; the required files listed. */
function verifyContents(manifest: BundleManifest, files: ReadonlyMap<string, Buffer>, where: (name: string) => string): void {
  for (const [name, expected] of Object.entries(manifest.files)) {
    const data = files.get(name);
    if (!data) throw new BundleError('missing from the bundle (listed in the manifest)', { file: where(name) });
    const actual = contentHash(data);
    if (actual.bytes !== expected.bytes) throw new BundleError(`size ${actual.bytes} bytes, the manifest says ${expected.bytes}: the file was changed or truncated`, { file: where(name) });
    if (actual.sha256 !== expected.sha256) throw new BundleError(`content hash ${actual.sha256.slice(0, 12)}... does not match the manifest's ${expected.sha256.slice(0, 12)}...: the file was changed`, { file: where(name) });
  }
  for (const name of files.keys()) {
    if (name !== MANIFEST_FILE && !(name in manifest.files)) throw new BundleError('not listed in the manifest', { file: where(name) });
  }
  for (const name of REQUIRED_BUNDLE_FILES) {
    if (!(name in manifest.files)) throw new BundleError(`the manifest lists no ${name}`, { file: where(MANIFEST_FILE), field: 'files' });
  }
}

/** A DeeprankError about a file of the unpacked bundle, re-pointed at that file in the bundle. */
export function locate(error: unknown, unpacked: string, where: (name: string) => string): unknown {
  if (!(error instanceof DeeprankError)) return error;
  const file = error.location.file;
  if (file === undefined) return error;
  const name = file.startsWith(unpacked) ? file.slice(unpacked.length).replace(/^[/\\]+/, '') : file;
  if (name === file && file.includes('/')) return error;
  const Kind = error.constructor as new (message: string, location: DeeprankError['location']) => DeeprankError;
  return new Kind(error.message, { ...error.location, file: where(name || MANIFEST_FILE) });
}

export async function loadBundle(path: string): Promise<Bundle> {
  const { files, archive } = await readBundleFiles(path);
  const where = (name: string) => (archive ? `${path}:${name}` : join(path, name));
  const manifestBytes = files.get(MANIFEST_FILE);
  if (!manifestBytes) throw new BundleError(`not a deeprank bundle (no ${MANIFEST_FILE})`, { file: path });
  const manifest = parseManifest(manifestBytes, where(MANIFEST_FILE));
  verifyContents(manifest, files, where);

  // The part loaders read a directory; an archive's verified bytes are unpacked to a private one.
  const unpacked = archive ? await mkdtemp(join(tmpdir(), 'deeprank-bundle-')) : resolve(path);
  try {
    if (archive) await Promise.all([...files].map(([name, data]) => writeFile(join(unpacked, name), data)));
    const { model, manifest: modelManifest } = await loadModel(unpacked);
    const pipeline = await FeaturePipeline.load(unpacked);
    const onnx = files.get('model.onnx')!;
    const graph = summarizeOnnx(onnx, 'model.onnx');
    const heads = [...model.heads];
    checkOnnxIdentity(graph, model.model.type, heads);
    checkOnnxAgainstSpec(graph, pipeline.spec(), heads);
    checkModelSpecAgainstPipeline(model.spec, pipeline.spec());
    const calibration = await loadCalibration(unpacked);
    const utility = files.has(UTILITY_FILE) ? await readUtilityPolicy(join(unpacked, UTILITY_FILE)) : undefined;
    checkTasks(heads, [...calibration.keys()], utility ? Object.keys(utility.terms) : []);
    if (manifest.model.type !== model.model.type || JSON.stringify(manifest.heads) !== JSON.stringify(heads)) {
      throw new BundleError(`the manifest describes a ${manifest.model.type} model with heads ${manifest.heads.map((h) => h.task).join(', ')}, model.json a ${model.model.type} with ${heads.map((h) => h.task).join(', ')}`, { file: MANIFEST_FILE, field: 'model' });
    }
    return {
      path,
      manifest,
      onnx,
      inputs: graph.inputs,
      outputs: graph.outputs,
      pipeline,
      model,
      modelManifest,
      heads,
      calibration,
      ...(utility ? { utility } : {}),
      createSession: (options = {}) => createScoringSession(onnx, model, manifest, options),
    };
  } catch (error) {
    throw locate(error, unpacked, where);
  } finally {
    if (archive) await rm(unpacked, { recursive: true, force: true });
  }
}
