// Train DCN-v2 on the synthetic click log from the library API, save it, score with model.onnx.
// Run after `npm ci`: node examples/library.mjs
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticClickLogCsv, parseRunConfig, trainFromConfig, OnnxSession } from 'deeprank';

const dir = mkdtempSync(join(tmpdir(), 'deeprank-'));
writeFileSync(join(dir, 'clicks.csv'), syntheticClickLogCsv({ rows: 50_000 }));

const config = parseRunConfig({
  data: { train: 'clicks.csv', split: { validation: 0.1, test: 0.1, seed: 7 } },
  label: { column: 'click', kind: 'binary' },
  features: [
    { name: 'user', type: 'categorical' },
    { name: 'item', type: 'categorical' },
    { name: 'device', type: 'categorical' },
    { name: 'bananas', type: 'numeric', transform: ['standardize'] },
    { name: 'cookbooks', type: 'numeric', transform: ['standardize'] },
  ],
  model: { type: 'dcn-v2', embeddingDim: 8, crossLayers: 2, hiddenUnits: [64, 32] },
  train: { epochs: 3, batchSize: 512, optimizer: { learningRate: 0.002 } },
});
const run = await trainFromConfig(config, { baseDir: dir, outDir: join(dir, 'model') });
console.log('test metrics', run.test);

// The saved model.onnx takes int64 ids per categorical feature and a `dense` block.
const session = await OnnxSession.create(await import('node:fs/promises').then((fs) => fs.readFile(join(dir, 'model', 'model.onnx'))));
const ids = (...v) => ({ data: BigInt64Array.from(v.map(BigInt)), shape: [v.length] });
const out = await session.run({ user: ids(1, 2), item: ids(3, 4), device: ids(1, 2), dense: { data: Float32Array.of(0.5, 1, -1, 0), shape: [2, 2] } });
console.log('p(click)', out.prediction);
