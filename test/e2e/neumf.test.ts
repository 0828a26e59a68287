/**
 * The NCF protocol on MovieLens 100K (u.data; each user's latest interaction held out and ranked
 * among 99 sampled unseen items; 4 negatives per training positive, redrawn each epoch; seed
 * 2026): NeuMF, from scratch and warm-started from trained GMF and MLP, must reach HR@10 >= 0.60
 * and beat ranking the candidates by training popularity by 0.1. GMF's and the MLP's own
 * numbers are those of the pretraining sources.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LeaveOneOut, readInteractions, type RankingResult } from '../../src/data/implicit-feedback.js';
import { warmStart } from '../../src/train/pretrain.js';
import { Predictor } from '../../src/train/predict.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { TrainConfigSchema } from '../../src/train/train-config.js';
import { Trainer } from '../../src/train/trainer.js';
import { realDataSkip, sharedData } from '../support/real-data.js';

const skip = realDataSkip('ml-100k/u.data');
const SEED = 2026;
const head = { task: 'click', kind: 'binary' as const, offset: 0 };
const paths = { gmfEmbeddingDim: 16, mlpEmbeddingDim: 32, hiddenUnits: [64, 32, 16] };

async function rank(protocol: LeaveOneOut, model: RankingModel): Promise<RankingResult> {
  const predictor = await Predictor.create(model, 1);
  const { predictions } = await predictor.predict(protocol.candidates, protocol.candidates.allRows());
  await predictor.release();
  return protocol.rankingMetrics(predictions, 10);
}

test('NCF protocol on MovieLens 100K: NeuMF reaches HR@10 >= 0.60 and beats item popularity, with and without pretraining', { skip, timeout: 300_000 }, async () => {
  const protocol = new LeaveOneOut(await readInteractions(join(sharedData, 'ml-100k', 'u.data')), { seed: SEED });
  const train = { source: protocol.train, rows: protocol.train.allRows() };
  const trainConfig = (epochs: number, learningRate: number) => TrainConfigSchema.parse({ epochs, batchSize: 256, optimizer: { learningRate }, seed: SEED, threads: 1 });
  const results: Record<string, RankingResult> = { popularity: protocol.rankingMetrics(protocol.popularityScores(), 10) };
  const seconds: Record<string, number> = {};

  let started = performance.now();
  const pretrained = new RankingModel(protocol.spec, RankingModel.parseModelSpec('neumf', { ...paths, pretrain: { epochs: 8, learningRate: 0.003 } }), head, undefined, SEED);
  // Fine-tuning starts from two trained paths: one epoch at a lower rate, before it overfits.
  const sources = (await warmStart(pretrained, trainConfig(1, 0.0005), train))!.sources;
  for (const source of sources) results[source.model.model.type] = await rank(protocol, source.model);
  await new Trainer(pretrained, trainConfig(1, 0.0005)).fit(train);
  results['neumf (pretrained)'] = await rank(protocol, pretrained);
  seconds['gmf + ncf-mlp + neumf (pretrained)'] = (performance.now() - started) / 1000;

  started = performance.now();
  const scratch = new RankingModel(protocol.spec, RankingModel.parseModelSpec('neumf', paths), head, undefined, SEED);
  await new Trainer(scratch, trainConfig(7, 0.002)).fit(train);
  results.neumf = await rank(protocol, scratch);
  seconds.neumf = (performance.now() - started) / 1000;

  for (const [name, m] of Object.entries(results)) console.log(`ml-100k NCF ${name}: HR@10 ${m.hitRate.toFixed(4)} NDCG@10 ${m.ndcg.toFixed(4)}`);
  console.log(`ml-100k NCF seconds (1 thread): ${JSON.stringify(seconds, (_, v) => (typeof v === 'number' ? Number(v.toFixed(1)) : v))}`);
  for (const name of ['neumf', 'neumf (pretrained)']) {
    const { hitRate } = results[name]!;
    assert.ok(hitRate >= 0.6, `${name} HR@10 ${hitRate.toFixed(4)} < 0.60`);
    assert.ok(hitRate >= results.popularity!.hitRate + 0.1, `${name} HR@10 ${hitRate.toFixed(4)} is not 0.1 above popularity ${results.popularity!.hitRate.toFixed(4)}`);
  }
});
