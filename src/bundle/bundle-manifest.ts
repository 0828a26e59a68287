/**
 * manifest.json of a model bundle: what the bundle holds and the content hash of every other file
 * in it. It is written last, so its presence marks a complete bundle, and read first on load.
 */
import { z } from 'zod';
import { BundleError } from '../errors.js';

export const BUNDLE_FORMAT = 'deeprank-bundle';
export const BUNDLE_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const UTILITY_FILE = 'utility.yaml';

const HeadSchema = z.strictObject({ task: z.string(), kind: z.enum(['binary', 'regression']), offset: z.number() });
const FileEntrySchema = z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() });
const FeatureSchema = z.strictObject({
  name: z.string(),
  kind: z.enum(['categorical', 'multiValue', 'sequence', 'numeric']),
  cardinality: z.number().int().optional(),
});
const OnnxValueSchema = z.strictObject({ name: z.string(), type: z.enum(['int64', 'float32', 'float64', 'bool']), shape: z.array(z.union([z.number().int(), z.string()])) });

export const BundleManifestSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  bundleVersion: z.number().int(),
  createdAt: z.string(),
  /** The model directory the bundle was made from, as given to createBundle. */
  source: z.string(),
  model: z.strictObject({ type: z.string() }),
  heads: z.array(HeadSchema).min(1),
  features: z.array(FeatureSchema),
  onnx: z.strictObject({ inputs: z.array(OnnxValueSchema), outputs: z.array(z.string()) }),
  /** How model.onnx's weight products are stored when not as float32 (engine/int8-quantization.ts); absent for float bundles. */
  quantization: z.enum(['int8']).optional(),
  calibratedTasks: z.array(z.string()),
  utilityPolicy: z.strictObject({ version: z.string(), tasks: z.array(z.string()) }).nullable(),
  training: z.strictObject({
    bestEpoch: z.number().int().nullable(),
    validation: z.record(z.string(), z.number()).nullable(),
    test: z.record(z.string(), z.number()).nullable(),
    /** Files (with hashes) and row counts the model was trained on; null for models trained in code. */
    data: z.unknown().nullable(),
  }),
  files: z.record(z.string(), FileEntrySchema),
});

export type BundleManifest = z.output<typeof BundleManifestSchema>;
export type BundleFeature = z.output<typeof FeatureSchema>;
export type OnnxValueInfo = z.output<typeof OnnxValueSchema>;

export function parseManifest(bytes: Uint8Array, file: string): BundleManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new BundleError(`unreadable manifest: ${(error as Error).message}`, { file });
  }
  const header = raw as { format?: unknown; bundleVersion?: unknown } | null;
  if (header?.format !== BUNDLE_FORMAT) throw new BundleError(`not a deeprank bundle manifest (format ${JSON.stringify(header?.format)})`, { file, field: 'format' });
  if (header.bundleVersion !== BUNDLE_VERSION) {
    throw new BundleError(`unsupported bundle version ${JSON.stringify(header.bundleVersion)}; this deeprank reads version ${BUNDLE_VERSION}`, { file, field: 'bundleVersion' });
  }
  const parsed = BundleManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BundleError(`invalid manifest: ${issue.message}`, { file, field: issue.path.join('.') });
  }
  return parsed.data;
}
