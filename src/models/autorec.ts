/**
 * Item-based AutoRec (I-AutoRec, Sedhain et al. 2015): an autoencoder over an item's rating
 * column r_i ∈ R^{n_users} (0 where unobserved, mask m_i):
 *
 *   h = sigmoid(V r_i + μ),   r̂_i = W h + b,
 *   loss = mean_{i ∈ batch} Σ_u m_iu (r̂_iu − r_iu)² + (l2/2)(‖W‖² + ‖V‖²)
 *
 * which is the paper's Σ_i Σ_u m_iu (r̂_iu − r_iu)² + (λ/2)(‖W‖² + ‖V‖²) divided by the number of
 * items n, with λ = l2·n: every batch of items is an unbiased estimate of that objective, so l2
 * does not change meaning with the batch size. Rating (u, i) is predicted as r̂_i[u] from item
 * i's training column, clipped to the rating range. Pairs the training matrix cannot score fall
 * back to means: an unseen item gets the user's mean, an unseen user the item's mean, and a pair
 * of both the global mean.
 */
import { Graph, type Sym } from '../engine/graph.js';
import { exportOnnx } from '../engine/onnx-export.js';
import { add, mul, reduceMean, reduceSum, scale, square, sub } from '../engine/ops.js';
import { ParameterStore } from '../engine/parameter-store.js';
import { OnnxSession } from '../engine/runtime.js';
import { parseWithSchema } from '../data/data-config.js';
import type { Rating, RatingMatrix } from '../data/rating-matrix.js';
import { ConfigError } from '../errors.js';
import { BATCH, BuildContext } from '../layers/build-context.js';
import { Dense } from '../layers/dense.js';
import { check, Layer, type LayerConfig } from '../layers/layer.js';
import { DenseWeightTrainer } from '../train/dense-weight-trainer.js';
import { OptimizerConfigSchema, type OptimizerConfig } from '../train/optimizers.js';
import { Random } from '../util/random.js';

export interface AutoRecConfig extends LayerConfig {
  hiddenUnits: number;
  /** L2 strength per item (the paper's λ divided by the number of items). */
  l2: number;
  /** Range predictions are clipped to; default [1, 5]. */
  minRating?: number;
  maxRating?: number;
}

export interface AutoRecFitOptions {
  epochs: number;
  /** Items per step. */
  batchSize: number;
  /** Seeds the weight initialisation and the item order. */
  seed: number;
  optimizer?: Partial<OptimizerConfig>;
  threads?: number;
  /** Awaited before the next epoch, so it may evaluate the model (predict) in between. */
  onEpoch?(epoch: number, loss: number): void | Promise<void>;
}

export interface AutoRecPredictions {
  predictions: Float32Array;
  /** Pairs whose item was not in the training matrix (user's mean, or global mean). */
  unseenItems: number;
  /** Pairs whose user was not in the training matrix (item's mean, or global mean). */
  unseenUsers: number;
}

export class AutoRec extends Layer<AutoRecConfig> {
  readonly className = 'AutoRec';
  params = new ParameterStore();
  private users: number | undefined;

  constructor(config: AutoRecConfig) {
    super(config);
    check.positiveInt('AutoRec', 'hiddenUnits', config.hiddenUnits);
    check.nonNegative('AutoRec', 'l2', config.l2);
    if (this.minRating >= this.maxRating) {
      throw new ConfigError(`AutoRec: 'minRating' (${this.minRating}) must be below 'maxRating' (${this.maxRating})`, { field: 'minRating' });
    }
  }

  static fromConfig(config: AutoRecConfig): AutoRec {
    return new AutoRec(config);
  }

  get minRating(): number {
    return this.config.minRating ?? 1;
  }

  get maxRating(): number {
    return this.config.maxRating ?? 5;
  }

  protected override defaultName(): string {
    return 'autorec';
  }

  /** r̂ = W sigmoid(V r + μ) + b for a batch of rating columns [batch, users]. */
  reconstruct(ctx: BuildContext, ratings: Sym): Sym {
    const name = this.scope(ctx);
    // The penalty is part of the loss, so the optimizer adds none (l2: 0).
    const encoder = new Dense({ name: `${name}/encoder`, units: this.config.hiddenUnits, activation: 'sigmoid', l2: 0 });
    const decoder = new Dense({ name: `${name}/decoder`, units: ratings.shape[1] as number, l2: 0 });
    return decoder.apply(ctx, encoder.apply(ctx, ratings));
  }

