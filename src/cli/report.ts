/**
 * `deeprank report`: one self-contained HTML page about a bundle on a labelled data file (model
 * summary, training curves, metrics as served, new vs known segments, reliability diagrams, and
 * feature importance and cross weights from an explanation file), written atomically.
 */
import { loadBundle } from '../bundle/load-bundle.js';
import { ConfigError } from '../errors.js';
import { readExplanation } from '../report/explanation-file.js';
import { reportData } from '../report/report-data.js';
import { reportHtml } from '../report/report-html.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export interface ReportOptions {
  bundle: string;
  data: string;
  out: string;
  explanation?: string;
  /** Comma-separated categorical features. */
  segment?: string;
  threads?: number;
}

export async function reportCommand(options: ReportOptions): Promise<void> {
  const segments = options.segment?.split(',').map((s) => s.trim());
  if (segments?.some((s) => s.length === 0)) throw new ConfigError(`'${options.segment}' has an empty feature name; expected e.g. user,item`, { field: '--segment' });
  const explanation = options.explanation !== undefined ? await readExplanation(options.explanation) : undefined;
  const bundle = await loadBundle(options.bundle);
  const data = await reportData(bundle, options.data, {
    ...(segments ? { segments } : {}),
    ...(explanation ? { explanation } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  });
  const html = reportHtml(data);
  await writeFileAtomic(options.out, html);
  console.log(`report on ${data.rows} rows of ${options.data} written to ${options.out} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KB)`);
}
