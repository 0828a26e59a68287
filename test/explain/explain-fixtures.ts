/**
 * Bundles to explain, trained on a generated click log whose clicks depend only on `a`, `b` and
 * `x` (P(click) = sigmoid(±1.5 by a's parity ± 1 by b's group + 1.2 x)) and not on `noise`
 * (categorical) or `w` (numeric): importances must rank a, b, x above them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBundle } from '../../src/bundle/create-bundle.js';
import { parseRunConfig } from '../../src/train/run-config.js';
import { trainFromConfig } from '../../src/train/train-run.js';
import { Random } from '../../src/util/random.js';

export function relevanceCsv(rows: number, seed: number): string {
  const rng = new Random(seed);
  const lines = ['click,a,b,noise,x,w'];
  for (let r = 0; r < rows; r++) {
    const a = rng.int(10);
    const b = rng.int(8);
    const noise = rng.int(10);
    const x = rng.normal();
    const w = rng.normal();
    const logit = (a % 2 === 1 ? 1.5 : -1.5) + (b < 4 ? 1 : -1) + 1.2 * x;
    const click = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    lines.push(`${click},a${a},b${b},n${noise},${x.toFixed(3)},${w.toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

/** A run config for train.csv in the bundle root with `model`; binary click unless `regression`. */
export function relevanceConfig(model: Record<string, unknown>, { regression = false, epochs = 4 } = {}): Record<string, any> {
  return {
    data: { train: 'train.csv', split: { validation: 0.2, seed: 7 } },
    label: { column: 'click', task: 'click', kind: regression ? 'regression' : 'binary' },
    features: [
      { name: 'a', type: 'categorical' },
      { name: 'b', type: 'categorical' },
      { name: 'noise', type: 'categorical' },
      { name: 'x', type: 'numeric', transform: ['standardize'] },
      { name: 'w', type: 'numeric', transform: ['standardize'] },
    ],
    model,
    train: { epochs, batchSize: 64, threads: 1, seed: 1, optimizer: { type: 'adam', learningRate: 0.02 }, metrics: [regression ? 'rmse' : 'auc'] },
  };
}

export interface ExplainFixtures {
  root: string;
  /** train.csv (3000 rows) and score.csv (1500 rows, other seed). */
  scoreFile: string;
  /** Train `config` in the root and bundle it as `name`-bundle; returns the bundle directory. */
  bundle(name: string, config: Record<string, any>): Promise<string>;
  cleanup(): Promise<void>;
}

export async function explainFixtures(): Promise<ExplainFixtures> {
  const root = await mkdtemp(join(tmpdir(), 'deeprank-explain-test-'));
  await writeFile(join(root, 'train.csv'), relevanceCsv(3000, 1));
  await writeFile(join(root, 'score.csv'), relevanceCsv(1500, 2));
  return {
    root,
    scoreFile: join(root, 'score.csv'),
    async bundle(name, config) {
      const modelDir = join(root, name);
      await trainFromConfig(parseRunConfig(config), { baseDir: root, outDir: modelDir, threads: 1 });
      const out = join(root, `${name}-bundle`);
      await createBundle(modelDir, out);
      return out;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
