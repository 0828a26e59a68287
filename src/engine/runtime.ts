/**
 * Runs exported graphs with ONNX Runtime. One session per graph; feeds are typed arrays with
 * shapes, so the trainer can hand over its parameter buffers without copying them in JS.
 */
import os from 'node:os';
import ort from 'onnxruntime-node';

export type TensorData = Float32Array | Float64Array | BigInt64Array;

export interface Feed {
  data: TensorData;
  shape: readonly number[];
}

const ORT_TYPE = new Map<Function, 'float32' | 'float64' | 'int64'>([
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [BigInt64Array, 'int64'],
]);

function tensorOf({ data, shape }: Feed): ort.Tensor {
  return new ort.Tensor(ORT_TYPE.get(data.constructor)!, data, shape as number[]);
}

/**
 * The first `n` ids as int64, into `out` (from its start). A plain loop: BigInt64Array.from with a
 * mapping function is about 100x slower (0.4 ms for a 1024-row batch of 6 features).
 */
export function int64Of(ids: Int32Array, n: number, out: BigInt64Array<ArrayBufferLike> = new BigInt64Array(n)): BigInt64Array<ArrayBufferLike> {
  for (let i = 0; i < n; i++) out[i] = BigInt(ids[i]!);
  return out;
}

/** Default worker threads: DEEPRANK_THREADS, else every core. */
export function defaultThreads(): number {
  const fromEnv = Number(process.env.DEEPRANK_THREADS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : os.availableParallelism();
}

export interface SessionOptions {
  threads?: number;
  spin?: 'always' | 'within-run';
}

export class OnnxSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  /**
   * `spin`: ONNX Runtime's workers spin while they wait for work, so each parallel section of a
   * run starts without waking them (a wake-up costs tens of microseconds, and a training step has
   * dozens of sections). 'always' keeps them spinning between runs too, for back-to-back requests;
   * 'within-run' parks them as a run returns, when other threads of ours (the trainer's update
   * threads) need the cores until the next run.
   */
  static async create(model: Uint8Array, { threads = defaultThreads(), spin = 'always' }: SessionOptions = {}): Promise<OnnxSession> {
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: { session: { force_spinning_stop: spin === 'within-run' ? '1' : '0', intra_op: { allow_spinning: '1' } } },
    });
    return new OnnxSession(session);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /**
   * `outputs`: fetches ONNX Runtime writes into the given arrays (which may be views of shared
   * memory) rather than into its own; onnxruntime-node still returns a copy of each.
   */
  async run(feeds: Readonly<Record<string, Feed>>, fetches?: readonly string[], outputs?: Readonly<Record<string, Feed>>): Promise<Record<string, TensorData>> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, feed] of Object.entries(feeds)) tensors[name] = tensorOf(feed);
    let results;
    if (outputs) {
      const into: Record<string, ort.Tensor | null> = {};
      for (const name of fetches ?? this.outputNames) into[name] = outputs[name] ? tensorOf(outputs[name]) : null;
      results = await this.session.run(tensors, into);
    } else {
      results = fetches ? await this.session.run(tensors, fetches as string[]) : await this.session.run(tensors);
    }
    const out: Record<string, TensorData> = {};
    for (const [name, tensor] of Object.entries(results)) out[name] = tensor.data as TensorData;
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
