import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { copyParameters, warmStart } from '../../src/train/pretrain.js';
import { Predictor } from '../../src/train/predict.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { assertSameTensors, range, trainConfig, xorSource, xorSpec } from './fixtures.js';

const head = { task: 'click', kind: 'binary' as const, offset: 0 };
const source = xorSource(600, 5);
const split = { source, rows: range(600) };

function model(type: string, config: Record<string, unknown>): RankingModel {
  return new RankingModel(xorSpec, RankingModel.parseModelSpec(type, config), head, undefined, 3);
}

function tensors(params: ParameterStore, names: readonly string[]): Map<string, Float32Array> {
  const all = params.allTensors();
  return new Map(names.map((n) => [n, all.get(n)!.data.slice()]));
}

async function logits(m: RankingModel): Promise<Float64Array> {
  const predictor = await Predictor.create(m, 1);
  const { predictions } = await predictor.predict(source, range(50));
  await predictor.release();
  return Float64Array.from(predictions, (p) => Math.log(p / (1 - p)));
}

test('FNN warm start: its w_i and v_i tables are the trained FM\'s, its MLP keeps its initialisation; deterministic', async () => {
  const config = { embeddingDim: 4, hiddenUnits: [8], pretrain: { type: 'fm', epochs: 2, learningRate: 0.01 } };
  const fnn = model('fnn', config);
  const initial = model('fnn', config);
  initial.build('eval');
  const result = (await warmStart(fnn, trainConfig({ epochs: 1, batchSize: 64 }), split))!;
  const fields = ['emb/a', 'emb/b', 'emb/numeric', 'linear/a', 'linear/b', 'linear/numeric'];
  assert.deepEqual([...result.copied].sort(), fields);
  const fm = result.sources[0]!;
  assert.equal(fm.model.model.type, 'fm');
  assert.equal(fm.result.history.length, 2, 'the plan\'s epochs, not the target\'s');
  assertSameTensors(tensors(fnn.params, fields), tensors(fm.model.params, fields));
  for (const name of fields) assert.notDeepEqual(fnn.params.allTensors().get(name)!.data, initial.params.allTensors().get(name)!.data, `${name} was not trained`);
  const mlp = [...fnn.params.dense.keys()].filter((n) => !fields.includes(n));
  assertSameTensors(tensors(fnn.params, mlp), tensors(initial.params, mlp));

  const again = model('fnn', config);
  await warmStart(again, trainConfig({ epochs: 1, batchSize: 64 }), split);
  assertSameTensors(again.params.snapshot(), fnn.params.snapshot());
});

test('AFM warm start: the FM\'s tables are copied, uniform attention and p = P·1 make it compute the trained FM exactly', async () => {
  const config = { embeddingDim: 4, attentionUnits: 3, pretrain: { type: 'fm', epochs: 2, learningRate: 0.01 } };
  const afm = model('afm', config);
  const initial = model('afm', config);
  initial.build('eval');
  const result = (await warmStart(afm, trainConfig({ epochs: 1, batchSize: 64 }), split))!;
  const fm = result.sources[0]!.model;
  const shared = [...fm.params.allTensors().keys()].filter((n) => afm.params.allTensors().has(n));
  assert.deepEqual([...result.copied].sort(), shared.sort());
  for (const table of ['emb/a', 'emb/b', 'linear/a', 'linear/b']) assert.ok(shared.includes(table), table);
  assertSameTensors(tensors(afm.params, shared), tensors(fm.params, shared));
  // xorSpec has 3 fields (a, b, numeric): 3 pairs.
  const value = (name: string) => [...afm.params.dense.get(name)!.data];
  assert.deepEqual(value('afm/projection'), [0, 0, 0]);
  assert.deepEqual(value('afm_projection/kernel'), [3, 3, 3, 3]);
  assert.deepEqual(value('afm_projection/bias'), [0]);
  assertSameTensors(tensors(afm.params, ['afm/attention_kernel']), tensors(initial.params, ['afm/attention_kernel']));
  const [fmLogits, afmLogits] = [await logits(fm), await logits(afm)];
  assert.ok(fmLogits.some((l) => Math.abs(l) > 0.5), 'the FM predicts ~0.5 everywhere: the check would be vacuous');
  afmLogits.forEach((l, i) => assert.ok(Math.abs(l - fmLogits[i]!) < 1e-4, `row ${i}: AFM ${l} vs FM ${fmLogits[i]}`));
});

