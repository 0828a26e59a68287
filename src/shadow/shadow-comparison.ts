/**
 * A shadow test: two bundles (the serving model A and a candidate B) score the same requests, and
 * the report says how far B's scores and rankings move from A's before B takes any traffic.
 *
 * Each bundle encodes the data file with its own pipeline (the two may have different features and
 * vocabularies) and scores it with BundleScorer, exactly as it would be served, per-segment
 * calibration included. A request is the group of rows sharing a value of the `groupBy` column (a
 * user's candidate list; rows without a value form one request together), or the whole file
 * without `groupBy`. Reported:
 * - for `score` (what each bundle ranks by) and every task both bundles have (calibrated): mean,
 *   std and quantiles of A and B, KS (A vs B) and PSI (B against A's deciles);
 * - over requests with >= 2 candidates: mean Jaccard@K of the top K and mean Kendall tau-b of the
 *   two orderings (requests where either bundle ties every candidate have no tau and are left out);
 * - the `top` rows with the largest |score_B - score_A| (> 0; equal gaps in row order), with their
 *   data row (1-based, header not counted, as data errors count rows), request, both scores, both
 *   ranks within the request (1 = highest, equal scores in row order) and the raw feature values.
 */
import { resolve } from 'node:path';
import type { Bundle } from '../bundle/load-bundle.js';
import type { BundleScores } from '../bundle/bundle-scorer.js';
import { scoreFileWithBundle } from '../bundle/score-file.js';
import { columnNeeds } from '../data/column-needs.js';
import { quantileOfSorted } from '../data/numeric-transform.js';
import { ConfigError, DataError } from '../errors.js';
import { jaccardAtK } from '../metrics/jaccard-at-k.js';
import { kendallTauB } from '../metrics/kendall-tau.js';
import { ksStatistic } from '../metrics/ks-statistic.js';
import { populationStabilityIndex } from '../metrics/population-stability-index.js';
import { groupRunEnd, orderByScore } from '../metrics/score-order.js';

export interface ShadowOptions {
  /** Column whose value identifies a request; default: the whole file is one request. */
  groupBy?: string;
  /** Cutoff of Jaccard@K (default 10). */
  k?: number;
  /** How many largest disagreements to report (default 10). */
  top?: number;
  /** ONNX Runtime threads per bundle. */
  threads?: number;
  /** Resolves a relative data path (default: the working directory). */
  baseDir?: string;
}

export const SUMMARY_QUANTILES = { min: 0, p10: 0.1, p25: 0.25, p50: 0.5, p75: 0.75, p90: 0.9, max: 1 } as const;

export interface DistributionSummary {
  mean: number;
  /** Population standard deviation. */
  std: number;
  quantiles: Record<keyof typeof SUMMARY_QUANTILES, number>;
}

/** How one score's distribution moved from A to B. */
export interface ScoreShift {
  /** `score`, or a task name. */
  name: string;
  a: DistributionSummary;
  b: DistributionSummary;
  ks: number;
  ksPValue: number;
  psi: number;
  /** Mean |b - a| over rows. */
  meanAbsDifference: number;
}

export interface Disagreement {
  /** Data row in the file, 1-based, header not counted. */
  row: number;
  /** The request's `groupBy` value (null without groupBy or for a missing value). */
  request: string | null;
  scoreA: number;
  scoreB: number;
  /** scoreB - scoreA. */
  difference: number;
  rankA: number;
  rankB: number;
  /** Raw values of both bundles' feature columns (null = missing). */
  values: Record<string, string | null>;
}

export interface ShadowReport {
  a: { path: string; model: string; tasks: string[] };
  b: { path: string; model: string; tasks: string[] };
  data: string;
  groupBy: string | null;
  rows: number;
  requests: number;
  /** Requests with >= 2 candidates: the ones top-K overlap and tau are averaged over. */
  rankedRequests: number;
  shifts: ScoreShift[];
  overlap: { k: number; meanJaccardAtK: number; meanKendallTauB: number; tauRequests: number };
  disagreements: Disagreement[];
}

export function summarizeDistribution(values: ArrayLike<number>): DistributionSummary {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / sorted.length;
  let squares = 0;
  for (const v of sorted) squares += (v - mean) ** 2;
  const quantiles = Object.fromEntries(Object.entries(SUMMARY_QUANTILES).map(([name, p]) => [name, quantileOfSorted(sorted, p)]));
  return { mean, std: Math.sqrt(squares / sorted.length), quantiles: quantiles as DistributionSummary['quantiles'] };
}

function scoreShift(name: string, a: ArrayLike<number>, b: ArrayLike<number>): ScoreShift {
  const ks = ksStatistic(a, b);
  let absDifference = 0;
  for (let i = 0; i < a.length; i++) absDifference += Math.abs(b[i]! - a[i]!);
  return { name, a: summarizeDistribution(a), b: summarizeDistribution(b), ks: ks.statistic, ksPValue: ks.pValue, psi: populationStabilityIndex(a, b), meanAbsDifference: absDifference / a.length };
}

/** The raw columns a bundle's features read. */
const featureColumns = (bundle: Bundle) => [...columnNeeds(bundle.pipeline.features, []).keys()];

/** One bundle's scores of every row of `file`, and the raw values of its feature columns and `extraColumns`. */
async function scoreFile(bundle: Bundle, file: string, extraColumns: readonly string[], threads: number | undefined): Promise<{ rows: number; scores: BundleScores; raw: Map<string, (string | undefined)[]> }> {
  const { data, scores, raw } = await scoreFileWithBundle(bundle, file, { columns: [...featureColumns(bundle), ...extraColumns], ...(threads !== undefined ? { threads } : {}) });
  return { rows: data.rows.length, scores, raw };
}

