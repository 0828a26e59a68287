/**
 * `deeprank shadow --bundle A --bundle B --data file` scores the same requests with two bundles
 * and prints how B's scores and rankings differ from A's (src/shadow/shadow-comparison.ts); --out
 * also writes the full report as JSON.
 */
import { loadBundle } from '../bundle/load-bundle.js';
import { ConfigError } from '../errors.js';
import { shadowCompare, type ShadowReport } from '../shadow/shadow-comparison.js';
import { textTable } from './text-table.js';
import { writeJsonAtomic } from '../util/atomic-write.js';

export interface ShadowCommandOptions {
  bundle: string[];
  data: string;
  groupBy?: string;
  k: number;
  top: number;
  out?: string;
  threads?: number;
}

const fixed = (value: number, digits = 4) => (Number.isNaN(value) ? 'n/a' : value.toFixed(digits));
const pValue = (p: number) => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));

export function formatShadowReport(report: ShadowReport): string {
  const describe = (side: ShadowReport['a']) => `${side.path} (${side.model}: ${side.tasks.join(', ')})`;
  const requests = report.groupBy !== null ? `${report.requests} requests by ${report.groupBy}, ${report.rankedRequests} with >= 2 candidates` : 'one request (no --group-by)';
  const { k, meanJaccardAtK, meanKendallTauB, tauRequests } = report.overlap;
  const lines = [
    `A       ${describe(report.a)}`,
    `B       ${describe(report.b)}`,
    `data    ${report.data}: ${report.rows} rows, ${requests}`,
    `overlap mean Jaccard@${k} ${fixed(meanJaccardAtK)}, mean Kendall tau-b ${fixed(meanKendallTauB)} (${tauRequests} requests)`,
    '',
    ...textTable([
      ['', 'mean A', 'mean B', 'std A', 'std B', 'p50 A', 'p50 B', 'mean |B-A|', 'KS', 'KS p', 'PSI'],
      ...report.shifts.map((s) => [s.name, fixed(s.a.mean), fixed(s.b.mean), fixed(s.a.std), fixed(s.b.std), fixed(s.a.quantiles.p50), fixed(s.b.quantiles.p50), fixed(s.meanAbsDifference), fixed(s.ks), pValue(s.ksPValue), fixed(s.psi)]),
    ]),
    '',
  ];
  if (report.disagreements.length === 0) {
    lines.push('largest disagreements: none (every row scores the same)');
    return lines.join('\n');
  }
  lines.push(`largest disagreements (|B - A| of score; rank 1 = top of its request)`);
  lines.push(
    ...textTable([
      ['row', ...(report.groupBy !== null ? [report.groupBy] : []), 'A', 'B', 'B - A', 'rank A', 'rank B', 'values'],
      ...report.disagreements.map((d) => [
        String(d.row),
        ...(report.groupBy !== null ? [d.request ?? ''] : []),
        fixed(d.scoreA),
        fixed(d.scoreB),
        (d.difference > 0 ? '+' : '') + fixed(d.difference),
        String(d.rankA),
        String(d.rankB),
        Object.entries(d.values).map(([column, value]) => `${column}=${value ?? ''}`).join(' '),
      ]),
    ]),
  );
  return lines.join('\n');
}

export async function shadowCommand(options: ShadowCommandOptions): Promise<void> {
  if (options.bundle.length !== 2) {
    throw new ConfigError(`expected exactly two --bundle options (A, the serving bundle, then B, the candidate); got ${options.bundle.length}`, { field: '--bundle' });
  }
  const [a, b] = [await loadBundle(options.bundle[0]!), await loadBundle(options.bundle[1]!)];
  const report = await shadowCompare(a, b, options.data, {
    k: options.k,
    top: options.top,
    ...(options.groupBy !== undefined ? { groupBy: options.groupBy } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  });
  if (options.out !== undefined) await writeJsonAtomic(options.out, report);
  console.log(formatShadowReport(report) + (options.out !== undefined ? `\n\nreport written to ${options.out}` : ''));
}
