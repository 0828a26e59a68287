/**
 * The ops deeprank models are built from. Each op states its shape rule, its ONNX form and its
 * vector-Jacobian product written with other ops, so a training graph is forward + backward ONNX.
 */
import { ConfigError } from '../errors.js';
import { broadcastShapes, isStatic, numel, sameShape, type Attrs, type Dim, type DType, type Node, type OpDef, type Shape, type Sym } from './graph.js';

// ---------------------------------------------------------------------------------------------
// Shape helpers

function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ConfigError(`${op}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

function axesOf(attrs: Attrs): number[] {
  return attrs.axes as number[];
}

const same = (inputs: readonly Sym[]) => [{ shape: inputs[0]!.shape, dtype: inputs[0]!.dtype }];
const broadcast = (name: string) => (inputs: readonly Sym[]) => [
  { shape: broadcastShapes(inputs[0]!.shape, inputs[1]!.shape, name), dtype: inputs[0]!.dtype },
];

function simple(onnxOp: string) {
  return (e: Parameters<OpDef['emit']>[0], node: Node) =>
    e.node(onnxOp, node.inputs.map((s) => e.name(s)), node.outputs.map((s) => e.name(s)), node.attrs);
}

/** The ONNX domain of deeprank's own operators. */
export const DEEPRANK_DOMAIN = 'ai.deeprank';

/** Sum a broadcast gradient back to the shape of the operand that was broadcast. */
export function unbroadcast(g: Sym, target: Shape): Sym {
  let out = g;
  const leading = g.rank - target.length;
  if (leading > 0) out = reduceSum(out, range(leading), false);
  const axes: number[] = [];
  target.forEach((d, i) => {
    if (d === 1 && out.shape[i] !== 1) axes.push(i);
  });
  if (axes.length > 0) out = reduceSum(out, axes, true);
  return out;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

// ---------------------------------------------------------------------------------------------
// Elementwise binary ops with broadcasting

const Add: OpDef = {
  name: 'Add',
  infer: broadcast('Add'),
  emit: simple('Add'),
  vjp: ({ inputs: [a, b] }, [g]) => [unbroadcast(g!, a!.shape), unbroadcast(g!, b!.shape)],
};

const Sub: OpDef = {
  name: 'Sub',
  infer: broadcast('Sub'),
  emit: simple('Sub'),
  vjp: ({ inputs: [a, b] }, [g]) => [unbroadcast(g!, a!.shape), unbroadcast(neg(g!), b!.shape)],
};

const Mul: OpDef = {
  name: 'Mul',
  infer: broadcast('Mul'),
  emit: simple('Mul'),
  vjp: ({ inputs: [a, b] }, [g]) => [unbroadcast(mul(g!, b!), a!.shape), unbroadcast(mul(g!, a!), b!.shape)],
};

const Div: OpDef = {
  name: 'Div',
  infer: broadcast('Div'),
  emit: simple('Div'),
  vjp: ({ inputs: [a, b], outputs: [y] }, [g]) => {
    const ga = div(g!, b!);
    return [unbroadcast(ga, a!.shape), unbroadcast(neg(mul(ga, y!)), b!.shape)];
  },
};

const Max: OpDef = {
  name: 'Max',
  infer: broadcast('Max'),
  emit: simple('Max'),
  vjp: ({ inputs: [a, b] }, [g]) => {
    const aWins = greaterOrEqual(a!, b!);
    const zero = zerosScalar(g!);
    return [unbroadcast(where(aWins, g!, zero), a!.shape), unbroadcast(where(aWins, zero, g!), b!.shape)];
  },
};

const Where: OpDef = {
  name: 'Where',
  infer: ([c, a, b]) => [{ shape: broadcastShapes(c!.shape, broadcastShapes(a!.shape, b!.shape, 'Where'), 'Where'), dtype: a!.dtype }],
  emit: simple('Where'),
  vjp: ({ inputs: [c, a, b] }, [g]) => {
    const zero = zerosScalar(g!);
    return [undefined, unbroadcast(where(c!, g!, zero), a!.shape), unbroadcast(where(c!, zero, g!), b!.shape)];
  },
};

function comparison(name: string): OpDef {
  return { name, infer: (inputs) => [{ shape: broadcastShapes(inputs[0]!.shape, inputs[1]!.shape, name), dtype: 'bool' }], emit: simple(name) };
}
const Greater = comparison('Greater');
const GreaterOrEqual = comparison('GreaterOrEqual');

// ---------------------------------------------------------------------------------------------
// Elementwise unary ops

function unary(name: string, vjp?: (x: Sym, y: Sym, g: Sym) => Sym): OpDef {
  return {
    name,
    infer: same,
    emit: simple(name),
    ...(vjp ? { vjp: ({ inputs: [x], outputs: [y] }: Node, [g]: readonly (Sym | undefined)[]) => [vjp(x!, y!, g!)] } : {}),
  };
}

const Neg = unary('Neg', (_x, _y, g) => neg(g));
const Relu = unary('Relu', (_x, y, g) => reluGrad(g, y));

/**
 * ReLU's gradient g·[y > 0] from its output y: one ai.deeprank.ReluGrad where the export may use
 * fused operators, else Greater, Cast and Mul, which ONNX Runtime runs vectorised on every thread
 * (Where with a broadcast scalar, and Sign, run several times slower). Both give the same bits.
 */
const ReluGrad: OpDef = {
  name: 'ReluGrad',
  infer: ([g]) => [{ shape: g!.shape, dtype: g!.dtype }],
  emit: (e, { inputs: [g, y], outputs: [dx] }) => {
    if (e.fused && e.floatType === 'float32') return e.node('ReluGrad', [e.name(g!), e.name(y!)], [e.name(dx!)], {}, DEEPRANK_DOMAIN);
    const [positive, mask] = [e.fresh('positive'), e.fresh('mask')];
    e.node('Greater', [e.name(y!), e.scalar(0)], [positive]);
    e.node('Cast', [positive], [mask], { to: ONNX_TYPE[e.floatType] });
    e.node('Mul', [e.name(g!), mask], [e.name(dx!)]);
  },
};
const Sigmoid = unary('Sigmoid', (_x, y, g) => mul(g, mul(y, sub(onesScalar(y), y))));
const Tanh = unary('Tanh', (_x, y, g) => mul(g, sub(onesScalar(y), mul(y, y))));
const Exp = unary('Exp', (_x, y, g) => mul(g, y));
const Log = unary('Log', (x, _y, g) => div(g, x));
const Sqrt = unary('Sqrt', (_x, y, g) => div(mul(g, y.graph.scalar(0.5)), y));
const Abs = unary('Abs', (x, _y, g) => mul(g, sign(x)));
const Sign = unary('Sign');

const Cast: OpDef = {
  name: 'Cast',
  infer: ([x], attrs) => [{ shape: x!.shape, dtype: attrs.to as DType }],
  emit: (e, node) => e.node('Cast', [e.name(node.inputs[0]!)], [e.name(node.outputs[0]!)], { to: ONNX_TYPE[node.attrs.to as DType] }),
  // Between float types the gradient is cast back; ids and booleans take none.
  vjp: ({ inputs: [x] }, [g]) => [x!.dtype === 'int64' || x!.dtype === 'bool' ? undefined : cast(g!, x!.dtype)],
};

/** ONNX TensorProto.DataType codes. */
export const ONNX_TYPE: Record<DType, number> = { float32: 1, float64: 11, int64: 7, bool: 9 };

// ---------------------------------------------------------------------------------------------
// Matrix products

const MatMul: OpDef = {
  name: 'MatMul',
  infer: ([a, b]) => {
    if (a!.rank < 2 || b!.rank < 2) throw new ConfigError(`MatMul needs rank >= 2, got [${a!.shape}] x [${b!.shape}]`);
    const k1 = a!.shape[a!.rank - 1];
    const k2 = b!.shape[b!.rank - 2];
    if (k1 !== k2) throw new ConfigError(`MatMul: inner dimensions differ: [${a!.shape}] x [${b!.shape}]`);
    if (b!.rank > 2 && b!.rank !== a!.rank) throw new ConfigError(`MatMul: batched operands must have equal rank: [${a!.shape}] x [${b!.shape}]`);
    return [{ shape: [...a!.shape.slice(0, -1), b!.shape[b!.rank - 1]!], dtype: a!.dtype }];
  },
  emit: simple('MatMul'),
  vjp: ({ inputs: [a, b] }, [g]) => {
    if (b!.rank === 2) {
      const k = b!.shape[0]!;
      const n = b!.shape[1]!;
      const da = a!.rank === 2 ? gemm(g!, b!, { transB: true }) : matmul(g!, transpose(b!, [1, 0]));
      const a2 = a!.rank === 2 ? a! : reshape(a!, [-1, k]);
      const g2 = a!.rank === 2 ? g! : reshape(g!, [-1, n]);
      return [da, gemm(a2, g2, { transA: true })];
    }
    const swap = [...range(a!.rank - 2), a!.rank - 1, a!.rank - 2];
    return [matmul(g!, transpose(b!, swap)), matmul(transpose(a!, swap), g!)];
  },
};

/** 2-D matrix product with optional transposes (ONNX Gemm); used by gradients, not differentiated. */
const Gemm: OpDef = {
  name: 'Gemm',
  infer: ([a, b], attrs) => {
    if (a!.rank !== 2 || b!.rank !== 2) throw new ConfigError('Gemm needs 2-D operands');
    const m = attrs.transA ? a!.shape[1]! : a!.shape[0]!;
    const n = attrs.transB ? b!.shape[0]! : b!.shape[1]!;
    return [{ shape: [m, n], dtype: a!.dtype }];
  },
  emit: simple('Gemm'),
};

// ---------------------------------------------------------------------------------------------
// Reductions, softmax

function reduction(name: 'ReduceSum' | 'ReduceMean'): OpDef {
  return {
    name,
    infer: ([x], attrs) => {
      const axes = axesOf(attrs).map((a) => normAxis(a, x!.rank, name));
      const shape = attrs.keepdims ? x!.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x!.shape.filter((_, i) => !axes.includes(i));
      return [{ shape, dtype: x!.dtype }];
    },
    emit: (e, node) => {
      const x = node.inputs[0]!;
      const axes = axesOf(node.attrs).map((a) => normAxis(a, x.rank, name));
      e.node(name, [e.name(x), e.int64(axes)], [e.name(node.outputs[0]!)], { keepdims: node.attrs.keepdims ? 1 : 0 });
    },
    vjp: ({ inputs: [x], attrs }, [g]) => {
      const axes = axesOf(attrs).map((a) => normAxis(a, x!.rank, name));
      const kept = attrs.keepdims ? g! : unsqueeze(g!, axes);
      const spread = expandLike(kept, x!);
      return [name === 'ReduceSum' ? spread : div(spread, dimProduct(x!, axes))];
    },
  };
}
const ReduceSum = reduction('ReduceSum');
const ReduceMean = reduction('ReduceMean');

const Softmax: OpDef = {
  name: 'Softmax',
  infer: same,
  emit: (e, node) => e.node('Softmax', [e.name(node.inputs[0]!)], [e.name(node.outputs[0]!)], { axis: node.attrs.axis! }),
  vjp: ({ outputs: [y], attrs }, [g]) => {
    const axis = attrs.axis as number;
    return [mul(y!, sub(g!, reduceSum(mul(g!, y!), [axis], true)))];
  },
};

// ---------------------------------------------------------------------------------------------
// Shape manipulation

const Concat: OpDef = {
  name: 'Concat',
  infer: (inputs, attrs) => {
    const first = inputs[0]!;
    const axis = normAxis(attrs.axis as number, first.rank, 'Concat');
    let total = 0;
    for (const x of inputs) {
      const d = x.shape[axis];
      if (typeof d !== 'number') throw new ConfigError(`Concat: axis ${axis} must be static, got '${d}'`);
      if (x.rank !== first.rank || x.shape.some((di, i) => i !== axis && di !== first.shape[i])) {
        throw new ConfigError(`Concat: shapes [${first.shape}] and [${x.shape}] differ outside axis ${axis}`);
      }
      total += d;
    }
    return [{ shape: first.shape.map((d, i) => (i === axis ? total : d)), dtype: first.dtype }];
  },
  emit: (e, node) =>
    e.node('Concat', node.inputs.map((s) => e.name(s)), [e.name(node.outputs[0]!)], {
      axis: normAxis(node.attrs.axis as number, node.inputs[0]!.rank, 'Concat'),
    }),
  vjp: ({ inputs, attrs }, [g]) => {
    const axis = normAxis(attrs.axis as number, inputs[0]!.rank, 'Concat');
    let offset = 0;
    return inputs.map((x) => {
      const size = x.shape[axis] as number;
      const part = slice(g!, axis, offset, offset + size);
      offset += size;
      return part;
    });
  },
};

const Slice: OpDef = {
  name: 'Slice',
  infer: ([x], attrs) => {
    const axis = normAxis(attrs.axis as number, x!.rank, 'Slice');
    const size = x!.shape[axis];
    const { start, end } = attrs as { start: number; end: number };
    if (typeof size !== 'number' || start < 0 || end > size || start >= end) {
      throw new ConfigError(`Slice: [${start}, ${end}) is not inside axis ${axis} of [${x!.shape}]`);
    }
    return [{ shape: x!.shape.map((d, i) => (i === axis ? end - start : d)), dtype: x!.dtype }];
  },
  emit: (e, node) => {
    const x = node.inputs[0]!;
    const axis = normAxis(node.attrs.axis as number, x.rank, 'Slice');
    e.node('Slice', [e.name(x), e.int64([node.attrs.start as number]), e.int64([node.attrs.end as number]), e.int64([axis])], [e.name(node.outputs[0]!)]);
  },
  vjp: ({ inputs: [x], attrs }, [g]) => {
    const axis = normAxis(attrs.axis as number, x!.rank, 'Slice');
    const before = attrs.start as number;
    const after = (x!.shape[axis] as number) - (attrs.end as number);
    return [pad(g!, axis, before, after)];
  },
};

const Pad: OpDef = {
  name: 'Pad',
  infer: ([x], attrs) => {
    const axis = attrs.axis as number;
    return [{ shape: x!.shape.map((d, i) => (i === axis ? (d as number) + (attrs.before as number) + (attrs.after as number) : d)), dtype: x!.dtype }];
  },
  emit: (e, node) => {
    const x = node.inputs[0]!;
    const pads = new Array<number>(2 * x.rank).fill(0);
    pads[node.attrs.axis as number] = node.attrs.before as number;
    pads[x.rank + (node.attrs.axis as number)] = node.attrs.after as number;
    e.node('Pad', [e.name(x), e.int64(pads)], [e.name(node.outputs[0]!)]);
  },
  vjp: ({ inputs: [x], attrs }, [g]) => {
    const axis = attrs.axis as number;
    const start = attrs.before as number;
    return [slice(g!, axis, start, start + (x!.shape[axis] as number))];
  },
};

/**
 * Reshape to a target where at most one dimension is unknown (-1 or symbolic); symbolic names in
 * the target are kept for shape inference and written as -1.
 */
const Reshape: OpDef = {
  name: 'Reshape',
  infer: ([x], attrs) => {
    const target = attrs.shape as readonly Dim[] as Dim[];
    const unknown = target.filter((d) => typeof d !== 'number' || d === -1).length;
    if (unknown > 1) throw new ConfigError(`Reshape: at most one unknown dimension in [${target}]`);
    let shape: Dim[] = [...target];
    if (shape.includes(-1) && isStatic(x!.shape)) {
      const known = numel(shape.filter((d) => d !== -1) as number[]);
      shape = shape.map((d) => (d === -1 ? numel(x!.shape as number[]) / known : d));
    } else if (shape.includes(-1)) {
      shape = shape.map((d) => (d === -1 ? `${x!.shape.filter((s) => typeof s !== 'number').join('*')}*` : d));
    }
    return [{ shape, dtype: x!.dtype }];
  },
  emit: (e, node) => {
    const target = (node.attrs.shape as readonly Dim[]).map((d) => (typeof d === 'number' ? d : -1));
    e.node('Reshape', [e.name(node.inputs[0]!), e.int64(target)], [e.name(node.outputs[0]!)]);
  },
  vjp: ({ inputs: [x] }, [g]) => [reshapeLike(g!, x!)],
};

/** Reshape `x` to the runtime shape of `like` (shape inference takes `like`'s symbolic shape). */
const ReshapeLike: OpDef = {
  name: 'ReshapeLike',
  infer: ([, like]) => [{ shape: like!.shape, dtype: like!.dtype }],
  emit: (e, node) => {
    const shape = e.fresh('shape');
    e.node('Shape', [e.name(node.inputs[1]!)], [shape]);
    e.node('Reshape', [e.name(node.inputs[0]!), shape], [e.name(node.outputs[0]!)]);
  },
  vjp: ({ inputs: [x] }, [g]) => [reshapeLike(g!, x!), undefined],
};

/** Broadcast `x` to the runtime shape of `like` (ONNX Expand). */
const ExpandLike: OpDef = {
  name: 'ExpandLike',
  infer: ([x, like]) => [{ shape: broadcastShapes(x!.shape, like!.shape, 'Expand'), dtype: x!.dtype }],
  emit: (e, node) => {
    const shape = e.fresh('shape');
    e.node('Shape', [e.name(node.inputs[1]!)], [shape]);
    e.node('Expand', [e.name(node.inputs[0]!), shape], [e.name(node.outputs[0]!)]);
  },
  vjp: ({ inputs: [x] }, [g]) => [unbroadcast(g!, x!.shape), undefined],
};

/**
 * `x` ([1, ...]) repeated for every row of `rows` ([n, ...]): a serving graph's context tensor,
 * computed once per request, joining the candidates' rows.
 */
const BroadcastRows: OpDef = {
  name: 'BroadcastRows',
  infer: ([x, rows]) => [{ shape: [rows!.shape[0]!, ...x!.shape.slice(1)], dtype: x!.dtype }],
  emit: (e, node) => {
    const [x, rows] = node.inputs as [Sym, Sym];
    const [rowsShape, count, xShape, rest, shape] = ['rowsshape', 'count', 'xshape', 'rest', 'shape'].map((h) => e.fresh(h)) as string[];
    e.node('Shape', [e.name(rows)], [rowsShape!]);
    e.node('Slice', [rowsShape!, e.int64([0]), e.int64([1])], [count!]);
    e.node('Shape', [e.name(x)], [xShape!]);
    e.node('Slice', [xShape!, e.int64([1]), e.int64([x.rank])], [rest!]);
    e.node('Concat', [count!, rest!], [shape!], { axis: 0 });
    e.node('Expand', [e.name(x), shape!], [e.name(node.outputs[0]!)]);
  },
  vjp: ({ inputs: [x] }, [g]) => [unbroadcast(g!, x!.shape), undefined],
};

const Transpose: OpDef = {
  name: 'Transpose',
  infer: ([x], attrs) => [{ shape: (attrs.perm as number[]).map((p) => x!.shape[p]!), dtype: x!.dtype }],
  emit: simple('Transpose'),
  vjp: ({ attrs }, [g]) => {
    const perm = attrs.perm as number[];
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [transpose(g!, inverse)];
  },
};

const Unsqueeze: OpDef = {
  name: 'Unsqueeze',
  infer: ([x], attrs) => {
    const rank = x!.rank + axesOf(attrs).length;
    const axes = axesOf(attrs).map((a) => normAxis(a, rank, 'Unsqueeze'));
    const shape: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(axes.includes(i) ? 1 : x!.shape[j++]!);
    return [{ shape, dtype: x!.dtype }];
  },
  emit: (e, node) => {
    const rank = node.inputs[0]!.rank + axesOf(node.attrs).length;
    e.node('Unsqueeze', [e.name(node.inputs[0]!), e.int64(axesOf(node.attrs).map((a) => normAxis(a, rank, 'Unsqueeze')))], [e.name(node.outputs[0]!)]);
  },
  vjp: ({ inputs: [x] }, [g]) => [reshapeLike(g!, x!)],
};

const Squeeze: OpDef = {
  name: 'Squeeze',
  infer: ([x], attrs) => {
    const axes = axesOf(attrs).map((a) => normAxis(a, x!.rank, 'Squeeze'));
    for (const a of axes) if (x!.shape[a] !== 1) throw new ConfigError(`Squeeze: axis ${a} of [${x!.shape}] is not 1`);
    return [{ shape: x!.shape.filter((_, i) => !axes.includes(i)), dtype: x!.dtype }];
  },
  emit: (e, node) =>
    e.node('Squeeze', [e.name(node.inputs[0]!), e.int64(axesOf(node.attrs).map((a) => normAxis(a, node.inputs[0]!.rank, 'Squeeze')))], [e.name(node.outputs[0]!)]),
  vjp: ({ inputs: [x] }, [g]) => [reshapeLike(g!, x!)],
};

/** Rows of a table by integer ids: the in-graph embedding lookup of exported models. */
const Gather: OpDef = {
  name: 'Gather',
  infer: ([table, ids]) => [{ shape: [...ids!.shape, ...table!.shape.slice(1)], dtype: table!.dtype }],
  emit: (e, node) => e.node('Gather', node.inputs.map((s) => e.name(s)), [e.name(node.outputs[0]!)], { axis: 0 }),
};

/** Product of some dimensions of `x` as a scalar of the float type, static when possible. */
const DimProduct: OpDef = {
  name: 'DimProduct',
  infer: ([x]) => [{ shape: [], dtype: x!.dtype }],
  emit: (e, node) => {
    const x = node.inputs[0]!;
    const shape = e.fresh('shape');
    const dims = e.fresh('dims');
    const product = e.fresh('count');
    e.node('Shape', [e.name(x)], [shape]);
    e.node('Gather', [shape, e.int64(node.attrs.axes as number[])], [dims], { axis: 0 });
    e.node('ReduceProd', [dims], [product], { keepdims: 0 });
    e.node('Cast', [product], [e.name(node.outputs[0]!)], { to: ONNX_TYPE[e.floatType] });
  },
};

/**
 * Elementwise sigmoid cross-entropy on logits, max(z,0) - z*y + log(1 + exp(-|z|)): stable for
 * any logit, and its gradient sigmoid(z) - y is written directly rather than through the pieces.
 */
const SigmoidCrossEntropy: OpDef = {
  name: 'SigmoidCrossEntropy',
  infer: broadcast('SigmoidCrossEntropy'),
  emit: (e, node) => {
    const [z, y] = node.inputs.map((s) => e.name(s)) as [string, string];
    const [relu, zy, abs, negAbs, expd, onePlus, log, diff] = ['relu', 'zy', 'abs', 'negabs', 'exp', 'oneplus', 'log', 'diff'].map((h) => e.fresh(h)) as string[];
    e.node('Relu', [z], [relu!]);
    e.node('Mul', [z, y], [zy!]);
    e.node('Abs', [z], [abs!]);
    e.node('Neg', [abs!], [negAbs!]);
    e.node('Exp', [negAbs!], [expd!]);
    e.node('Add', [expd!, e.scalar(1)], [onePlus!]);
    e.node('Log', [onePlus!], [log!]);
    e.node('Sub', [relu!, zy!], [diff!]);
    e.node('Add', [diff!, log!], [e.name(node.outputs[0]!)]);
  },
  vjp: ({ inputs: [z, y] }, [g]) => [unbroadcast(mul(g!, sub(sigmoid(z!), y!)), z!.shape), undefined],
};

/**
 * Softmax cross-entropy over the last axis, -Σ_j y_j log softmax(z)_j, one value per row: through
 * ONNX LogSoftmax, so it is stable for any logits; its gradient softmax(z)·Σy - y is written directly.
 */
const SoftmaxCrossEntropy: OpDef = {
  name: 'SoftmaxCrossEntropy',
  infer: ([z, y]) => {
    if (!sameShape(z!.shape, y!.shape)) throw new ConfigError(`SoftmaxCrossEntropy: logits [${z!.shape}] and labels [${y!.shape}] differ`);
    return [{ shape: z!.shape.slice(0, -1), dtype: z!.dtype }];
  },
  emit: (e, node) => {
    const [z, y] = node.inputs;
    const [logp, weighted, summed] = ['logp', 'weighted', 'summed'].map((h) => e.fresh(h)) as [string, string, string];
    e.node('LogSoftmax', [e.name(z!)], [logp], { axis: -1 });
    e.node('Mul', [logp, e.name(y!)], [weighted]);
    e.node('ReduceSum', [weighted, e.int64([-1])], [summed], { keepdims: 0 });
    e.node('Neg', [summed], [e.name(node.outputs[0]!)]);
  },
  vjp: ({ inputs: [z, y] }, [g]) => [mul(unsqueeze(g!, [-1]), sub(mul(softmax(z!, -1), reduceSum(y!, [-1], true)), y!)), undefined],
};

/** The identity matrix of the runtime shape of a 2-D `x` (ONNX EyeLike): the labels of in-batch softmax. */
const EyeLike: OpDef = {
  name: 'EyeLike',
  infer: ([x]) => {
    if (x!.rank !== 2) throw new ConfigError(`EyeLike needs a 2-D input, got [${x!.shape}]`);
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
  emit: simple('EyeLike'),
  // A constant of the input's shape: no gradient flows through it.
  vjp: () => [undefined],
};

/**
 * The k largest entries along the last axis, in descending order, and their int64 indices (ONNX
 * TopK, which breaks ties by the lower index). Forward only: retrieval, not training.
 */
/**
 * x cut along `axis` into consecutive pieces of `sizes`. Its gradient is one Concat of the pieces'
 * gradients, where a Slice per piece would pad each piece's gradient to the full size and add
 * them all: quadratic in the piece count for an unrolled recurrence.
 */
const Split: OpDef = {
  name: 'Split',
  infer: ([x], attrs) => {
    const axis = attrs.axis as number;
    const sizes = attrs.sizes as readonly number[];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (x!.shape[axis] !== total || sizes.some((n) => !Number.isInteger(n) || n <= 0)) {
      throw new ConfigError(`Split: sizes [${sizes}] must be positive and add up to axis ${axis} of [${x!.shape}]`);
    }
    return sizes.map((n) => ({ shape: x!.shape.map((d, i) => (i === axis ? n : d)), dtype: x!.dtype }));
  },
  emit: (e, node) =>
    e.node('Split', [e.name(node.inputs[0]!), e.int64(node.attrs.sizes as readonly number[])], node.outputs.map((s) => e.name(s)), { axis: node.attrs.axis as number }),
  vjp: ({ attrs, outputs }, grads) => [concat(grads.map((g, i) => g ?? zerosLike(outputs[i]!)), attrs.axis as number)],
};

const TopK: OpDef = {
  name: 'TopK',
  infer: ([x], attrs) => {
    const k = attrs.k as number;
    const size = x!.shape[x!.rank - 1];
    if (typeof size === 'number' && k > size) throw new ConfigError(`TopK: k = ${k} exceeds the ${size} entries of the last axis of [${x!.shape}]`);
    const shape = [...x!.shape.slice(0, -1), k];
    return [{ shape, dtype: x!.dtype }, { shape, dtype: 'int64' }];
  },
  emit: (e, node) =>
    e.node('TopK', [e.name(node.inputs[0]!), e.int64([node.attrs.k as number])], node.outputs.map((s) => e.name(s)), { axis: -1, largest: 1, sorted: 1 }),
};

/**
 * Indices (batch, k) of a gather along axis 1, unsqueezed and expanded over the trailing axes of
 * `data` (batch, n, ...) into GatherElements/ScatterElements form (batch, k, ...).
 */
function elementIndices(e: Parameters<OpDef['emit']>[0], data: Sym, indices: Sym): string {
  if (data.rank === 2) return e.name(indices);
  const trailing = range(data.rank - 2).map((i) => i + 2);
  const [unsqueezed, dataShape, indexShape, rest, target, expanded] = ['idx', 'shape', 'idxshape', 'rest', 'target', 'expanded'].map((h) => e.fresh(h)) as string[];
  e.node('Unsqueeze', [e.name(indices), e.int64(trailing)], [unsqueezed!]);
  e.node('Shape', [e.name(data)], [dataShape!]);
  e.node('Shape', [e.name(indices)], [indexShape!]);
  e.node('Slice', [dataShape!, e.int64([2]), e.int64([data.rank])], [rest!]);
  e.node('Concat', [indexShape!, rest!], [target!], { axis: 0 });
  e.node('Expand', [unsqueezed!, target!], [expanded!]);
  return expanded!;
}

function checkAlong(op: string, data: Sym, indices: Sym): void {
  if (data.rank < 2 || indices.rank !== 2 || indices.dtype !== 'int64') {
    throw new ConfigError(`${op}: needs data (batch, n, ...) and int64 indices (batch, k), got [${data.shape}] and ${indices.dtype} [${indices.shape}]`);
  }
}

/**
 * out[b, j, ...] = x[b, indices[b, j], ...]: per-row selection along axis 1 (ONNX GatherElements,
 * O(k) per row whatever n is). The gradient scatters back into the selected positions.
 */
const GatherAlong: OpDef = {
  name: 'GatherAlong',
  infer: ([x, indices]) => {
    checkAlong('GatherAlong', x!, indices!);
    return [{ shape: [x!.shape[0]!, indices!.shape[1]!, ...x!.shape.slice(2)], dtype: x!.dtype }];
  },
  emit: (e, node) => {
    const [x, indices] = node.inputs as [Sym, Sym];
    e.node('GatherElements', [e.name(x), elementIndices(e, x, indices)], [e.name(node.outputs[0]!)], { axis: 1 });
  },
  vjp: ({ inputs: [x, indices] }, [g]) => [scatterAddAlong(g!, indices!, x!), undefined],
};

/**
 * The adjoint of GatherAlong: zeros shaped like `like` (batch, n, ...) with g[b, j, ...] added at
 * position indices[b, j] (ONNX ScatterElements, reduction add, so repeated indices accumulate).
 */
const ScatterAddAlong: OpDef = {
  name: 'ScatterAddAlong',
  infer: ([g, indices, like]) => {
    checkAlong('ScatterAddAlong', like!, indices!);
    return [{ shape: like!.shape, dtype: g!.dtype }];
  },
  emit: (e, node) => {
    const [g, indices, like] = node.inputs as [Sym, Sym, Sym];
    const zeros = e.fresh('zeros');
    e.node('Mul', [e.name(like), e.scalar(0)], [zeros]);
    e.node('ScatterElements', [zeros, elementIndices(e, like, indices), e.name(g)], [e.name(node.outputs[0]!)], { axis: 1, reduction: 'add' });
  },
  vjp: ({ inputs: [, indices] }, [g]) => [gatherAlong(g!, indices!), undefined, undefined],
};

// ---------------------------------------------------------------------------------------------
// The functional API models are written in

export const add = (a: Sym, b: Sym) => a.graph.apply1(Add, [a, b]);
export const sub = (a: Sym, b: Sym) => a.graph.apply1(Sub, [a, b]);
export const mul = (a: Sym, b: Sym) => a.graph.apply1(Mul, [a, b]);
export const div = (a: Sym, b: Sym) => a.graph.apply1(Div, [a, b]);
export const max = (a: Sym, b: Sym) => a.graph.apply1(Max, [a, b]);
export const where = (cond: Sym, a: Sym, b: Sym) => a.graph.apply1(Where, [cond, a, b]);
export const greater = (a: Sym, b: Sym) => a.graph.apply1(Greater, [a, b]);
export const greaterOrEqual = (a: Sym, b: Sym) => a.graph.apply1(GreaterOrEqual, [a, b]);
export const neg = (x: Sym) => x.graph.apply1(Neg, [x]);
export const relu = (x: Sym) => x.graph.apply1(Relu, [x]);
const reluGrad = (g: Sym, y: Sym) => g.graph.apply1(ReluGrad, [g, y]);
export const sigmoid = (x: Sym) => x.graph.apply1(Sigmoid, [x]);
export const tanh = (x: Sym) => x.graph.apply1(Tanh, [x]);
export const exp = (x: Sym) => x.graph.apply1(Exp, [x]);
export const log = (x: Sym) => x.graph.apply1(Log, [x]);
export const sqrt = (x: Sym) => x.graph.apply1(Sqrt, [x]);
export const abs = (x: Sym) => x.graph.apply1(Abs, [x]);
export const sign = (x: Sym) => x.graph.apply1(Sign, [x]);
export const cast = (x: Sym, to: DType) => x.graph.apply1(Cast, [x], { to });
export const matmul = (a: Sym, b: Sym) => a.graph.apply1(MatMul, [a, b]);
export const gemm = (a: Sym, b: Sym, { transA = false, transB = false } = {}) =>
  a.graph.apply1(Gemm, [a, b], { transA: transA ? 1 : 0, transB: transB ? 1 : 0 });
export const reduceSum = (x: Sym, axes: readonly number[], keepdims = false) => x.graph.apply1(ReduceSum, [x], { axes, keepdims: keepdims ? 1 : 0 });
export const reduceMean = (x: Sym, axes: readonly number[], keepdims = false) => x.graph.apply1(ReduceMean, [x], { axes, keepdims: keepdims ? 1 : 0 });
export const softmax = (x: Sym, axis = -1) => x.graph.apply1(Softmax, [x], { axis: normAxis(axis, x.rank, 'Softmax') });
export function concat(xs: readonly Sym[], axis: number): Sym {
  if (xs.length === 1) return xs[0]!;
  // A serving graph's context features are [1, ...]: repeated for each candidate row where they join them.
  const rows = xs.find((x) => x.shape[0] !== 1);
  const joined = rows && normAxis(axis, rows.rank, 'Concat') !== 0 ? xs.map((x) => (x.shape[0] === 1 ? broadcastRows(x, rows) : x)) : xs;
  return xs[0]!.graph.apply1(Concat, joined, { axis });
}
export const broadcastRows = (x: Sym, rows: Sym) => x.graph.apply1(BroadcastRows, [x, rows]);
export const slice = (x: Sym, axis: number, start: number, end: number) => x.graph.apply1(Slice, [x], { axis: normAxis(axis, x.rank, 'Slice'), start, end });
export const pad = (x: Sym, axis: number, before: number, after: number) => x.graph.apply1(Pad, [x], { axis, before, after });
export const reshape = (x: Sym, shape: readonly Dim[]) => x.graph.apply1(Reshape, [x], { shape: shape as readonly number[] });
export const reshapeLike = (x: Sym, like: Sym) => x.graph.apply1(ReshapeLike, [x, like]);
export const expandLike = (x: Sym, like: Sym) => x.graph.apply1(ExpandLike, [x, like]);
export const transpose = (x: Sym, perm: readonly number[]) => x.graph.apply1(Transpose, [x], { perm });
export const unsqueeze = (x: Sym, axes: readonly number[]) => x.graph.apply1(Unsqueeze, [x], { axes });
export const squeeze = (x: Sym, axes: readonly number[]) => x.graph.apply1(Squeeze, [x], { axes });
export const gather = (table: Sym, ids: Sym) => table.graph.apply1(Gather, [table, ids]);
export const sigmoidCrossEntropy = (logits: Sym, labels: Sym) => logits.graph.apply1(SigmoidCrossEntropy, [logits, labels]);
export const softmaxCrossEntropy = (logits: Sym, labels: Sym) => logits.graph.apply1(SoftmaxCrossEntropy, [logits, labels]);
export const eyeLike = (x: Sym) => x.graph.apply1(EyeLike, [x]);
/** x[b, indices[b, j], ...] for each row b: a per-row selection along axis 1, differentiable in x. */
export const gatherAlong = (x: Sym, indices: Sym) =>
  x.graph.apply1(GatherAlong, [x.shape[0] === 1 && indices.shape[0] !== 1 ? broadcastRows(x, indices) : x, indices]);
/** Zeros like `like` with g added at the positions `indices` along axis 1: GatherAlong's adjoint. */
export const scatterAddAlong = (g: Sym, indices: Sym, like: Sym) => g.graph.apply1(ScatterAddAlong, [g, indices, like]);
/** The k largest entries of each row (last axis) and their indices, best first. */
/** x cut along `axis` into consecutive pieces of `sizes` (default: pieces of 1). */
export function split(x: Sym, axis: number, sizes?: readonly number[]): Sym[] {
  const a = normAxis(axis, x.rank, 'Split');
  return x.graph.apply(Split, [x], { axis: a, sizes: sizes ?? range(x.shape[a] as number).map(() => 1) });
}

export function topK(x: Sym, k: number): { values: Sym; indices: Sym } {
  const [values, indices] = x.graph.apply(TopK, [x], { k });
  return { values: values!, indices: indices! };
}

/** Product of the sizes of `axes` of `x`, as a scalar; a constant when those sizes are static. */
export function dimProduct(x: Sym, axes: readonly number[]): Sym {
  const dims = axes.map((a) => x.shape[a]!);
  if (dims.every((d) => typeof d === 'number')) return x.graph.scalar(numel(dims as number[]));
  return x.graph.apply1(DimProduct, [x], { axes });
}

export const square = (x: Sym) => mul(x, x);
export const zerosScalar = (x: Sym) => x.graph.scalar(0);
export const onesScalar = (x: Sym) => x.graph.scalar(1);
/** Zeros with the runtime shape of `x`. */
export const zerosLike = (x: Sym) => mul(x, zerosScalar(x));
export const scale = (x: Sym, factor: number) => mul(x, x.graph.scalar(factor));