  /** The loss of the module comment for a batch of columns and their masks. */
  loss(ctx: BuildContext, ratings: Sym, mask: Sym): Sym {
    const error = mul(mask, sub(this.reconstruct(ctx, ratings), ratings));
    const dataTerm = reduceMean(reduceSum(square(error), [1]), [0]);
    const name = this.scope(ctx);
    const kernels = [`${name}/encoder/kernel`, `${name}/decoder/kernel`].map((kernel) => ctx.graph.findInput(kernel)!.sym);
    const penalty = kernels.map((k) => reduceSum(square(k), [0, 1])).reduce(add);
    return add(dataTerm, scale(penalty, this.config.l2 / 2));
  }

  /** Trains fresh weights on `matrix`; returns the mean training loss of each epoch. */
  async fit(matrix: RatingMatrix, options: AutoRecFitOptions): Promise<number[]> {
    check.positiveInt('AutoRec.fit', 'epochs', options.epochs);
    check.positiveInt('AutoRec.fit', 'batchSize', options.batchSize);
    const users = matrix.userCount;
    this.users = users;
    this.params = new ParameterStore(options.seed);
    const graph = new Graph('float32');
    const ctx = new BuildContext(graph, this.params, 'train');
    const loss = this.loss(ctx, graph.input('ratings', [BATCH, users]), graph.input('mask', [BATCH, users]));
    const trainer = await DenseWeightTrainer.create(loss, this.params, parseWithSchema(OptimizerConfigSchema, options.optimizer ?? {}), options.threads === undefined ? {} : { threads: options.threads });

    const rng = new Random(options.seed);
    const values = new Float32Array(options.batchSize * users);
    const mask = new Float32Array(options.batchSize * users);
    const history: number[] = [];
    try {
      for (let epoch = 1; epoch <= options.epochs; epoch++) {
        const order = rng.permutation(matrix.itemCount);
        let sum = 0;
        for (let start = 0; start < order.length; start += options.batchSize) {
          const count = Math.min(options.batchSize, order.length - start);
          matrix.gatherRows(order.subarray(start, start + count), count, values, mask);
          const shape = [count, users];
          sum += count * (await trainer.run({ ratings: { data: values.subarray(0, count * users), shape }, mask: { data: mask.subarray(0, count * users), shape } }));
        }
        history.push(sum / order.length);
        await options.onEpoch?.(epoch, sum / order.length);
      }
    } finally {
      await trainer.release();
    }
    return history;
  }

  /** The served model: input `ratings` [batch, users] (item columns), output `reconstruction`; weights inlined. */
  exportOnnx(): Uint8Array {
    if (this.users === undefined) throw new ConfigError('AutoRec: fit the model before exporting or predicting it');
    const graph = new Graph('float32');
    const reconstruction = this.reconstruct(new BuildContext(graph, this.params, 'export'), graph.input('ratings', [BATCH, this.users]));
    const initializers = new Map([...this.params.dense].map(([name, p]) => [name, p.data]));
    return exportOnnx(graph, { outputs: { reconstruction }, initializers, graphName: 'autorec' });
  }

  /** Predicted ratings of (user, item) pairs, from the columns of the matrix the model was fit on. */
  async predict(matrix: RatingMatrix, pairs: readonly Pick<Rating, 'user' | 'item'>[], { threads }: { threads?: number } = {}): Promise<AutoRecPredictions> {
    if (this.users !== undefined && matrix.userCount !== this.users) {
      throw new ConfigError(`AutoRec: the model was fit on ${this.users} users, the matrix has ${matrix.userCount}`);
    }
    const session = await OnnxSession.create(this.exportOnnx(), threads === undefined ? {} : { threads });
    const users = matrix.userCount;
    const out = await session.run({ ratings: { data: matrix.values, shape: [matrix.itemCount, users] } });
    await session.release();
    const reconstruction = out.reconstruction as Float32Array;
    const predictions = new Float32Array(pairs.length);
    let unseenItems = 0;
    let unseenUsers = 0;
    pairs.forEach(({ user, item }, k) => {
      const u = matrix.users.get(user);
      const i = matrix.items.get(item);
      if (u === undefined) unseenUsers++;
      if (i === undefined) unseenItems++;
      const raw = u !== undefined && i !== undefined ? reconstruction[i * users + u]! : u !== undefined ? matrix.userMeans[u]! : i !== undefined ? matrix.itemMeans[i]! : matrix.globalMean;
      predictions[k] = Math.min(this.maxRating, Math.max(this.minRating, raw));
    });
    return { predictions, unseenItems, unseenUsers };
  }
}
