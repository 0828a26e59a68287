/**
 * The report page: one self-contained HTML document (inline CSS, inline SVG charts, no script,
 * nothing loaded from anywhere) rendered from ReportData alone. Every text that comes from data
 * (feature names, task names, file names, explanation labels) is escaped. Sections: model
 * summary, training curves, metrics, per-segment metrics, calibration, feature importance,
 * cross weights, and attention weights when the explanation has them.
 */
import type { Explanation } from '../explain/explanation.js';
import { reliabilityDiagramSvg } from '../calibration/reliability-diagram.js';
import { splitTaskMetric } from '../train/task-metrics.js';
import { barChartSvg, type Bar } from './bar-chart-svg.js';
import { heatmapSvg } from './heatmap-svg.js';
import { lineChartSvg, niceRange, type Series } from './line-chart-svg.js';
import { reportMetricNames, type ReportData, type SegmentReport, type TaskMetrics } from './report-data.js';
import { escapeSvg as escape } from './svg.js';

const RELIABILITY_BINS = 15;
const SERIES_COLORS = ['#3a6ea5', '#d9822b', '#4d9221', '#8e44ad', '#c0392b', '#16a085'];

const STYLE = `
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; color: #222; margin: 0 auto; padding: 1rem 2rem 3rem; max-width: 1200px; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #3a6ea5; padding-bottom: 0.2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.4rem; }
nav a { margin-right: 1rem; color: #3a6ea5; }
.meta { color: #555; margin-top: 0; }
.note { color: #555; font-style: italic; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f0f4f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 0.85rem; word-break: break-all; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure.chart { margin: 0; max-width: 560px; }
figure.chart svg { max-width: 100%; height: auto; border: 1px solid #eee; }
`;

/** A metric as the page shows it: four decimals; NaN (e.g. the AUC of rows of one class) as n/a, nothing as blank. */
function formatNumber(value: number | undefined): string {
  if (value === undefined) return '';
  return Number.isNaN(value) ? 'n/a' : value.toFixed(4);
}

const cell = (value: number | undefined) => `<td class="num">${formatNumber(value)}</td>`;
const countCell = (count: number) => `<td class="num">${count}</td>`;

