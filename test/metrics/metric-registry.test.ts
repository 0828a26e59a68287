import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auc } from '../../src/metrics/auc.js';
import { gauc } from '../../src/metrics/gauc.js';
import { logloss } from '../../src/metrics/logloss.js';
import { mae } from '../../src/metrics/mae.js';
import { evaluateMetric, higherIsBetter, isMetricName, needsGroups } from '../../src/metrics/metric-registry.js';
import { mrr } from '../../src/metrics/mrr.js';
import { ndcgAtK } from '../../src/metrics/ndcg.js';
import { recallAtK } from '../../src/metrics/recall.js';
import { rmse } from '../../src/metrics/rmse.js';
import { ConfigError } from '../../src/errors.js';
import { isError } from './assertions.js';

const labels = Float32Array.from([0, 1, 1, 0, 1, 0]);
const scores = Float32Array.from([0.2, 0.7, 0.4, 0.6, 0.9, 0.1]);
const groups = Int32Array.from([1, 1, 1, 2, 2, 2]);

test('metric registry: recognises every metric form', () => {
  for (const name of ['auc', 'gauc', 'logloss', 'rmse', 'mae', 'mrr', 'ndcg@10', 'ndcg@1', 'recall@20']) {
    assert.ok(isMetricName(name), name);
  }
  const invalid = ['', 'AUC', 'ndcg', 'ndcg@', 'ndcg@0', 'ndcg@-1', 'ndcg@1.5', 'ndcg@10x', 'ndcg@010', 'auc@5'];
  for (const name of [...invalid, 'foo', 'constructor', 'toString']) assert.ok(!isMetricName(name), name);
});

test('metric registry: direction of each metric', () => {
  for (const name of ['auc', 'gauc', 'mrr', 'ndcg@5', 'recall@5']) assert.equal(higherIsBetter(name), true, name);
  for (const name of ['logloss', 'rmse', 'mae']) assert.equal(higherIsBetter(name), false, name);
});

test('metric registry: which metrics need groups', () => {
  for (const name of ['gauc', 'mrr', 'ndcg@5', 'recall@5']) assert.equal(needsGroups(name), true, name);
  for (const name of ['auc', 'logloss', 'rmse', 'mae']) assert.equal(needsGroups(name), false, name);
});

test('metric registry: evaluates the same value as the metric functions', () => {
  const inputs = { labels, scores, groups };
  assert.equal(evaluateMetric('auc', inputs), auc(labels, scores));
  assert.equal(evaluateMetric('gauc', inputs), gauc(labels, scores, groups));
  assert.equal(evaluateMetric('logloss', inputs), logloss(labels, scores));
  assert.equal(evaluateMetric('rmse', inputs), rmse(labels, scores));
  assert.equal(evaluateMetric('mae', inputs), mae(labels, scores));
  assert.equal(evaluateMetric('mrr', inputs), mrr(labels, scores, groups));
  assert.equal(evaluateMetric('ndcg@2', inputs), ndcgAtK(labels, scores, groups, 2));
  assert.equal(evaluateMetric('recall@1', inputs), recallAtK(labels, scores, groups, 1));
  assert.equal(evaluateMetric('auc', { labels, scores }), auc(labels, scores));
});

test('metric registry: an unknown metric is a ConfigError naming it', () => {
  assert.throws(
    () => evaluateMetric('precision@5', { labels, scores, groups }),
    isError(ConfigError, /unknown metric 'precision@5'; expected one of auc,/),
  );
  assert.throws(() => higherIsBetter('ndcg'), isError(ConfigError, /'ndcg@10'/));
  assert.throws(() => needsGroups('auc@3'), isError(ConfigError, /takes no cutoff/));
});

test('metric registry: a grouped metric without groups is a ConfigError naming it', () => {
  for (const name of ['gauc', 'mrr', 'ndcg@10', 'recall@20']) {
    assert.throws(
      () => evaluateMetric(name, { labels, scores }),
      isError(ConfigError, new RegExp(`^metric '${name}' .* needs groups`)),
      name,
    );
  }
});
