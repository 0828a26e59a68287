/**
 * `deeprank report`: one self-contained HTML page about a bundle on a labelled data file (model
 * summary, training curves, metrics as served, new vs known segments, reliability diagrams, and
 * feature importance and cross weights), written atomically. The explanation is computed on the
 * same file with explain's defaults unless one is given (--explanation) or skipped (--no-explain).
 */
import { loadBundle } from '../bundle/load-bundle.js';
import { ConfigError } from '../errors.js';
import { explainBundle } from '../explain/explain-bundle.js';
import { readExplanation } from '../report/explanation-file.js';
import { reportData } from '../report/report-data.js';
import { reportHtml } from '../report/report-html.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export interface ReportOptions {
  bundle: string;
  data: string;
  out: string;
  explanation?: string;
  /** False with --no-explain. */
  explain?: boolean;
  /** Comma-separated categorical features. */
  segment?: string;
  threads?: number;
}

export async function reportCommand(options: ReportOptions): Promise<void> {
  const segments = options.segment?.split(',').map((s) => s.trim());
  if (segments?.some((s) => s.length === 0)) throw new ConfigError(`'${options.segment}' has an empty feature name; expected e.g. user,item`, { field: '--segment' });
  const given = options.explanation !== undefined ? await readExplanation(options.explanation) : undefined;
  const bundle = await loadBundle(options.bundle);
  const threads = options.threads !== undefined ? { threads: options.threads } : {};
  const explanation = given ?? (options.explain === false ? undefined : await explainBundle(bundle, options.data, threads));
  const data = await reportData(bundle, options.data, {
    ...(segments ? { segments } : {}),
    ...(explanation ? { explanation } : {}),
    ...threads,
  });
  const html = reportHtml(data);
  await writeFileAtomic(options.out, html);
  console.log(`report on ${data.rows} rows of ${options.data} written to ${options.out} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KB)`);
}
