/** The item-mean baseline of MovieLens 100K u1: each test rating predicted by its item's mean training rating (global mean for new items). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedData } from './real-data.js';

export function itemMeanRmse(): number {
  const read = (f: string) => readFileSync(join(sharedData, 'ml-100k', f), 'utf8').trim().split('\n').map((l) => l.split('\t').map(Number));
  const train = read('u1.base');
  const sums = new Map<number, [number, number]>();
  let global = 0;
  for (const [, item, r] of train) {
    const s = sums.get(item!) ?? [0, 0];
    s[0] += r!;
    s[1]++;
    sums.set(item!, s);
    global += r!;
  }
  global /= train.length;
  let se = 0;
  const test = read('u1.test');
  for (const [, item, r] of test) {
    const s = sums.get(item!);
    se += (r! - (s ? s[0] / s[1] : global)) ** 2;
  }
  return Math.sqrt(se / test.length);
}
