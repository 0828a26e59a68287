import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Vocabulary, VocabularyCounter } from '../../src/data/vocabulary.js';
import { ArtifactError } from '../../src/errors.js';

test('ids follow descending frequency, ties by first appearance; 0 is OOV', () => {
  // counts: b 3, a 2, c 2, d 1; a appears before c
  const vocab = Vocabulary.fit(['b', 'a', 'c', 'b', 'a', 'c', 'b', 'd']);
  assert.deepEqual(vocab.values, ['b', 'a', 'c', 'd']);
  assert.deepEqual(vocab.counts, [3, 2, 2, 1]);
  assert.equal(vocab.lookup('b'), 1);
  assert.equal(vocab.lookup('a'), 2);
  assert.equal(vocab.lookup('c'), 3);
  assert.equal(vocab.lookup('d'), 4);
  assert.equal(vocab.lookup('never seen'), 0);
  assert.equal(vocab.cardinality, 5);
  assert.equal(vocab.valueOf(2), 'a');
  assert.equal(vocab.valueOf(0), undefined);
});

test('the docstring example', () => {
  const vocab = Vocabulary.fit(['b', 'a', 'b', 'c', 'a', 'b'], { minCount: 2 });
  assert.deepEqual([vocab.lookup('b'), vocab.lookup('a'), vocab.lookup('c')], [1, 2, 0]);
});

test('minCount sends rare values to OOV', () => {
  const vocab = Vocabulary.fit(['x', 'y', 'x', 'z', 'x', 'y'], { minCount: 2 });
  assert.deepEqual(vocab.values, ['x', 'y']);
  assert.equal(vocab.lookup('z'), 0);
  assert.equal(vocab.cardinality, 3);
});

test('the same values in the same order always give the same ids', () => {
  const values = Array.from({ length: 500 }, (_, i) => `v${(i * 7919) % 37}`);
  assert.deepEqual(Vocabulary.fit(values).values, Vocabulary.fit(values).values);
  // Ties resolve by first appearance: reversing the input reverses the order of equal counts.
  const a = Vocabulary.fit(['p', 'q', 'r']).values;
  const b = Vocabulary.fit(['r', 'q', 'p']).values;
  assert.deepEqual(a, ['p', 'q', 'r']);
  assert.deepEqual(b, ['r', 'q', 'p']);
});

test('a counter accepts pre-aggregated counts', () => {
  const counter = new VocabularyCounter();
  counter.add('a', 2);
  counter.add('b', 5);
  counter.add('a', 4);
  assert.deepEqual(counter.build(1).values, ['a', 'b']);
  assert.deepEqual(counter.build(6).values, ['a']);
  assert.throws(() => counter.build(0), /minCount/);
});

test('toJSON / fromJSON round-trip keeps every id', () => {
  const vocab = Vocabulary.fit(['é', 'a', 'a', '', 'b|c', 'a'], { minCount: 1 });
  const json = JSON.parse(JSON.stringify(vocab.toJSON()));
  const back = Vocabulary.fromJSON(json);
  assert.deepEqual(back.toJSON(), vocab.toJSON());
  for (const value of ['é', 'a', '', 'b|c', 'missing']) assert.equal(back.lookup(value), vocab.lookup(value));
  assert.throws(() => Vocabulary.fromJSON({ kind: 'vocabulary', values: [1] }), ArtifactError);
  assert.throws(() => Vocabulary.fromJSON(null), ArtifactError);
});
