/**
 * A symbolic tensor graph: the thing deeprank models are written against. Nodes are appended in
 * creation order, which is a topological order, so autodiff and export need no sorting.
 *
 * Shapes are static except for symbolic dimensions (strings such as 'batch'), which is all a
 * ranking model needs and lets every gradient's broadcast reduction be decided at build time.
 */
import { ConfigError } from '../errors.js';

export type Dim = number | string;
export type Shape = readonly Dim[];
export type FloatType = 'float32' | 'float64';
export type DType = FloatType | 'int64' | 'bool';

export type AttrValue = number | string | readonly number[];
export type Attrs = Readonly<Record<string, AttrValue>>;

/** A tensor of the graph: the output of a node, a graph input or a constant. */
export class Sym {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly shape: Shape,
    readonly dtype: DType,
    /** Producing node, absent for inputs and constants. */
    readonly node?: Node,
  ) {}

  get rank(): number {
    return this.shape.length;
  }
}

export interface Node {
  readonly op: OpDef;
  readonly inputs: readonly Sym[];
  readonly attrs: Attrs;
  readonly outputs: Sym[];
}

/**
 * One operation: how its output shapes follow from its inputs, how it is written as ONNX nodes,
 * and (for differentiable ops) its vector-Jacobian product, built from other ops of the graph.
 */
export interface OpDef {
  readonly name: string;
  infer(inputs: readonly Sym[], attrs: Attrs): { shape: Shape; dtype: DType }[];
  emit(emitter: OnnxEmitter, node: Node): void;
  /** Gradients with respect to each input, given the gradients of each output (undefined = zero). */
  vjp?(node: Node, outputGrads: readonly (Sym | undefined)[]): (Sym | undefined)[];
}

/**
 * How a graph's 2-D matrix products are written: ONNX MatMul/Gemm, or deeprank's
 * ai.deeprank.GemmBf16 (bfloat16 factors, float32 sums: native/gemm-bf16-op.c), which only
 * deeprank's own ONNX Runtime sessions know, so only training graphs use it.
 */
export const PRODUCT_PRECISIONS = ['float32', 'bf16'] as const;
export type ProductPrecision = (typeof PRODUCT_PRECISIONS)[number];

/** What an op's `emit` writes through; implemented by the ONNX exporter. */
export interface OnnxEmitter {
  name(sym: Sym): string;
  /** An int64 constant (axes, shapes, pads), deduplicated. */
  int64(values: readonly number[]): string;
  /** A scalar constant of the graph's float type. */
  scalar(value: number): string;
  fresh(hint: string): string;
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs?: Attrs, domain?: string): void;
  readonly floatType: FloatType;
  /** Whether deeprank's fused operators (native/elementwise-ops.c) may be written. */
  readonly fused: boolean;
}

export type InputKind = 'data' | 'param';

export interface GraphInput {
  readonly name: string;
  readonly kind: InputKind;
  readonly sym: Sym;
}

export interface Constant {
  readonly sym: Sym;
  readonly values: Float64Array | BigInt64Array;
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: GraphInput[] = [];
  readonly constants = new Map<number, Constant>();
  private readonly inputsByName = new Map<string, GraphInput>();
  private nextId = 0;

  constructor(readonly floatType: FloatType = 'float32') {}

  /** A graph input: fed data (`data`) or a weight that the trainer feeds or export inlines (`param`). */
  input(name: string, shape: Shape, kind: InputKind = 'data', dtype: DType = this.floatType): Sym {
    const existing = this.inputsByName.get(name);
    if (existing) {
      if (!sameShape(existing.sym.shape, shape) || existing.sym.dtype !== dtype) {
        throw new ConfigError(`graph input '${name}' declared twice with different shapes [${existing.sym.shape}] and [${shape}]`);
      }
      return existing.sym;
    }
    const sym = new Sym(this, this.nextId++, [...shape], dtype);
    const input = { name, kind, sym };
    this.inputs.push(input);
    this.inputsByName.set(name, input);
    return sym;
  }

  param(name: string, shape: Shape): Sym {
    return this.input(name, shape, 'param');
  }

  findInput(name: string): GraphInput | undefined {
    return this.inputsByName.get(name);
  }

  /** A constant tensor of the graph's float type (or int64). */
  constant(values: ArrayLike<number>, shape: readonly number[], dtype: DType = this.floatType): Sym {
    const size = shape.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new ConfigError(`constant of shape [${shape}] needs ${size} values, got ${values.length}`);
    const sym = new Sym(this, this.nextId++, [...shape], dtype);
    const stored = dtype === 'int64' ? BigInt64Array.from(Array.from(values, (v) => BigInt(v))) : Float64Array.from(values);
    this.constants.set(sym.id, { sym, values: stored });
    return sym;
  }

  scalar(value: number): Sym {
    return this.constant([value], []);
  }

  apply(op: OpDef, inputs: readonly Sym[], attrs: Attrs = {}): Sym[] {
    for (const input of inputs) {
      if (input.graph !== this) throw new Error(`op ${op.name}: input belongs to another graph`);
    }
    const outputs: Sym[] = [];
    const node: Node = { op, inputs, attrs, outputs };
    for (const { shape, dtype } of op.infer(inputs, attrs)) {
      outputs.push(new Sym(this, this.nextId++, shape, dtype, node));
    }
    this.nodes.push(node);
    return outputs;
  }

  apply1(op: OpDef, inputs: readonly Sym[], attrs: Attrs = {}): Sym {
    return this.apply(op, inputs, attrs)[0]!;
  }
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** NumPy broadcasting of two static-or-symbolic shapes. */
export function broadcastShapes(a: Shape, b: Shape, opName: string): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else throw new ConfigError(`${opName}: shapes [${a}] and [${b}] do not broadcast`);
  }
  return out;
}
