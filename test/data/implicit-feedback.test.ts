import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeaveOneOut, readInteractions, type Interactions } from '../../src/data/implicit-feedback.js';
import { DataError } from '../../src/errors.js';

/** Four users over items 1..12; user 1's last second holds items 5 and 3 (3 listed later). */
function interactions(): Interactions {
  const rows: [number, number, number][] = [
    [1, 1, 10], [1, 2, 20], [1, 5, 30], [1, 3, 30],
    [2, 4, 5], [2, 6, 1], [2, 7, 3],
    [3, 8, 1], [3, 9, 2],
    [4, 1, 7], [4, 10, 8], [4, 12, 9], [4, 11, 2],
  ];
  return { users: Int32Array.from(rows, (r) => r[0]), items: Int32Array.from(rows, (r) => r[1]), timestamps: Float64Array.from(rows, (r) => r[2]) };
}

function rowsOf(protocol: LeaveOneOut) {
  const users = protocol.candidates.column('user_id');
  const items = protocol.candidates.column('item_id');
  const labels = protocol.candidates.labels('click');
  return Array.from(users, (u, i) => ({ user: u, item: items[i]!, label: labels[i]! }));
}

test('leave-one-out: the latest interaction is held out (ties: the later line), last among unseen candidates', () => {
  const protocol = new LeaveOneOut(interactions(), { seed: 7, candidates: 4 });
  assert.deepEqual(protocol.spec.categorical, [{ name: 'user_id', cardinality: 5 }, { name: 'item_id', cardinality: 13 }]);
  assert.equal(protocol.users, 4);
  const rows = rowsOf(protocol);
  const heldOut = rows.filter((r) => r.label === 1).map((r) => [r.user, r.item]);
  assert.deepEqual(heldOut, [[1, 3], [2, 4], [3, 9], [4, 12]]);
  const all = interactions();
  for (let u = 1; u <= 4; u++) {
    const block = rows.filter((r) => r.user === u);
    assert.equal(block.length, 5);
    assert.equal(block.at(-1)!.label, 1, 'the held-out item closes its block');
    const sampled = block.slice(0, -1).map((r) => r.item);
    assert.equal(new Set(sampled).size, 4, 'candidates are distinct');
    for (const item of sampled) assert.ok(!all.users.some((v, i) => v === u && all.items[i] === item), `user ${u} interacted with candidate ${item}`);
  }
});

test('leave-one-out: the same seed gives the same candidates, another seed others', () => {
  const a = new LeaveOneOut(interactions(), { seed: 7, candidates: 4 });
  const b = new LeaveOneOut(interactions(), { seed: 7, candidates: 4 });
  const c = new LeaveOneOut(interactions(), { seed: 8, candidates: 4 });
  assert.deepEqual(rowsOf(a), rowsOf(b));
  assert.notDeepEqual(rowsOf(a), rowsOf(c));
});

test('training rows: each positive then 4 negatives the user has no training positive with, redrawn each epoch', () => {
  const protocol = new LeaveOneOut(interactions(), { seed: 3, candidates: 4 });
  const source = protocol.train;
  // 13 interactions, 4 held out: 9 positives x (1 + 4).
  assert.equal(source.numRows, 45);
  const epoch = (n: number) => {
    source.startEpoch(n);
    const [batch] = [...source.batches(source.allRows(), 64)];
    return { users: [...batch!.categorical.get('user_id')!], items: [...batch!.categorical.get('item_id')!], labels: [...batch!.labels.get('click')!] };
  };
  const first = epoch(1);
  const positives = new Set(first.users.flatMap((u, i) => (first.labels[i] === 1 ? [`${u}:${first.items[i]}`] : [])));
  assert.equal(positives.size, 9);
  assert.ok(!positives.has('1:3') && !positives.has('4:12'), 'held-out items are not training positives');
  first.labels.forEach((label, i) => {
    assert.equal(label, i % 5 === 0 ? 1 : 0);
    assert.equal(first.users[i], first.users[i - (i % 5)]);
    if (label === 0) assert.ok(!positives.has(`${first.users[i]}:${first.items[i]}`), `row ${i}: a positive drawn as negative`);
  });
  const second = epoch(2);
  assert.deepEqual(second.labels, first.labels);
  assert.notDeepEqual(second.items, first.items, 'epoch 2 draws other negatives');
  assert.deepEqual(epoch(1), first, 'an epoch redrawn gives the same negatives');
});

test('HR@k and NDCG@k: golden values, ties rank the held-out item below the sampled ones', () => {
  const protocol = new LeaveOneOut(interactions(), { seed: 7, candidates: 4 });
  // Per user block (4 sampled, held-out last): user 1 held-out first; user 2 second;
  // user 3 tied with every candidate (ranks 5th); user 4 last.
  const scores = [
    [0.1, 0.2, 0.3, 0.4, 0.9],
    [0.1, 0.8, 0.3, 0.4, 0.5],
    [0.5, 0.5, 0.5, 0.5, 0.5],
    [0.6, 0.7, 0.8, 0.9, 0.1],
  ].flat();
  const at2 = protocol.rankingMetrics(scores, 2);
  assert.equal(at2.hitRate, 0.5);
  assert.ok(Math.abs(at2.ndcg - (1 + 1 / Math.log2(3)) / 4) < 1e-12);
  const at5 = protocol.rankingMetrics(scores, 5);
  assert.equal(at5.hitRate, 1);
  assert.ok(Math.abs(at5.ndcg - (1 + 1 / Math.log2(3) + 2 / Math.log2(6)) / 4) < 1e-12);
});

test('popularity scores count training positives of each candidate item', () => {
  const protocol = new LeaveOneOut(interactions(), { seed: 7, candidates: 4 });
  const scores = protocol.popularityScores();
  const items = protocol.candidates.column('item_id');
  // Item 1 is a training positive of users 1 and 4; the held-out items 3, 4, 9, 12 of nobody.
  items.forEach((item, i) => assert.equal(scores[i], item === 1 ? 2 : [2, 5, 6, 7, 8, 10, 11].includes(item) ? 1 : 0, `item ${item}`));
});

test('too few unseen items for the candidates is a DataError', () => {
  assert.throws(() => new LeaveOneOut(interactions(), { seed: 7, candidates: 9 }), (e: unknown) => e instanceof DataError && /all but 8 of 12 items/.test(e.message));
});

test('readInteractions: u.data lines; a bad field names its row and field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'deeprank-implicit-'));
  try {
    const file = join(dir, 'u.data');
    await writeFile(file, '1\t2\t5\t100\n3\t4\t1\t200\n');
    const read = await readInteractions(file);
    assert.deepEqual([...read.users], [1, 3]);
    assert.deepEqual([...read.items], [2, 4]);
    assert.deepEqual([...read.timestamps], [100, 200]);
    await writeFile(file, '1\t2\t5\t100\n3\tx\t1\t200\n');
    await assert.rejects(readInteractions(file), (e: unknown) => e instanceof DataError && e.location.row === 2 && e.location.field === 'item');
    await writeFile(file, '1\t2\t5\n');
    await assert.rejects(readInteractions(file), (e: unknown) => e instanceof DataError && e.location.row === 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
