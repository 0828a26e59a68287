import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HashBuckets, fnv1a32 } from '../../src/data/hashing.js';
import { ArtifactError } from '../../src/errors.js';

test('fnv1a32 matches the reference values (UTF-8 bytes)', () => {
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  assert.equal(fnv1a32('é'), 0x1e9de8c1); // bytes c3 a9
  assert.equal(fnv1a32('user_42'), 1023577329);
});

test('hash buckets are stable and in range', () => {
  const buckets = new HashBuckets(1000);
  assert.equal(buckets.cardinality, 1000);
  assert.equal(buckets.lookup('user_42'), 329);
  assert.equal(buckets.lookup('é'), 217);
  assert.equal(buckets.lookup(''), 261);
  for (let i = 0; i < 2000; i++) {
    const id = buckets.lookup(`v${i}`);
    assert.ok(Number.isInteger(id) && id >= 0 && id < 1000);
  }
  assert.throws(() => new HashBuckets(0), /hashBuckets/);
});

test('hash buckets round-trip through JSON', () => {
  const buckets = HashBuckets.fromJSON(JSON.parse(JSON.stringify(new HashBuckets(77).toJSON())));
  assert.equal(buckets.buckets, 77);
  assert.equal(buckets.lookup('x'), new HashBuckets(77).lookup('x'));
  assert.throws(() => HashBuckets.fromJSON({ kind: 'hash', buckets: 3, hash: 'md5' }), ArtifactError);
});