test('NeuMF warm start: every weight comes from the trained GMF and MLP, and its logit is α·GMF + (1−α)·MLP', async () => {
  const alpha = 0.3;
  const neumf = model('neumf', { user: 'a', item: 'b', gmfEmbeddingDim: 4, mlpEmbeddingDim: 4, hiddenUnits: [8, 4], alpha, pretrain: true });
  const result = (await warmStart(neumf, trainConfig({ epochs: 2, batchSize: 64, optimizer: { learningRate: 0.01 } }), split))!;
  assert.deepEqual(result.sources.map((s) => s.model.model.type), ['gmf', 'ncf-mlp']);
  assert.deepEqual([...result.copied].sort(), [...neumf.params.allTensors().keys()].sort());
  for (const { model: trained } of result.sources) {
    const names = [...trained.params.allTensors().keys()];
    assertSameTensors(tensors(neumf.params, names), tensors(trained.params, names));
  }
  const [gmf, mlp, fused] = [await logits(result.sources[0]!.model), await logits(result.sources[1]!.model), await logits(neumf)];
  assert.ok(gmf.some((g, i) => Math.abs(g - mlp[i]!) > 0.01), 'GMF and MLP agree: the fusion check would be vacuous');
  fused.forEach((f, i) => assert.ok(Math.abs(f - (alpha * gmf[i]! + (1 - alpha) * mlp[i]!)) < 1e-4, `row ${i}: ${f} vs ${alpha}·${gmf[i]} + ${1 - alpha}·${mlp[i]}`));
});

test('no pretrain option: no warm start', async () => {
  assert.equal(await warmStart(model('neumf', { user: 'a', item: 'b' }), trainConfig({ epochs: 1 }), split), undefined);
  assert.equal(await warmStart(model('fnn', {}), trainConfig({ epochs: 1 }), split), undefined);
});

test('copyParameters: a shared name of another shape is a ConfigError', () => {
  const from = new ParameterStore(1);
  const to = new ParameterStore(2);
  from.table('emb/a', 10, 4, { kind: 'ones' });
  from.denseParam('only/here', [2], { kind: 'ones' });
  to.table('emb/a', 10, 4, { kind: 'zeros' });
  assert.deepEqual(copyParameters(from, to), ['emb/a']);
  assert.ok(to.tables.get('emb/a')!.data.every((v) => v === 1));
  to.table('emb/b', 10, 8, { kind: 'zeros' });
  from.table('emb/b', 10, 4, { kind: 'zeros' });
  assert.throws(() => copyParameters(from, to), (e: unknown) => e instanceof ConfigError && /'emb\/b' has shape \[10,4\], the model's is \[10,8\]/.test(e.message));
});

test('NCF models: user and item must be categorical features, named in the error', () => {
  for (const type of ['gmf', 'ncf-mlp', 'neumf']) {
    assert.throws(() => model(type, { user: 'a', item: 'x' }).build('eval'), (e: unknown) => e instanceof ConfigError && e.location.field === 'model.item' && /'x' is not a categorical feature; one of: a, b/.test(e.message));
    assert.throws(() => model(type, {}).build('eval'), (e: unknown) => e instanceof ConfigError && e.location.field === 'model.user' && /'user_id'/.test(e.message));
  }
});

test('pretrain options are validated', () => {
  const spec = RankingModel.parseModelSpec('neumf', {});
  assert.equal(spec.config.pretrain, false);
  assert.deepEqual(RankingModel.parseModelSpec('neumf', { pretrain: { epochs: 3 } }).config.pretrain, { epochs: 3 });
  assert.throws(() => RankingModel.parseModelSpec('neumf', { pretrain: { epochs: 0 } }), ConfigError);
  assert.throws(() => RankingModel.parseModelSpec('fnn', { pretrain: { type: 'lr' } }), ConfigError);
  assert.throws(() => RankingModel.parseModelSpec('fnn', { pretrain: true }), ConfigError);
  assert.throws(() => RankingModel.parseModelSpec('gmf', { hiddenUnits: [8] }), ConfigError);
});
