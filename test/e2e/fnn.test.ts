/**
 * FNN on Frappe (examples/frappe.yaml: 80/10/10 split, seed 2026; embedding dim 10): an FM is
 * trained first on the same split, its w_i and v_i initialise FNN's fields, and the fine-tuned
 * FNN must beat a standalone FM of the same dimension by 0.005 test AUC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/train/run-config.js';
import { trainFromConfig } from '../../src/train/train-run.js';
import { exampleConfig, realDataSkip } from '../support/real-data.js';
import { repoRoot } from '../support/repo-root.js';

const skip = realDataSkip('frappe/frappe.validation.libfm');

test('Frappe: FNN warm-started from an FM beats FM by 0.005 test AUC', { skip, timeout: 300_000 }, async () => {
  const base = exampleConfig('frappe.yaml');
  const run = (model: Record<string, unknown>, train: Record<string, unknown> = {}) =>
    trainFromConfig(parseRunConfig({ ...base, output: undefined, model, train: { ...(base.train as object), threads: 1, ...train } }), { baseDir: repoRoot() });
  const started = performance.now();
  const fm = await run({ type: 'fm', embeddingDim: 10 }, { optimizer: { type: 'adam', learningRate: 0.01 } });
  const fnn = await run({ type: 'fnn', embeddingDim: 10, hiddenUnits: [256, 256], dropout: 0.3, batchNorm: true, pretrain: { type: 'fm', learningRate: 0.01 } });
  const seconds = (performance.now() - started) / 1000;
  const pretrained = fnn.pretraining!.sources[0]!;
  console.log(`frappe fm (dim 10): test auc ${fm.test!.auc!.toFixed(4)} logloss ${fm.test!.logloss!.toFixed(4)}`);
  console.log(`frappe fnn (dim 10, FM-pretrained, FM best epoch ${pretrained.result.bestEpoch}, validation auc ${pretrained.result.best.auc!.toFixed(4)}): test auc ${fnn.test!.auc!.toFixed(4)} logloss ${fnn.test!.logloss!.toFixed(4)}; ${seconds.toFixed(1)} s`);
  assert.ok(fnn.pretraining!.copied.some((name) => name.startsWith('emb/')) && fnn.pretraining!.copied.some((name) => name.startsWith('linear/')));
  assert.ok(fnn.test!.auc! >= fm.test!.auc! + 0.005, `FNN AUC ${fnn.test!.auc!.toFixed(4)} < FM ${fm.test!.auc!.toFixed(4)} + 0.005`);
});
