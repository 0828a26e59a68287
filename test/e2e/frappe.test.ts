/**
 * Frappe end to end (examples/frappe.yaml: the 57,722-row libFM file split 80/10/10, seed 2026):
 * DeepFM and DCN-v2 must beat LR by 0.015 test AUC and must not lose to FM; IPNN and OPNN must
 * beat FM by 0.005 and LR by 0.01; NFM must not lose to FM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/train/run-config.js';
import { trainFromConfig } from '../../src/train/train-run.js';
import { exampleConfig, realDataSkip } from '../support/real-data.js';
import { repoRoot } from '../support/repo-root.js';

const skip = realDataSkip('frappe/frappe.validation.libfm');

async function testMetrics(model: Record<string, unknown>, train: Record<string, unknown> = {}) {
  const base = exampleConfig('frappe.yaml');
  const config = parseRunConfig({ ...base, output: undefined, model, train: { ...(base.train as object), threads: 1, ...train } });
  const run = await trainFromConfig(config, { baseDir: repoRoot() });
  return run.test!;
}

test('Frappe: DeepFM and DCN-v2 beat LR by 0.015 AUC and FM; IPNN and OPNN beat FM by 0.005; NFM is not worse than FM', { skip, timeout: 600_000 }, async () => {
  const shallow = { optimizer: { type: 'adam', learningRate: 0.01 } };
  const deep = { embeddingDim: 16, hiddenUnits: [256, 256], dropout: 0.3, batchNorm: true };
  const results = {
    lr: await testMetrics({ type: 'lr' }, shallow),
    fm: await testMetrics({ type: 'fm', embeddingDim: 16 }, shallow),
    deepfm: await testMetrics({ type: 'deepfm', ...deep }),
    'dcn-v2': await testMetrics({ type: 'dcn-v2', crossLayers: 2, ...deep }),
    ipnn: await testMetrics({ type: 'ipnn', ...deep }),
    opnn: await testMetrics({ type: 'opnn', ...deep }),
    nfm: await testMetrics({ type: 'nfm', ...deep, hiddenUnits: [256] }),
  };
  for (const [name, m] of Object.entries(results)) console.log(`frappe ${name}: test auc ${m.auc!.toFixed(4)} logloss ${m.logloss!.toFixed(4)}`);
  for (const name of ['deepfm', 'dcn-v2'] as const) {
    const auc = results[name].auc!;
    assert.ok(auc >= results.lr.auc! + 0.015, `${name} AUC ${auc.toFixed(4)} < LR ${results.lr.auc!.toFixed(4)} + 0.015`);
    assert.ok(auc >= results.fm.auc!, `${name} AUC ${auc.toFixed(4)} < FM ${results.fm.auc!.toFixed(4)}`);
  }
  for (const name of ['ipnn', 'opnn'] as const) {
    const auc = results[name].auc!;
    assert.ok(auc >= results.fm.auc! + 0.005 && auc >= results.lr.auc! + 0.01, `${name} AUC ${auc.toFixed(4)} not above FM ${results.fm.auc!.toFixed(4)} + 0.005 and LR ${results.lr.auc!.toFixed(4)} + 0.01`);
  }
  assert.ok(results.nfm.auc! >= results.fm.auc!, `NFM AUC ${results.nfm.auc!.toFixed(4)} < FM ${results.fm.auc!.toFixed(4)}`);
});
