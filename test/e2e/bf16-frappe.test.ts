/**
 * Training with bf16 products on real data: DCN-v2 on Frappe (examples/frappe.yaml) must reach
 * the float32 run's test AUC within 0.003 and its logloss within 0.01, both trained here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/train/run-config.js';
import { trainFromConfig } from '../../src/train/train-run.js';
import { NativeSession } from '../../src/engine/native-session.js';
import { exampleConfig, realDataSkip } from '../support/real-data.js';
import { repoRoot } from '../support/repo-root.js';

const unavailable = NativeSession.unavailable();
const skip = realDataSkip('frappe/frappe.validation.libfm') || (unavailable ? `bf16 training needs the deeprank_ort addon (${unavailable})` : false);

test('Frappe DCN-v2: bf16 products train to the float32 model\'s test AUC and logloss', { skip, timeout: 600_000 }, async () => {
  const base = exampleConfig('frappe.yaml');
  const run = async (precision: string) => {
    const config = parseRunConfig({ ...base, output: undefined, train: { ...(base.train as object), threads: 2, precision } });
    const { test: metrics } = await trainFromConfig(config, { baseDir: repoRoot() });
    return metrics!;
  };
  const float = await run('float32');
  const bf16 = await run('bf16');
  console.log(`frappe dcn-v2 test: float32 auc ${float.auc!.toFixed(4)} logloss ${float.logloss!.toFixed(4)}; bf16 auc ${bf16.auc!.toFixed(4)} logloss ${bf16.logloss!.toFixed(4)}`);
  assert.ok(Math.abs(bf16.auc! - float.auc!) <= 0.003, `bf16 AUC ${bf16.auc} vs float32 ${float.auc}`);
  assert.ok(bf16.logloss! <= float.logloss! + 0.01, `bf16 logloss ${bf16.logloss} vs float32 ${float.logloss}`);
  assert.ok(bf16.auc! >= 0.94, `bf16 AUC ${bf16.auc}`);
});
