/**
 * Whether the parts of a bundle belong together: the served graph must take exactly the inputs
 * the feature pipeline produces (names, element types, shapes) and its embedding tables must have
 * one row per vocabulary id, or a server would feed it misordered tensors or out-of-range ids
 * ("old model with new vocab"). Calibrations and utility terms must name task heads of the model.
 */
import onnxProto from 'onnx-proto';
import type { FeatureSpec } from '../data/batch.js';
import { declaredValue } from '../engine/onnx-value-info.js';
import { BundleError } from '../errors.js';
import { predictionOutput, type Head } from '../train/ranking-model.js';
import { UTILITY_FILE, type BundleFeature, type OnnxValueInfo } from './bundle-manifest.js';

const { onnx } = onnxProto;

export interface OnnxGraphSummary {
  inputs: OnnxValueInfo[];
  outputs: string[];
  /** Embedding tables the graph gathers from by a feature's ids: feature input -> table rows. */
  gatherRows: { feature: string; table: string; rows: number }[];
  /** The model's metadata properties (deeprank_model, deeprank_task, ...). */
  metadata: Map<string, string>;
}

/** Inputs, outputs and embedding-table gathers of a serialized ONNX model. */
export function summarizeOnnx(bytes: Uint8Array, file: string): OnnxGraphSummary {
  let model: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new BundleError(`not a valid ONNX model: ${(error as Error).message}`, { file });
  }
  const graph = model.graph;
  if (!graph) throw new BundleError('the ONNX model has no graph', { file });
  const initializerDims = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', (t.dims ?? []).map(Number)]));
  const inputs: OnnxValueInfo[] = (graph.input ?? []).map(declaredValue);
  const inputNames = new Set(inputs.map((i) => i.name));
  const gatherRows = (graph.node ?? [])
    .filter((n) => n.opType === 'Gather' && inputNames.has(n.input?.[1] ?? '') && initializerDims.has(n.input?.[0] ?? ''))
    .map((n) => ({ feature: n.input![1]!, table: n.input![0]!, rows: initializerDims.get(n.input![0]!)![0]! }));
  const metadata = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  return { inputs, outputs: (graph.output ?? []).map((o) => o.name ?? ''), gatherRows, metadata };
}

/** The serving inputs a pipeline with `spec` produces, as the exported graph declares them. */
export function expectedInputs(spec: FeatureSpec): Map<string, { type: OnnxValueInfo['type']; shape: (number | null)[]; feature: string }> {
  const expected = new Map<string, { type: OnnxValueInfo['type']; shape: (number | null)[]; feature: string }>();
  for (const c of spec.categorical) expected.set(c.name, { type: 'int64', shape: [null], feature: c.name });
  for (const m of [...spec.multiValue, ...(spec.sequence ?? [])]) {
    expected.set(m.name, { type: 'int64', shape: [null, m.maxLength], feature: m.name });
    expected.set(`${m.name}_mask`, { type: 'float32', shape: [null, m.maxLength], feature: m.name });
  }
  if (spec.numeric.length > 0) expected.set('dense', { type: 'float32', shape: [null, spec.numeric.length], feature: spec.numeric.join(',') });
  return expected;
}

/** The features of a spec in manifest form. */
export function bundleFeatures(spec: FeatureSpec): BundleFeature[] {
  return [
    ...spec.categorical.map((c) => ({ name: c.name, kind: 'categorical' as const, cardinality: c.cardinality })),
    ...spec.multiValue.map((m) => ({ name: m.name, kind: 'multiValue' as const, cardinality: m.cardinality })),
    ...(spec.sequence ?? []).map((s) => ({ name: s.name, kind: 'sequence' as const, cardinality: s.cardinality })),
    ...spec.numeric.map((name) => ({ name, kind: 'numeric' as const })),
  ];
}

const shapeText = (shape: readonly (number | string | null)[]) => `[${shape.map((d) => (typeof d === 'number' ? d : 'batch')).join(', ')}]`;

