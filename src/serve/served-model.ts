/**
 * One bundle ready to serve: loaded and verified, its ONNX Runtime session open, its request
 * parser built from its schema, and proven by a warm-up score (one all-missing candidate) that
 * must give finite scores. A bundle that fails any of this is refused before it can serve.
 */
import type { ProductPrecision } from '../engine/graph.js';
import { BundleScorer, type BundleScores } from '../bundle/bundle-scorer.js';
import { loadBundle, type Bundle } from '../bundle/load-bundle.js';
import type { SegmentValues } from '../calibration/segmented-calibration.js';
import { BundleError, DeeprankError } from '../errors.js';
import { contentHash } from '../util/content-hash.js';
import { ContextFeatures } from './context-features.js';
import { featureQuality, type FeatureQuality } from './feature-quality.js';
import { RequestError } from './request-error.js';
import { RequestParser, requestFields, type ScoreRequest } from './request-schema.js';
import { REQUEST_FILE, requestTable, segmentValues } from './request-table.js';

/** Which model answers: type, when its bundle was made and the hash of its manifest (which hashes every file). */
export interface ModelVersion {
  type: string;
  createdAt: string;
  /** First 16 hex digits of the manifest's SHA-256. */
  manifestSha256: string;
  path: string;
  /** How its weight products are stored: 'float32', or 'int8' for a bundle made with --quantize int8. */
  precision: string;
}

export interface ScoredRequest {
  scores: BundleScores;
  quality: Map<string, FeatureQuality>;
}

export class ServedModel {
  private readonly contextFeatures: ContextFeatures;

  private constructor(
    readonly bundle: Bundle,
    readonly scorer: BundleScorer,
    readonly parser: RequestParser,
    readonly version: ModelVersion,
  ) {
    this.contextFeatures = new ContextFeatures(bundle.pipeline);
  }

  static async open(path: string, options: { threads?: number; maxCandidates?: number; precision?: ProductPrecision } = {}): Promise<ServedModel> {
    const bundle = await loadBundle(path);
    const scorer = await BundleScorer.create(bundle, { ...(options.threads !== undefined ? { threads: options.threads } : {}), ...(options.precision !== undefined ? { precision: options.precision } : {}) });
    const version: ModelVersion = {
      type: bundle.manifest.model.type,
      createdAt: bundle.manifest.createdAt,
      manifestSha256: contentHash(Buffer.from(JSON.stringify(bundle.manifest))).sha256.slice(0, 16),
      path,
      precision: options.precision === 'bf16' ? 'bf16' : (bundle.manifest.quantization ?? 'float32'),
    };
    const model = new ServedModel(bundle, scorer, new RequestParser(requestFields(bundle.pipeline, bundle.calibration), options.maxCandidates), version);
    try {
      await model.warmUp();
    } catch (error) {
      await scorer.release();
      throw error;
    }
    return model;
  }

  /** Encode and score a parsed request; the scores are in candidate order. */
  async score(request: ScoreRequest): Promise<ScoredRequest> {
    const { pipeline, calibration } = this.bundle;
    const table = requestTable(this.parser.fields, request);
    try {
      const encoded = pipeline.transform(table);
      const segments = new Map<string, SegmentValues>();
      for (const calibrator of calibration.values()) {
        if (calibrator.segmentBy !== undefined) segments.set(calibrator.segmentBy, segmentValues(table, calibrator.segmentBy));
      }
      const context = this.contextFeatures.of(new Set(Object.keys(request.context)));
      const scores = await this.scorer.score(encoded, encoded.allRows(), segments, encoded.numRows, context);
      return { scores, quality: featureQuality(pipeline, table, encoded) };
    } catch (error) {
      throw asRequestError(error, request);
    }
  }

  private async warmUp(): Promise<void> {
    const candidate = Object.fromEntries(this.parser.fields.map((field) => [field.name, null]));
    const { scores } = await this.score({ context: {}, candidates: [candidate] });
    if (!Array.from(scores.score).every(Number.isFinite)) {
      throw new BundleError(`warm-up scoring gave a non-finite score (${Array.from(scores.score).join(', ')})`, { file: this.version.path });
    }
  }

  release(): Promise<void> {
    return this.scorer.release();
  }
}

/** A pipeline error about a request row (e.g. a flag column that is not 0/1), re-pointed at the request field. */
function asRequestError(error: unknown, request: ScoreRequest): unknown {
  if (!(error instanceof DeeprankError) || error.location.file !== REQUEST_FILE || error.location.field === undefined) return error;
  const { row, field } = error.location;
  const where = request.context[field] !== undefined || row === undefined ? `context.${field}` : `candidates[${row - 1}].${field}`;
  return new RequestError(error.message, where);
}
