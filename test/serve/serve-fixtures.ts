/**
 * What the server tests share: bundles of the bundle fixtures' models (a calibrated DNN with a
 * utility policy, a two-task MMoE), the scored rows of score.csv as request candidates, and a
 * JSON POST through Fastify's inject.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBundle } from '../../src/bundle/create-bundle.js';
import type { FastifyInstance } from 'fastify';
import { bundleFixtures, type BundleFixtures } from '../bundle/bundle-fixtures.js';

export interface ServeFixtures {
  fixtures: BundleFixtures;
  /** Calibrated DNN with utility `2 * click`. */
  dnnBundle: string;
  /** MMoE with heads click and buy, no calibration or utility. */
  mmoeBundle: string;
  /** score.csv's rows as candidates: { user, item, price }. */
  candidates: { user: string; item: string; price: number }[];
}

export async function serveFixtures(): Promise<ServeFixtures> {
  const fixtures = await bundleFixtures();
  await writeFile(join(fixtures.root, 'utility.yaml'), 'version: 2026-11.1\nterms:\n  click: 2\n');
  const dnnBundle = join(fixtures.root, 'bundle-dnn');
  const mmoeBundle = join(fixtures.root, 'bundle-mmoe');
  await createBundle(fixtures.dnn, dnnBundle, { utility: join(fixtures.root, 'utility.yaml') });
  await createBundle(fixtures.mmoe, mmoeBundle);
  const [header, ...lines] = (await readFile(fixtures.scoreFile, 'utf8')).trimEnd().split('\n');
  const at = (name: string) => header!.split(',').indexOf(name);
  const candidates = lines.map((line) => {
    const cells = line.split(',');
    return { user: cells[at('user')]!, item: cells[at('item')]!, price: Number(cells[at('price')]) };
  });
  return { fixtures, dnnBundle, mmoeBundle, candidates };
}

export interface Reply {
  status: number;
  body: any;
}

/** POST `payload` (an object, or raw JSON text) to `url`. */
export async function post(app: FastifyInstance, url: string, payload?: unknown): Promise<Reply> {
  const response = await app.inject({
    method: 'POST',
    url,
    ...(payload !== undefined ? { payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: response.statusCode, body: response.json() };
}
