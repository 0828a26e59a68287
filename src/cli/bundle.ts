/**
 * `deeprank bundle create` packages a model directory as a verified bundle (and optionally one
 * .tar file); `deeprank bundle inspect` verifies a bundle and prints its manifest: version,
 * creation time, model, heads, features, serving inputs, metrics, training data and file hashes.
 */
import { createBundle } from '../bundle/create-bundle.js';
import { loadBundle, type Bundle } from '../bundle/load-bundle.js';
import type { Quantization } from '../engine/int8-quantization.js';

export async function bundleCreateCommand(options: { model: string; out: string; utility?: string; archive?: string; quantize?: Quantization }): Promise<void> {
  const { utility, archive, quantize } = options;
  const bundle = await createBundle(options.model, options.out, { ...(utility !== undefined ? { utility } : {}), ...(archive !== undefined ? { archive } : {}), ...(quantize !== undefined ? { quantize } : {}) });
  const files = Object.keys(bundle.manifest.files).length + 1;
  console.log(`bundle v${bundle.manifest.bundleVersion} of ${bundle.manifest.model.type} (${files} files, verified) written to ${options.out}${options.archive !== undefined ? ` and ${options.archive}` : ''}`);
}

const formatMetrics = (metrics: Record<string, number> | null) =>
  metrics ? Object.entries(metrics).map(([name, value]) => `${name} ${Number.isInteger(value) ? value : value.toFixed(4)}`).join(', ') : 'none recorded';

function summary(bundle: Bundle): string {
  const m = bundle.manifest;
  const lines = [
    `bundle       ${bundle.path} (format ${m.format} v${m.bundleVersion}, every file hash verified)`,
    `created      ${m.createdAt} from ${m.source}`,
    `model        ${m.model.type}${m.quantization ? ` (weight products ${m.quantization})` : ''}`,
    `heads        ${m.heads.map((h) => `${h.task} (${h.kind}${m.calibratedTasks.includes(h.task) ? ', calibrated' : ''})`).join(', ')}`,
    `utility      ${m.utilityPolicy ? `version ${m.utilityPolicy.version} over ${m.utilityPolicy.tasks.join(', ')}` : 'none'}`,
    `features     ${m.features.map((f) => (f.cardinality !== undefined ? `${f.name} (${f.kind}, ${f.cardinality} ids)` : `${f.name} (${f.kind})`)).join(', ')}`,
    `inputs       ${m.onnx.inputs.map((i) => `${i.name} ${i.type}[${i.shape.join(', ')}]`).join(', ')}`,
    `outputs      ${m.onnx.outputs.join(', ')}`,
    `validation   ${formatMetrics(m.training.validation)}${m.training.bestEpoch !== null ? ` (best epoch ${m.training.bestEpoch})` : ''}`,
    `test         ${formatMetrics(m.training.test)}`,
  ];
  const data = m.training.data as { files?: { role: string; file: string; sha256: string }[]; rows?: Record<string, number> } | null;
  if (data?.rows) lines.push(`trained on   ${Object.entries(data.rows).map(([part, n]) => `${part} ${n} rows`).join(', ')}`);
  for (const f of data?.files ?? []) lines.push(`  ${f.role.padEnd(10)} ${f.file} sha256 ${f.sha256}`);
  lines.push('files');
  for (const [name, { sha256, bytes }] of Object.entries(m.files)) lines.push(`  ${name.padEnd(17)} ${String(bytes).padStart(10)} bytes  sha256 ${sha256}`);
  return lines.join('\n');
}

export async function bundleInspectCommand(path: string, options: { json?: boolean }): Promise<void> {
  const bundle = await loadBundle(path);
  console.log(options.json ? JSON.stringify({ path, verified: true, ...bundle.manifest }, null, 2) : summary(bundle));
}