/** 1-based rank of each row within its request (descending score, equal scores in row order). */
function ranksWithin(scores: ArrayLike<number>, requests: Int32Array): Int32Array {
  const ranks = new Int32Array(scores.length);
  const order = orderByScore(scores, 'descending', requests);
  for (let start = 0; start < order.length; ) {
    const end = groupRunEnd(order, requests, start);
    for (let i = start; i < end; i++) ranks[order[i]!] = i - start + 1;
    start = end;
  }
  return ranks;
}

/** Mean Jaccard@K and mean tau-b over the requests with >= 2 candidates. */
function rankingOverlap(a: ArrayLike<number>, b: ArrayLike<number>, requests: Int32Array, k: number): { ranked: number; overlap: ShadowReport['overlap'] } {
  const order = orderByScore(a, 'descending', requests);
  let ranked = 0;
  let jaccardSum = 0;
  let tauSum = 0;
  let tauRequests = 0;
  for (let start = 0; start < order.length; ) {
    const end = groupRunEnd(order, requests, start);
    if (end - start >= 2) {
      const rows = order.subarray(start, end);
      const sa = Float64Array.from(rows, (r) => a[r]!);
      const sb = Float64Array.from(rows, (r) => b[r]!);
      ranked++;
      jaccardSum += jaccardAtK(sa, sb, k);
      const tau = kendallTauB(sa, sb);
      if (!Number.isNaN(tau)) {
        tauSum += tau;
        tauRequests++;
      }
    }
    start = end;
  }
  return { ranked, overlap: { k, meanJaccardAtK: ranked > 0 ? jaccardSum / ranked : NaN, meanKendallTauB: tauRequests > 0 ? tauSum / tauRequests : NaN, tauRequests } };
}

function bundleSummary(bundle: Bundle): ShadowReport['a'] {
  return { path: bundle.path, model: bundle.model.model.type, tasks: bundle.heads.map((h) => h.task) };
}

/** Score `dataFile` with bundles `a` and `b` and compare them; see the file comment. */
export async function shadowCompare(a: Bundle, b: Bundle, dataFile: string, options: ShadowOptions = {}): Promise<ShadowReport> {
  const k = options.k ?? 10;
  const top = options.top ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new ConfigError(`k = ${k}; expected a positive integer`, { field: 'k' });
  if (!Number.isInteger(top) || top < 0) throw new ConfigError(`top = ${top}; expected an integer >= 0`, { field: 'top' });
  const [mainA, mainB] = [a.heads[0]!, b.heads[0]!];
  if (mainA.kind !== mainB.kind) {
    throw new ConfigError(`bundle ${a.path} ranks by the ${mainA.kind} task '${mainA.task}' but bundle ${b.path} by the ${mainB.kind} task '${mainB.task}'; shadow compares scores of one kind`, { field: '--bundle' });
  }
  const file = resolve(options.baseDir ?? process.cwd(), dataFile);
  const groupColumns = options.groupBy !== undefined ? [options.groupBy] : [];
  const scoredA = await scoreFile(a, file, groupColumns, options.threads);
  const scoredB = await scoreFile(b, file, [], options.threads);
  if (scoredA.rows !== scoredB.rows) {
    throw new DataError(`bundle ${a.path} reads ${scoredA.rows} rows but bundle ${b.path} reads ${scoredB.rows}; their pipelines read the file differently`, { file });
  }
  const rows = scoredA.rows;

  const groupValues = options.groupBy !== undefined ? scoredA.raw.get(options.groupBy)! : undefined;
  const requestIds = new Map<string | undefined, number>();
  const requests = Int32Array.from({ length: rows }, (_, i) => {
    const value = groupValues?.[i];
    if (!requestIds.has(value)) requestIds.set(value, requestIds.size);
    return requestIds.get(value)!;
  });

  const scoreA = scoredA.scores.score;
  const scoreB = scoredB.scores.score;
  const shifts = [scoreShift('score', scoreA, scoreB)];
  for (const head of a.heads) {
    const other = b.heads.find((h) => h.task === head.task);
    if (other?.kind === head.kind) shifts.push(scoreShift(head.task, scoredA.scores.tasks.get(head.task)!.calibrated, scoredB.scores.tasks.get(head.task)!.calibrated));
  }
  const { ranked, overlap } = rankingOverlap(scoreA, scoreB, requests, k);

  const rankA = ranksWithin(scoreA, requests);
  const rankB = ranksWithin(scoreB, requests);
  const gaps = Float64Array.from({ length: rows }, (_, i) => Math.abs(scoreB[i]! - scoreA[i]!));
  const columns = [...new Set([...featureColumns(a), ...featureColumns(b)])];
  const rawValue = (column: string, row: number) => (scoredA.raw.get(column) ?? scoredB.raw.get(column))![row] ?? null;
  const disagreements = [...orderByScore(gaps, 'descending').subarray(0, top)]
    .filter((row) => gaps[row]! > 0)
    .map((row) => ({
      row: row + 1,
      request: groupValues?.[row] ?? null,
      scoreA: scoreA[row]!,
      scoreB: scoreB[row]!,
      difference: scoreB[row]! - scoreA[row]!,
      rankA: rankA[row]!,
      rankB: rankB[row]!,
      values: Object.fromEntries(columns.map((column) => [column, rawValue(column, row)])),
    }));

  return {
    a: bundleSummary(a),
    b: bundleSummary(b),
    data: dataFile,
    groupBy: options.groupBy ?? null,
    rows,
    requests: requestIds.size,
    rankedRequests: ranked,
    shifts,
    overlap,
    disagreements,
  };
}
