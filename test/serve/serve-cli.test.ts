/**
 * `deeprank serve` as a user runs it: it starts on a free port and answers, --watch picks up a
 * bundle rebuilt in place, SIGTERM stops it cleanly, and a bad --bundle is one error line, exit 2.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBundle } from '../../src/bundle/create-bundle.js';
import { assertCliError, CLI, runCli } from '../cli/cli-fixtures.js';
import { serveFixtures, type ServeFixtures } from './serve-fixtures.js';

let f: ServeFixtures;

before(async () => {
  f = await serveFixtures();
});
after(() => f?.fixtures.cleanup());

test('serve starts on a free port, scores, reloads a bundle rebuilt in place (--watch) and stops on SIGTERM', async () => {
  const watched = join(f.fixtures.root, 'bundle-watched');
  await createBundle(f.fixtures.dnn, watched);
  const child = spawn(process.execPath, [CLI, 'serve', '--bundle', watched, '--port', '0', '--threads', '1', '--watch'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  try {
    let base: string | undefined;
    for (let i = 0; i < 300 && !base; i++, await sleep(50)) base = /serving dnn bundle .* on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    assert.ok(base, `the server announced its address\nstdout: ${stdout}\nstderr: ${stderr}`);

    const score = await fetch(`${base}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ context: { user: 'u1' }, candidates: [{ item: 'i1', price: 3 }, { item: 'i2', price: 8 }], topK: 1 }) });
    assert.equal(score.status, 200);
    const body = (await score.json()) as { scores: number[]; topK: { index: number }[] };
    assert.equal(body.scores.length, 2);
    assert.equal(body.topK[0]!.index, body.scores[0]! >= body.scores[1]! ? 0 : 1);
    const bad = await fetch(`${base}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"candidates": [{"item": "i1"}]}' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { field: string }).field, 'context.user');

    await createBundle(f.fixtures.mmoe, watched); // replaces the directory atomically
    let type: string | undefined;
    for (let i = 0; i < 200 && type !== 'mmoe'; i++, await sleep(50)) type = ((await (await fetch(`${base}/readyz`)).json()) as { model: { type: string } }).model.type;
    assert.equal(type, 'mmoe', `--watch reloaded the rebuilt bundle\nstdout: ${stdout}`);
    assert.match(await (await fetch(`${base}/metrics`)).text(), /deeprank_reloads_total\{outcome="swapped"\} [2-9]/);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
});

test('serve with a --bundle that is not a bundle: one error line naming it, exit 2', async () => {
  const result = await runCli(['serve', '--bundle', 'no-such-bundle', '--port', '0'], f.fixtures.root);
  assertCliError(result, { file: 'no-such-bundle', message: /no bundle/ });
  const notBundle = await runCli(['serve', '--bundle', f.fixtures.dnn, '--port', '0'], f.fixtures.root);
  assertCliError(notBundle, { file: 'dnn', message: /not a deeprank bundle/ });
});

test('serve on a port already taken: one error line naming --port, exit 2', async () => {
  const taken = createNetServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  try {
    const { port } = taken.address() as AddressInfo;
    const result = await runCli(['serve', '--bundle', f.dnnBundle, '--port', String(port)], f.fixtures.root);
    assertCliError(result, { field: '--port', message: /EADDRINUSE|in use/ });
  } finally {
    taken.close();
  }
});
