/**
 * int8 serving on real data (Frappe, examples/frappe.yaml: DCN-v2 with two cross layers and a
 * 256-256 MLP, 1 thread): the served graph with integer weight products must rank the test split
 * as the float graph does — test AUC within 0.002 and logloss within 0.005 — scoring requests of
 * 500 rows, as a ranking service would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servingFeeds } from '../../src/bundle/bundle-scorer.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { evaluateMetric } from '../../src/metrics/index.js';
import { parseRunConfig } from '../../src/train/run-config.js';
import { trainFromConfig } from '../../src/train/train-run.js';
import { exampleConfig, realDataSkip } from '../support/real-data.js';
import { repoRoot } from '../support/repo-root.js';

const skip = realDataSkip('frappe/frappe.validation.libfm');
const REQUEST_ROWS = 500;

test('Frappe DCN-v2: int8 serving keeps test AUC within 0.002 and logloss within 0.005 of float serving', { skip, timeout: 300_000 }, async () => {
  const base = exampleConfig('frappe.yaml');
  const run = await trainFromConfig(parseRunConfig({ ...base, output: undefined, train: { ...(base.train as object), threads: 1 } }), { baseDir: repoRoot() });
  const { source, rows } = run.data.test!;
  const labels = new Float32Array(rows.length);
  const score = async (quantize?: 'int8') => {
    const session = await OnnxSession.create(run.model.exportOnnx({}, undefined, quantize ? { quantize } : {}), { threads: 1 });
    const scores = new Float32Array(rows.length);
    let offset = 0;
    for (const batch of source.batches(rows, REQUEST_ROWS)) {
      scores.set((await session.run(servingFeeds(batch, source.spec), ['prediction'])).prediction as Float32Array, offset);
      labels.set(batch.labels.get('click')!.subarray(0, batch.size), offset);
      offset += batch.size;
    }
    await session.release();
    return scores;
  };
  const [float, int8] = [await score(), await score('int8')];
  const metric = (name: string, scores: Float32Array) => evaluateMetric(name, { labels, scores });
  let largest = 0;
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    const d = Math.abs(float[i]! - int8[i]!);
    largest = Math.max(largest, d);
    total += d;
  }
  console.log(`frappe dcn-v2: trainer's test auc ${run.test!.auc!.toFixed(4)}; served: float auc ${metric('auc', float).toFixed(4)} logloss ${metric('logloss', float).toFixed(4)}; int8 auc ${metric('auc', int8).toFixed(4)} logloss ${metric('logloss', int8).toFixed(4)}; |p_int8 - p_float| mean ${(total / rows.length).toExponential(2)} max ${largest.toExponential(2)}`);
  assert.ok(metric('auc', float) > 0.93, 'the float model is a good one');
  assert.ok(Math.abs(metric('auc', int8) - metric('auc', float)) <= 0.002);
  assert.ok(Math.abs(metric('logloss', int8) - metric('logloss', float)) <= 0.005);
});