function table(id: string | undefined, header: readonly string[], rows: readonly string[][]): string {
  const head = `<tr>${header.map((h) => `<th>${escape(h)}</th>`).join('')}</tr>`;
  const body = rows.map((cells) => `<tr>${cells.join('')}</tr>`).join('\n');
  return `<table${id !== undefined ? ` id="${id}"` : ''}>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const text = (value: string) => `<td>${escape(value)}</td>`;
const note = (message: string) => `<p class="note">${escape(message)}</p>`;
const figure = (name: string, svg: string) => `<figure class="chart" data-chart="${escape(name)}">\n${svg}</figure>`;

interface Section {
  id: string;
  title: string;
  html: string;
}

function section(id: string, title: string, body: readonly string[]): Section {
  return { id, title, html: `<section id="${id}">\n<h2>${escape(title)}</h2>\n${body.join('\n')}\n</section>` };
}

/** The metrics a task is shown with: its kind's metrics, then the mean label and mean prediction. */
const shownMetrics = (kind: 'binary' | 'regression') => [...reportMetricNames(kind), 'label mean', 'prediction mean'];

function summarySection({ summary, bestEpoch }: ReportData): Section {
  const rows: [string, string][] = [
    ['model', summary.modelType],
    ['heads', summary.heads.map((h) => `${h.task} (${h.kind}${h.calibration ? `, calibrated: ${h.calibration}` : ', not calibrated'})`).join(', ')],
    ['features', summary.features.map((f) => (f.cardinality !== undefined ? `${f.name} (${f.kind}, ${f.cardinality} ids)` : `${f.name} (${f.kind})`)).join(', ')],
    ['parameters', summary.parameters.toLocaleString('en-US')],
    ['bundle created', `${summary.createdAt} from ${summary.source}`],
    ['utility policy', summary.utility ? `version ${summary.utility.version} over ${summary.utility.tasks.join(', ')}` : 'none'],
    ['best epoch', bestEpoch !== null ? String(bestEpoch) : 'not recorded'],
  ];
  const data = summary.trainingData;
  if (data) rows.push(['training rows', Object.entries(data.rows).map(([part, n]) => `${part} ${n}`).join(', ')]);
  const fingerprint = data
    ? table(undefined, ['training data', 'file', 'bytes', 'sha256'], data.files.map((f) => [text(f.role), text(f.file), countCell(f.bytes), `<td><code>${escape(f.sha256)}</code></td>`]))
    : note('No training data fingerprint (the model was trained in code, not from files).');
  return section('summary', 'Model summary', [
    table('summary-table', ['', ''], rows.map(([k, v]) => [`<th>${escape(k)}</th>`, text(v)])),
    fingerprint,
    table(undefined, ['bundle file', 'bytes', 'sha256'], summary.files.map((f) => [text(f.name), countCell(f.bytes), `<td><code>${escape(f.sha256)}</code></td>`])),
  ]);
}

function trainingSection({ history, bestEpoch }: ReportData): Section {
  if (history.length === 0) return section('training', 'Training curves', [note('No training history is recorded with this model.')]);
  const epochs = history.map((h) => h.epoch);
  const xRange = niceRange(epochs);
  const chart = (name: string, title: string, yAxis: string, series: Series[]) =>
    figure(name, lineChartSvg(series, { title, xAxis: 'epoch', yAxis, xRange, yRange: niceRange(series.flatMap((s) => s.points.map((p) => p.y))) }));
  const charts = [chart('training-loss', 'Training loss per epoch', 'mean training loss', [{ label: 'train loss', points: history.map((h) => ({ x: h.epoch, y: h.trainLoss })), color: SERIES_COLORS[0]! }])];
  // One chart per metric (auc, logloss, ...), a line per task of a multi-task model.
  const byMetric = new Map<string, string[]>();
  for (const key of Object.keys(history[0]!.validation)) {
    const { metric } = splitTaskMetric(key);
    byMetric.set(metric, [...(byMetric.get(metric) ?? []), key]);
  }
  for (const [metric, keys] of byMetric) {
    const series = keys.map((key, i) => ({
      label: splitTaskMetric(key).task ?? 'validation',
      points: history.filter((h) => key in h.validation).map((h) => ({ x: h.epoch, y: h.validation[key]! })),
      color: SERIES_COLORS[i % SERIES_COLORS.length]!,
    }));
    charts.push(chart(`validation-${metric}`, `Validation ${metric} per epoch`, metric, series));
  }
  const best = bestEpoch !== null ? ` The weights kept are those of epoch ${bestEpoch}.` : '';
  return section('training', 'Training curves', [`<p>${history.length} epochs.${escape(best)}</p>`, `<div class="charts">\n${charts.join('\n')}\n</div>`]);
}

/** A recorded metric of `task`: single-task models record bare names, multi-task ones `<task>.<metric>`. */
function recordedMetric(record: Record<string, number> | null, task: string, metric: string, multiTask: boolean): number | undefined {
  return record?.[multiTask ? `${task}.${metric}` : metric];
}

function metricsSection(data: ReportData): Section {
  const multiTask = data.metrics.length > 1;
  const rows = data.metrics.flatMap((m) =>
    shownMetrics(m.kind).map((metric) => [
      text(m.task),
      text(metric),
      cell(recordedMetric(data.recorded.validation, m.task, metric, multiTask)),
      cell(recordedMetric(data.recorded.test, m.task, metric, multiTask)),
      cell(m.raw[metric]),
      m.calibrated ? cell(m.calibrated[metric]) : text('not calibrated'),
    ]),
  );
  return section('metrics', 'Metrics', [
    `<p>Validation and test as recorded at training time (blank: not recorded); the last two columns are measured now on ${escape(data.data)} (${data.rows} rows), scored as served.</p>`,
    table('metrics-table', ['task', 'metric', 'validation (recorded)', 'test (recorded)', 'now: raw', 'now: calibrated'], rows),
  ]);
}

function segmentTable(segment: SegmentReport, total: number): string {
  const names = [...new Set(segment.groups.flatMap((g) => g.metrics.flatMap((m) => shownMetrics(m.kind))))];
  const rows = segment.groups.flatMap((group) =>
    group.metrics.map((m: TaskMetrics) => {
      const scores = m.calibrated ?? m.raw;
      return [text(group.name), countCell(group.rows), text(total > 0 ? `${((100 * group.rows) / total).toFixed(1)}%` : 'n/a'), text(m.task), ...names.map((name) => cell(scores[name]))];
    }),
  );
  return table(undefined, ['values', 'rows', 'share', 'task', ...names], rows);
}

function segmentsSection(data: ReportData): Section {
  if (data.segments.length === 0) return section('segments', 'Per-segment metrics', [note('No segment feature given (deeprank report --segment user,item splits the rows into values new to training vs known).')]);
  const body = data.segments.flatMap((segment) => {
    const title = `<h3>${escape(segment.feature)}: new vs known values</h3>`;
    if (segment.hashed) return [title, note(`'${segment.feature}' is a hashed feature: every value falls into some bucket, so values new to training cannot be told from known ones.`)];
    const explained = `<p>new: values not in the training vocabulary${segment.minCount !== undefined && segment.minCount > 1 ? ` or seen fewer than ${segment.minCount} times` : ''} (out-of-vocabulary id 0); known: every other value.</p>`;
    return [title, explained, segmentTable(segment, data.rows), '<p class="note">Metrics of the calibrated predictions for calibrated tasks, else of the raw ones.</p>'];
  });
  return section('segments', 'Per-segment metrics', body);
}

function calibrationSection(data: ReportData): Section {
  if (data.reliability.length === 0) return section('calibration', 'Calibration', [note('No binary task: a reliability diagram applies to predicted probabilities only.')]);
  const charts = data.reliability.map(({ task, labels, raw, calibrated, method }) => {
    const predictions = [{ label: 'raw', probs: raw }, ...(calibrated ? [{ label: `calibrated (${method})`, probs: calibrated }] : [])];
    return figure(`reliability-${task}`, reliabilityDiagramSvg(labels, predictions, { title: `Reliability of '${task}' on ${data.data}`, bins: RELIABILITY_BINS }));
  });
  const uncalibrated = data.reliability.filter((r) => !r.calibrated).map((r) => r.task);
  return section('calibration', 'Calibration', [
    ...(uncalibrated.length > 0 ? [note(`Not calibrated: ${uncalibrated.join(', ')} (raw predictions are served).`)] : []),
    `<div class="charts">\n${charts.join('\n')}\n</div>`,
  ]);
}

const NO_EXPLANATION = 'No explanation: the report was written with --no-explain.';

/** Bars starting at 0 (or below, for a negative drop), so that a bar's length is the importance itself. */
function bars(name: string, title: string, axis: string, values: Bar[]): string {
  return figure(name, barChartSvg(values, { title, axis, from: Math.min(0, ...values.map((b) => b.value)) }));
}

function importanceSection(explanation: Explanation | undefined): Section {
  if (!explanation) return section('importance', 'Feature importance', [note(NO_EXPLANATION)]);
  const { metric, rows } = explanation;
  const direction = metric.higherIsBetter ? 'lower' : 'higher';
  const charts: string[] = [];
  if (explanation.permutation.length > 0) {
    const sorted = [...explanation.permutation].sort((a, b) => b.drop - a.drop);
    charts.push(bars('permutation-importance', `Permutation importance (${metric.name} drop)`, `${metric.name} drop when the feature is shuffled (mean of ${sorted[0]!.repeats})`, sorted.map((p) => ({ label: `${p.feature} ± ${p.std.toFixed(4)}`, value: p.drop }))));
  }
  if (explanation.ablation.length > 0) {
    const sorted = [...explanation.ablation].sort((a, b) => b.drop - a.drop);
    charts.push(bars('ablation-importance', `Feature-group ablation (${metric.name} drop)`, `${metric.name} drop with the group set to missing`, sorted.map((a) => ({ label: a.group, value: a.drop }))));
  }
  const ig = explanation.integratedGradients;
  if (ig && ig.features.length > 0) {
    charts.push(bars('integrated-gradients', 'Integrated gradients (numeric inputs)', `mean |attribution| (${ig.steps} steps from the ${ig.baseline} baseline)`, ig.features.map((f) => ({ label: f.feature, value: f.meanAbsAttribution }))));
  }
  const groups = explanation.ablation.map((a) => [text(a.group), text(a.features.join(', ')), cell(a.value), cell(a.drop)]);
  return section('importance', 'Feature importance', [
    `<p>Measured by deeprank explain with ${escape(metric.name)} (${metric.value.toFixed(4)} on ${rows} unchanged rows of ${escape(explanation.data)}); a drop &gt; 0 means the metric gets worse (${direction}) without the feature.</p>`,
    charts.length > 0 ? `<div class="charts">\n${charts.join('\n')}\n</div>` : note('The explanation holds no importances.'),
    ...(groups.length > 0 ? [table('ablation-table', ['group', 'features', metric.name, 'drop'], groups)] : []),
    ...(ig ? [`<p>Integrated gradients completeness error: ${formatNumber(ig.completenessError)}.</p>`] : []),
  ]);
}

function crossWeightsSection(explanation: Explanation | undefined): Section {
  if (!explanation) return section('cross-weights', 'Cross weights', [note(NO_EXPLANATION)]);
  if (!explanation.crossWeights || explanation.crossWeights.length === 0) return section('cross-weights', 'Cross weights', [note('This model has no cross layer: no cross-weight matrix to show.')]);
  const charts = explanation.crossWeights.map((c) => figure(`cross-weights-${c.layer}`, heatmapSvg(c.norms, { title: `Cross weights of ${c.layer}`, rowLabels: c.features, columnLabels: c.features, legend: 'Frobenius norm of the (i, j) block' })));
  return section('cross-weights', 'Cross weights', [
    '<p>Each cell is the Frobenius norm of the block of the cross layer\'s kernel that multiplies feature j into feature i: large blocks are the feature crosses the model relies on.</p>',
    `<div class="charts">\n${charts.join('\n')}\n</div>`,
  ]);
}

function attentionSection(explanation: Explanation): Section {
  const charts = explanation.attention!.map((a) => bars(`attention-${a.output}`, `Attention weights: ${a.output}`, `mean attention weight over ${explanation.rows} rows`, a.labels.map((label, i) => ({ label, value: a.mean[i]! }))));
  return section('attention', 'Attention weights', [`<div class="charts">\n${charts.join('\n')}\n</div>`]);
}

export function reportHtml(data: ReportData): string {
  const explanation = data.explanation;
  const sections = [
    summarySection(data),
    trainingSection(data),
    metricsSection(data),
    segmentsSection(data),
    calibrationSection(data),
    importanceSection(explanation),
    crossWeightsSection(explanation),
    ...(explanation?.attention && explanation.attention.length > 0 ? [attentionSection(explanation)] : []),
  ];
  const title = `deeprank report: ${data.summary.modelType} on ${data.data}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escape(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<header>\n<h1>${escape(title)}</h1>\n<p class="meta">bundle ${escape(data.bundle)}; ${data.rows} rows of ${escape(data.data)}</p>`,
    `<nav>${sections.map(({ id, title }) => `<a href="#${id}">${escape(title)}</a>`).join('')}</nav>\n</header>`,
    '<main>',
    ...sections.map(({ html }) => html),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
