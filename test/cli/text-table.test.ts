import { test } from 'node:test';
import assert from 'node:assert/strict';
import { textTable } from '../../src/cli/text-table.js';

test('textTable: first and text columns left-aligned, number columns right-aligned, trailing spaces trimmed', () => {
  const lines = textTable([
    ['row', 'user', 'score', 'delta'],
    ['12', 'u3', '0.5000', '+1.2e-3'],
    ['7', 'u10', '10.2500', 'n/a'],
  ]);
  assert.deepEqual(lines, ['row  user    score    delta', '12   u3     0.5000  +1.2e-3', '7    u10   10.2500      n/a']);
  assert.deepEqual(textTable([['a', 'b'], ['x', '']], '  '), ['  a  b', '  x'], 'an empty cell makes a column text');
  assert.deepEqual(textTable([]), []);
});
