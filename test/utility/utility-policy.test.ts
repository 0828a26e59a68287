import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPolicyTasks, composeUtility, parseUtilityPolicy } from '../../src/utility/utility-policy.js';
import { ConfigError } from '../../src/errors.js';
import { assertClose, isError } from '../metrics/assertions.js';

test('utility: offset + weighted calibrated (or raw) predictions of several task heads', () => {
  const policy = parseUtilityPolicy({ version: 3, offset: 0.1, terms: { click: 0.5, purchase: { weight: 3 }, hide: { weight: -2, prediction: 'raw' } } });
  assert.equal(policy.version, '3');
  const heads = new Map([
    ['click', { raw: [0.9, 0.2], calibrated: [0.6, 0.1] }],
    ['purchase', { raw: [0.5, 0.5], calibrated: [0.05, 0.2] }],
    ['hide', { raw: [0.1, 0.3], calibrated: [0.9, 0.9] }],
  ]);
  const utility = composeUtility(policy, heads);
  assertClose(utility[0]!, 0.1 + 0.5 * 0.6 + 3 * 0.05 - 2 * 0.1);
  assertClose(utility[1]!, 0.1 + 0.5 * 0.1 + 3 * 0.2 - 2 * 0.3);
});

test('utility: a single-task model composes one term; a task the model lacks is a ConfigError naming the term', () => {
  const policy = parseUtilityPolicy({ version: 'v1', terms: { click: 2 } });
  assert.deepEqual(Array.from(composeUtility(policy, new Map([['click', { raw: [0.4], calibrated: [0.25] }]]))), [0.5]);
  const multi = parseUtilityPolicy({ version: 'v2', terms: { click: 1, purchase: 3 } });
  assert.throws(() => checkPolicyTasks(multi, ['click'], 'utility.yaml'), (e) => e instanceof ConfigError && e.location.field === 'terms.purchase' && /no task 'purchase'; its tasks: click/.test(e.message));
});

test('utility: schema errors name the field', () => {
  assert.throws(() => parseUtilityPolicy({ terms: { click: 1 } }, 'u.yaml'), isError(ConfigError, /version/));
  assert.throws(() => parseUtilityPolicy({ version: 1, terms: {} }, 'u.yaml'), isError(ConfigError, /at least one task term/));
  assert.throws(() => parseUtilityPolicy({ version: 1, terms: { click: 'a lot' } }, 'u.yaml'), ConfigError);
  assert.throws(() => parseUtilityPolicy({ version: 1, terms: { click: { weight: 1, prediction: 'smoothed' } } }, 'u.yaml'), ConfigError);
  assert.throws(() => parseUtilityPolicy({ version: 1, terms: { click: 1 }, weights: {} }, 'u.yaml'), ConfigError);
});
