/**
 * A trained model on disk, one directory:
 *   model.json   manifest: format version, model type + config, head(s), feature spec, training
 *                config, history and metrics
 *   weights.bin  every tensor (dense weights, embedding tables, running statistics)
 *   model.onnx   the serving graph (int64 ids in, `prediction` out, plus `prediction/<task>` per
 *                task of a multi-task model; weights inlined)
 *   schema.json, vocab.json, stats.json   the fitted feature pipeline
 * The directory is written beside the target and renamed into place, so a reader never sees a
 * half-written model and a failed save leaves the previous model intact.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FeatureSpec } from '../data/batch.js';
import { ParameterStore } from '../engine/parameter-store.js';
import { readTensorFile, writeTensorFile } from '../engine/tensor-file.js';
import type { Quantization } from '../engine/int8-quantization.js';
import { ArtifactError } from '../errors.js';
import { writeDirAtomic } from '../util/atomic-dir.js';
import { RankingModel, type Head, type ModelSpec } from './ranking-model.js';

export const MODEL_FORMAT = 'deeprank-model';
export const MODEL_FORMAT_VERSION = 1;

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  createdAt: string;
  model: ModelSpec;
  /** The main head. */
  head: Head;
  /** Every head of a multi-task model (the first is `head`); absent for single-task models. */
  heads?: Head[];
  spec: FeatureSpec;
  /** Anything the caller records: training config, history, validation/test metrics. */
  training?: Record<string, unknown>;
}

/** model.onnx: the serving graph, with the model type and its tasks as metadata so a loader can tell whose export it is. */
export function servingOnnx(model: RankingModel, metadata: Record<string, string> = {}, quantize?: Quantization): Uint8Array {
  return model.exportOnnx({ deeprank_model: model.model.type, deeprank_task: model.heads.map((h) => h.task).join(','), ...metadata }, undefined, quantize ? { quantize } : {});
}

/** Write `model` (and whatever `extra` writes, e.g. the feature pipeline) to `dir` atomically. */
export async function saveModel(dir: string, model: RankingModel, { training, extra }: { training?: Record<string, unknown>; extra?: (tempDir: string) => Promise<void> } = {}): Promise<void> {
  await writeDirAtomic(dir, async (temp) => {
    const manifest: ModelManifest = {
      format: MODEL_FORMAT,
      formatVersion: MODEL_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      model: model.model,
      head: model.head,
      ...(model.heads.length > 1 ? { heads: [...model.heads] } : {}),
      spec: model.spec,
      ...(training ? { training } : {}),
    };
    await writeFile(join(temp, 'model.json'), JSON.stringify(manifest, null, 2) + '\n');
    const tensors = new Map([...model.params.allTensors()].map(([name, t]) => [`${t.kind}:${name}`, t]));
    await writeTensorFile(join(temp, 'weights.bin'), tensors);
    await writeFile(join(temp, 'model.onnx'), servingOnnx(model));
    await extra?.(temp);
  });
}

export async function loadModel(dir: string): Promise<{ model: RankingModel; manifest: ModelManifest }> {
  const manifestPath = join(dir, 'model.json');
  if (!existsSync(manifestPath)) throw new ArtifactError('not a deeprank model directory (no model.json)', { file: dir });
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ModelManifest;
  } catch (error) {
    throw new ArtifactError(`unreadable manifest: ${(error as Error).message}`, { file: manifestPath });
  }
  if (manifest.format !== MODEL_FORMAT || manifest.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new ArtifactError(`unsupported model format ${manifest.format} v${manifest.formatVersion} (this deeprank reads ${MODEL_FORMAT} v${MODEL_FORMAT_VERSION})`, { file: manifestPath });
  }
  const params = new ParameterStore();
  const model = new RankingModel(manifest.spec, manifest.model, manifest.heads ?? manifest.head, params);
  // Building once creates every tensor with its shape; the saved values then overwrite them.
  model.build('eval');
  const { tensors } = await readTensorFile(join(dir, 'weights.bin'));
  const values = new Map([...tensors].map(([key, t]) => [key.slice(key.indexOf(':') + 1), t.data]));
  try {
    params.restore(values);
  } catch (error) {
    throw new ArtifactError((error as Error).message, { file: join(dir, 'weights.bin') });
  }
  return { model, manifest };
}
