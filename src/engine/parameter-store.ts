/**
 * The model's numbers, held in JS: dense weights (fed to the training graph every step, inlined
 * into the exported one), row-sparse embedding tables (gathered in JS, updated row by row) and
 * non-trainable state such as batch-norm running statistics.
 */
import { ArtifactError } from '../errors.js';
import { Random } from '../util/random.js';
import { sharedFloat32 } from '../util/shared-memory.js';

export type Initializer =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'constant'; value: number }
  | { kind: 'glorotUniform' }
  | { kind: 'uniform'; scale: number }
  | { kind: 'normal'; std: number };

export interface DenseParam {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
  /** L2 strength for this weight; undefined = the trainer's global l2 (biases and norms pass 0). */
  readonly l2: number | undefined;
}

export interface EmbeddingTable {
  readonly name: string;
  readonly rows: number;
  readonly dim: number;
  readonly data: Float32Array;
}

export interface StateTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

function fill(data: Float32Array, shape: readonly number[], init: Initializer, rng: Random): void {
  switch (init.kind) {
    case 'zeros':
      return;
    case 'ones':
      data.fill(1);
      return;
    case 'constant':
      data.fill(init.value);
      return;
    case 'glorotUniform': {
      // Keras' default: fan_in and fan_out from the last two dimensions.
      const fanIn = shape.length >= 2 ? shape[shape.length - 2]! : shape[0]!;
      const fanOut = shape[shape.length - 1]!;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-limit, limit);
      return;
    }
    case 'uniform':
      for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-init.scale, init.scale);
      return;
    case 'normal':
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * init.std;
      return;
  }
}

export class ParameterStore {
  readonly dense = new Map<string, DenseParam>();
  readonly tables = new Map<string, EmbeddingTable>();
  readonly state = new Map<string, StateTensor>();
  private readonly rng: Random;

  constructor(seed = 1) {
    this.rng = new Random(seed);
  }

  denseParam(name: string, shape: readonly number[], init: Initializer, l2?: number): DenseParam {
    const existing = this.dense.get(name);
    if (existing) {
      if (existing.shape.join() !== shape.join()) throw new ArtifactError(`parameter '${name}' has shape [${existing.shape}], the model asks for [${shape}]`);
      return existing;
    }
    // Shared memory: the trainer's update threads change weights in place.
    const data = sharedFloat32(shape.reduce((a, b) => a * b, 1));
    fill(data, shape, init, this.rng);
    const param = { name, shape: [...shape], data, l2 };
    this.dense.set(name, param);
    return param;
  }

  table(name: string, rows: number, dim: number, init: Initializer): EmbeddingTable {
    const existing = this.tables.get(name);
    if (existing) {
      if (existing.rows !== rows || existing.dim !== dim) throw new ArtifactError(`embedding '${name}' is ${existing.rows}x${existing.dim}, the model asks for ${rows}x${dim}`);
      return existing;
    }
    const data = sharedFloat32(rows * dim);
    fill(data, [rows, dim], init, this.rng);
    const table = { name, rows, dim, data };
    this.tables.set(name, table);
    return table;
  }

  stateTensor(name: string, shape: readonly number[], init: Initializer): StateTensor {
    const existing = this.state.get(name);
    if (existing) return existing;
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    fill(data, shape, init, this.rng);
    const tensor = { name, shape: [...shape], data };
    this.state.set(name, tensor);
    return tensor;
  }

  /** Every tensor by name (tables and state included), for saving and for export initializers. */
  allTensors(): Map<string, { shape: readonly number[]; data: Float32Array; kind: 'dense' | 'table' | 'state' }> {
    const out = new Map<string, { shape: readonly number[]; data: Float32Array; kind: 'dense' | 'table' | 'state' }>();
    for (const p of this.dense.values()) out.set(p.name, { shape: p.shape, data: p.data, kind: 'dense' });
    for (const t of this.tables.values()) out.set(t.name, { shape: [t.rows, t.dim], data: t.data, kind: 'table' });
    for (const s of this.state.values()) out.set(s.name, { shape: s.shape, data: s.data, kind: 'state' });
    return out;
  }

  /** A deep copy of every value (for best-weights restore). */
  snapshot(): Map<string, Float32Array> {
    const copy = new Map<string, Float32Array>();
    for (const [name, t] of this.allTensors()) copy.set(name, t.data.slice());
    return copy;
  }

  restore(snapshot: ReadonlyMap<string, Float32Array>): void {
    for (const [name, t] of this.allTensors()) {
      const saved = snapshot.get(name);
      if (!saved || saved.length !== t.data.length) throw new ArtifactError(`saved weights have no tensor '${name}' of ${t.data.length} values`);
      t.data.set(saved);
    }
  }

  parameterCount(): number {
    let n = 0;
    for (const p of this.dense.values()) n += p.data.length;
    for (const t of this.tables.values()) n += t.data.length;
    return n;
  }
}