/** The served graph against the pipeline's features: a BundleError naming the first mismatch. */
export function checkOnnxAgainstSpec(graph: OnnxGraphSummary, spec: FeatureSpec, heads: readonly Head[]): void {
  const expected = expectedInputs(spec);
  for (const input of graph.inputs) {
    const want = expected.get(input.name);
    if (!want) throw new BundleError(`model.onnx takes input '${input.name}', which is not a feature of schema.json (features: ${[...expected.keys()].join(', ')})`, { file: 'model.onnx', field: input.name });
    const shapeMatches = input.shape.length === want.shape.length && want.shape.every((d, i) => (d === null ? typeof input.shape[i] === 'string' : input.shape[i] === d));
    if (input.type !== want.type || !shapeMatches) {
      throw new BundleError(`model.onnx input '${input.name}' is ${input.type} ${shapeText(input.shape)}, but schema.json's feature gives ${want.type} ${shapeText(want.shape)}`, { file: 'model.onnx', field: input.name });
    }
  }
  const cardinality = new Map([...spec.categorical, ...spec.multiValue, ...(spec.sequence ?? [])].map((f) => [f.name, f.cardinality]));
  for (const { feature, table, rows } of graph.gatherRows) {
    const ids = cardinality.get(feature);
    if (ids !== undefined && ids !== rows) {
      throw new BundleError(`the vocabulary of '${feature}' has ${ids} ids but the model's embedding table '${table}' has ${rows} rows`, { file: 'vocab.json', field: feature });
    }
  }
  const outputs = heads.length > 1 ? ['prediction', ...heads.map((h) => predictionOutput(h.task))] : ['prediction'];
  for (const output of outputs) {
    if (!graph.outputs.includes(output)) throw new BundleError(`model.onnx has no output '${output}' (outputs: ${graph.outputs.join(', ')})`, { file: 'model.onnx', field: output });
  }
}

/** The served graph must be an export of the model model.json describes: same type, same task heads. */
export function checkOnnxIdentity(graph: OnnxGraphSummary, modelType: string, heads: readonly Head[]): void {
  const served = { model: graph.metadata.get('deeprank_model'), tasks: graph.metadata.get('deeprank_task') };
  const saved = { model: modelType, tasks: heads.map((h) => h.task).join(',') };
  if (served.model !== saved.model || served.tasks !== saved.tasks) {
    throw new BundleError(`model.onnx is an export of a ${served.model ?? 'unknown'} model with tasks '${served.tasks ?? ''}', but model.json describes a ${saved.model} model with tasks '${saved.tasks}'`, { file: 'model.onnx', field: 'metadata' });
  }
}

/** The model's saved feature spec (what its weights were built for) against the pipeline's. */
export function checkModelSpecAgainstPipeline(modelSpec: FeatureSpec, pipelineSpec: FeatureSpec): void {
  const sections = ['categorical', 'multiValue', 'sequence', 'numeric', 'tasks'] as const;
  for (const section of sections) {
    if (JSON.stringify(modelSpec[section] ?? []) !== JSON.stringify(pipelineSpec[section] ?? [])) {
      throw new BundleError(`schema.json's ${section} features ${JSON.stringify(pipelineSpec[section] ?? [])} do not match the model's ${JSON.stringify(modelSpec[section] ?? [])}`, { file: 'schema.json', field: `spec.${section}` });
    }
  }
}

/** Every calibrated task and every utility term must be a task head of the model. */
export function checkTasks(heads: readonly Head[], calibratedTasks: readonly string[], utilityTasks: readonly string[]): void {
  const tasks = heads.map((h) => h.task);
  for (const task of calibratedTasks) {
    if (!tasks.includes(task)) throw new BundleError(`calibration for task '${task}', which is not a head of the model (heads: ${tasks.join(', ')})`, { file: 'calibration.json', field: `tasks.${task}` });
  }
  for (const task of utilityTasks) {
    if (!tasks.includes(task)) throw new BundleError(`utility term for task '${task}', which is not a head of the model (heads: ${tasks.join(', ')})`, { file: UTILITY_FILE, field: `terms.${task}` });
  }
}
