/**
 * Hot reload: a new bundle swaps in (the model version changes), a corrupt one is refused with
 * the old one still serving, rollback returns to the previous one, a leased model keeps scoring
 * after it is swapped out, and requests running while bundles swap back and forth all succeed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBundle } from '../../src/bundle/create-bundle.js';
import { ServingBundle } from '../../src/serve/serving-bundle.js';
import { createServer, type ScoringServer } from '../../src/serve/server.js';
import { post, serveFixtures, type ServeFixtures } from './serve-fixtures.js';

let f: ServeFixtures;
let server: ScoringServer;
let corrupt: string;

before(async () => {
  f = await serveFixtures();
  corrupt = join(f.fixtures.root, 'bundle-corrupt');
  await cp(f.dnnBundle, corrupt, { recursive: true });
  const weights = await readFile(join(corrupt, 'weights.bin'));
  weights[weights.length >> 1] ^= 0x01;
  await writeFile(join(corrupt, 'weights.bin'), weights);
  server = await createServer({ bundle: f.dnnBundle, threads: 1 });
});
after(async () => {
  await server?.app.close();
  await f?.fixtures.cleanup();
});

const request = () => ({ candidates: f.candidates.slice(0, 20) });

async function metricValue(line: string): Promise<number> {
  const text = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
  return Number(text.split('\n').find((l) => l.startsWith(`${line} `))!.split(' ').at(-1));
}

test('reload swaps in a new bundle, a corrupt one is refused and the old keeps serving, rollback returns', async () => {
  const dnn = await post(server.app, '/v1/score', request());
  assert.equal(dnn.body.model.type, 'dnn');

  const swapped = await post(server.app, '/admin/reload', { path: f.mmoeBundle });
  assert.equal(swapped.status, 200, JSON.stringify(swapped.body));
  assert.equal(swapped.body.model.type, 'mmoe');
  const mmoe = await post(server.app, '/v1/score', request());
  assert.equal(mmoe.body.model.type, 'mmoe');
  assert.notEqual(mmoe.body.model.version, dnn.body.model.version);
  assert.deepEqual(Object.keys(mmoe.body.predictions), ['click', 'buy']);

  const refused = await post(server.app, '/admin/reload', { path: corrupt });
  assert.equal(refused.status, 422);
  assert.match(refused.body.error, /weights\.bin.*(hash|size)/);
  assert.equal(refused.body.model.type, 'mmoe');
  const still = await post(server.app, '/v1/score', request());
  assert.deepEqual(still.body, mmoe.body);
  const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.json().model.type, 'mmoe');

  const back = await post(server.app, '/admin/rollback');
  assert.equal(back.status, 200);
  assert.equal(back.body.model.type, 'dnn');
  assert.deepEqual((await post(server.app, '/v1/score', request())).body, dnn.body);
  // a rollback is itself undone by another: the two bundles swap places
  assert.equal((await post(server.app, '/admin/rollback')).body.model.type, 'mmoe');
  assert.equal((await post(server.app, '/admin/rollback')).body.model.type, 'dnn');

  assert.equal(await metricValue('deeprank_reloads_total{outcome="swapped"}'), 2); // start + mmoe
  assert.equal(await metricValue('deeprank_reloads_total{outcome="refused"}'), 1);
  assert.equal(await metricValue('deeprank_reloads_total{outcome="rolled_back"}'), 3);
  assert.equal(await metricValue(`deeprank_model_info{model_type="dnn",created_at="${dnn.body.model.createdAt}",manifest_sha256="${dnn.body.model.version}",path="${f.dnnBundle}",precision="float32"}`), 1);

  const badBody = await post(server.app, '/admin/reload', { path: 3 });
  assert.equal(badBody.status, 400);
  assert.equal(badBody.body.field, 'path');
});

test('rollback without a previous bundle is 409', async () => {
  const fresh = await createServer({ bundle: f.mmoeBundle, threads: 1 });
  try {
    const reply = await post(fresh.app, '/admin/rollback');
    assert.equal(reply.status, 409);
  } finally {
    await fresh.app.close();
  }
});

test('a leased model keeps scoring after it is swapped out; its session is released only when the lease ends', async () => {
  const serving = new ServingBundle({ threads: 1 });
  await serving.reload(f.dnnBundle);
  const lease = serving.acquire();
  await serving.reload(f.mmoeBundle);
  await serving.reload(f.mmoeBundle); // the dnn is now neither current nor previous: retired, but leased
  const scored = await lease.model.score(lease.model.parser.parse(request()));
  assert.equal(scored.scores.score.length, 20);
  lease.release();
  lease.release(); // a second release is a no-op
  await assert.rejects(lease.model.score(lease.model.parser.parse(request())), /released|session|closed|disposed/i);
  await serving.close();
});

test('200+ requests from 20 parallel clients while bundles swap back and forth all succeed', async () => {
  const started = performance.now();
  let reloading = true;
  const replies: Awaited<ReturnType<typeof post>>[] = [];
  // Each client sends requests back to back until the reloads are over and 200 have been sent.
  const client = async (id: number) => {
    while (reloading || replies.length < 200) {
      const at = (id * 7 + replies.length) % 50;
      replies.push(await post(server.app, '/v1/score', { candidates: f.candidates.slice(at, at + 100) }));
    }
  };
  const reloads = (async () => {
    for (let i = 0; i < 4; i++) {
      await sleep(30);
      const reply = await post(server.app, '/admin/reload', { path: i % 2 === 0 ? f.mmoeBundle : f.dnnBundle });
      assert.equal(reply.status, 200);
    }
    await sleep(30);
    reloading = false;
  })();
  await Promise.all([...Array.from({ length: 20 }, (_, id) => client(id)), reloads]);
  const types = new Map<string, number>();
  for (const reply of replies) {
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.scores.length, 100);
    types.set(reply.body.model.type, (types.get(reply.body.model.type) ?? 0) + 1);
  }
  console.log(`${replies.length} requests of 100 candidates, 20 clients, 4 reloads: ${(performance.now() - started).toFixed(0)} ms, all 200; served by ${JSON.stringify(Object.fromEntries(types))}`);
  assert.ok(replies.length >= 200);
  assert.equal(types.size, 2, 'both bundles served some requests');
});

test('a .tar archive bundle reloads like a directory', async () => {
  const archive = join(f.fixtures.root, 'mmoe.tar');
  await createBundle(f.fixtures.mmoe, join(f.fixtures.root, 'bundle-mmoe-archived'), { archive });
  const reply = await post(server.app, '/admin/reload', { path: archive });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  assert.equal(reply.body.model.type, 'mmoe');
  const scored = await post(server.app, '/v1/score', request());
  assert.equal(scored.status, 200);
  assert.equal(scored.body.model.version, reply.body.model.version);
});

