/**
 * The server's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * two servers in one process, as in the tests, never share counts.
 *
 *   deeprank_request_duration_seconds{route,status}  histogram of request latency
 *   deeprank_candidates_per_request                  histogram of scored batch sizes
 *   deeprank_score                                   histogram of served scores
 *   deeprank_feature_values_total{feature}           values seen (rows; list features: values)
 *   deeprank_feature_oov_total{feature}              values not in the vocabulary, served as OOV (id 0)
 *   deeprank_feature_missing_total{feature}          rows with the feature missing (null, "", [])
 *   deeprank_model_info{model_type,created_at,manifest_sha256,path,precision}  1 for the serving bundle
 *   deeprank_reloads_total{outcome}                  reloads swapped in, refused, and rollbacks
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FeatureQuality } from './feature-quality.js';
import type { ModelVersion } from './served-model.js';

export type ReloadOutcome = 'swapped' | 'refused' | 'rolled_back';

export class ServingMetrics {
  readonly registry = new Registry();
  readonly latency = new Histogram({
    name: 'deeprank_request_duration_seconds',
    help: 'Request latency in seconds, by route and HTTP status',
    labelNames: ['route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly candidates = new Histogram({
    name: 'deeprank_candidates_per_request',
    help: 'Candidates scored in one batch per request',
    buckets: [1, 10, 50, 100, 200, 500, 1000, 2000, 5000],
    registers: [this.registry],
  });
  private readonly scores = new Histogram({
    name: 'deeprank_score',
    help: 'Served scores (utility, else the main task calibrated prediction)',
    buckets: [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1],
    registers: [this.registry],
  });
  private readonly values = new Counter({ name: 'deeprank_feature_values_total', help: 'Feature values seen in scored rows', labelNames: ['feature'] as const, registers: [this.registry] });
  private readonly oov = new Counter({ name: 'deeprank_feature_oov_total', help: 'Feature values not in the vocabulary, served with the OOV id', labelNames: ['feature'] as const, registers: [this.registry] });
  private readonly missing = new Counter({ name: 'deeprank_feature_missing_total', help: 'Scored rows with the feature missing (null, empty)', labelNames: ['feature'] as const, registers: [this.registry] });
  private readonly modelInfo = new Gauge({
    name: 'deeprank_model_info',
    help: 'The serving bundle (value 1): model type, bundle creation time, manifest hash',
    labelNames: ['model_type', 'created_at', 'manifest_sha256', 'path', 'precision'] as const,
    registers: [this.registry],
  });
  private readonly reloads = new Counter({ name: 'deeprank_reloads_total', help: 'Bundle reloads by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });

  constructor() {
    for (const outcome of ['swapped', 'refused', 'rolled_back'] satisfies ReloadOutcome[]) this.reloads.inc({ outcome }, 0);
  }

  recordScored(score: ArrayLike<number>, quality: ReadonlyMap<string, FeatureQuality>): void {
    this.candidates.observe(score.length);
    for (let i = 0; i < score.length; i++) this.scores.observe(score[i]!);
    for (const [feature, { values, oov, missing }] of quality) {
      this.values.inc({ feature }, values);
      this.oov.inc({ feature }, oov);
      this.missing.inc({ feature }, missing);
    }
  }

  serving(version: ModelVersion): void {
    this.modelInfo.reset();
    this.modelInfo.set({ model_type: version.type, created_at: version.createdAt, manifest_sha256: version.manifestSha256, path: version.path, precision: version.precision }, 1);
  }

  reload(outcome: ReloadOutcome): void {
    this.reloads.inc({ outcome });
  }
}
