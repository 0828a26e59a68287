/**
 * DIN on a hand-made batch: padding appended to the history changes no output bit, in the eval
 * graph and in the exported (served) model; history and candidate read one table; the attention
 * weights come back per candidate through Predictor.explain; DNN mean-pools the same history.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureSpec } from '../../src/data/batch.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { ConfigError } from '../../src/errors.js';
import { dataset, HEAD, HISTORIES, predictWithAttention, served, spec } from '../support/tiny-history.js';

for (const activation of ['dice', 'prelu'] as const) {
  test(`DIN (${activation}): appending padding to the history changes no output bit (eval and served)`, async () => {
    const config = RankingModel.parseModelSpec('din', { embeddingDim: 4, attentionUnits: [5], hiddenUnits: [6], activation, attentionActivation: activation });
    const params = new ParameterStore(3);
    const short = new RankingModel(spec(3), config, HEAD, params);
    const long = new RankingModel(spec(7), config, HEAD, params);
    const a = await predictWithAttention(short, 3);
    const b = await predictWithAttention(long, 7);
    assert.deepEqual(Array.from(b.predictions), Array.from(a.predictions));
    const servedShort = await served(short, dataset(3), 3);
    assert.deepEqual(Array.from(await served(long, dataset(7), 7)), Array.from(servedShort));
    servedShort.forEach((p, i) => assert.ok(Math.abs(p - a.predictions[i]!) < 1e-6, `served ${p} vs eval ${a.predictions[i]}`));

    // One attention weight per history position; padded positions weigh exactly 0. Real ones agree
    // to rounding only: ONNX Runtime may block a MatMul over 3 or 7 positions differently.
    assert.deepEqual(a.attention.labels, ['history[0]', 'history[1]', 'history[2]']);
    assert.equal(b.attention.labels.length, 7);
    HISTORIES.forEach((h, r) => {
      for (let k = 0; k < 7; k++) {
        const w = b.attention.values[r * 7 + k]!;
        if (k >= h.length) assert.equal(w, 0);
        else assert.ok(Math.abs(w - a.attention.values[r * 3 + k]!) < 1e-6, `row ${r} position ${k}: ${w} vs ${a.attention.values[r * 3 + k]}`);
      }
    });
  });
}

test('history and candidate share one embedding table, for DIN and for DNN (which mean-pools the history)', () => {
  for (const type of ['din', 'dnn']) {
    const model = new RankingModel(spec(3), RankingModel.parseModelSpec(type, { embeddingDim: 4, hiddenUnits: [6] }), HEAD, new ParameterStore(1));
    const { built } = model.evalGraph();
    assert.deepEqual([...model.params.tables.keys()].sort(), ['emb/item', 'emb/user'], type);
    const tables = built.ctx.lookups.filter((l) => l.feature === 'item' || l.feature === 'history').map((l) => l.table);
    assert.deepEqual(tables, ['emb/item', 'emb/item'], type);
  }
});

test('DIN without a sequence feature, or naming a missing one, is a ConfigError naming model.history', () => {
  const noSequence: FeatureSpec = { ...spec(3), sequence: [] };
  const config = RankingModel.parseModelSpec('din', {});
  assert.throws(() => new RankingModel(noSequence, config, HEAD).evalGraph(), (e: unknown) => e instanceof ConfigError && e.location.field === 'model.history' && /type: sequence/.test(e.message));
  const named = RankingModel.parseModelSpec('din', { history: 'clicks' });
  assert.throws(() => new RankingModel(spec(3), named, HEAD).evalGraph(), /model\.history: 'clicks' is not a sequence feature; one of: history/);
});
