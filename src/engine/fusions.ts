/**
 * Runs of graph nodes the exporter writes as one of deeprank's own operators (native/custom-op.h),
 * each one pass over memory where the nodes would take two or three:
 * - under bf16 products every 2-D MatMul or Gemm is a GemmBf16 (but for sides shorter than
 *   BF16_MIN_SIDE), and op(A) · op(B) + C [-> Relu], C being a bias (n values) or an m x n
 *   addend such as a gradient sum, is one GemmBf16 that adds C and applies the ReLU as it stores
 *   each tile. ONNX Runtime fuses MatMul, Add and Relu into its own Gemm for float32 products
 *   (MatMulAddFusion, FusedGemm); GemmBf16 is a node it cannot fuse.
 * - with fused operators, a * b + c over one shape is one MulAdd: DCN's cross layers and their
 *   gradients are made of these.
 * A link is only folded when nothing else reads its output (the ReLU's gradient reads the ReLU's
 * output, which the fused node still produces). Every fusion rounds as the nodes it replaces.
 */
import type { Attrs, Node, ProductPrecision, Sym } from './graph.js';

/**
 * Products with a side shorter than this stay float32 under bf16 precision: the logit layer's
 * 256 x 1 and its gradients would fill a 32-column tile for one column, and take longer in
 * GemmBf16 (0.2-0.3 ms each at batch 1024) than in float32.
 */
const BF16_MIN_SIDE = 16;

/** Whether a product of `a` and `b` is a GemmBf16 in a graph exported with bf16 products. */
const bf16Product = (a: Sym, b: Sym) => a.rank === 2 && b.rank === 2 && ![...a.shape, ...b.shape].some((d) => typeof d === 'number' && d < BF16_MIN_SIDE);

export interface Fusion {
  opType: 'GemmBf16' | 'MulAdd';
  inputs: Sym[];
  attrs: Attrs;
  /** What the run computed last. */
  output: Sym;
}

export interface FusionOptions {
  products: ProductPrecision;
  /** Whether MulAdd may be written (the graph runs in deeprank's own sessions). */
  fused: boolean;
}

const sameShape = (x: Sym, y: Sym) => x.rank === y.rank && x.shape.every((d, i) => d === y.shape[i]);

/** The fusions among `nodes` by the run's last node, and every node a run replaces. */
export function fusions(nodes: readonly Node[], outputs: readonly Sym[], { products, fused }: FusionOptions): { byLast: Map<Node, Fusion>; folded: Set<Node> } {
  const readers = new Map<number, Node[]>();
  for (const node of nodes) for (const input of node.inputs) readers.set(input.id, [...(readers.get(input.id) ?? []), node]);
  const graphOutputs = new Set(outputs.map((s) => s.id));
  const onlyReader = (sym: Sym) => {
    const list = readers.get(sym.id) ?? [];
    return list.length === 1 && !graphOutputs.has(sym.id) ? list[0] : undefined;
  };
  /** The Add that is the only reader of `z`, and what it adds to z. */
  const addTo = (z: Sym) => {
    const add = onlyReader(z);
    const other = add?.op.name === 'Add' && add.inputs.length === 2 ? add.inputs.find((s) => s !== z) : undefined;
    return add && other ? { add, other } : undefined;
  };
  const byLast = new Map<Node, Fusion>();
  const folded = new Set<Node>();

  for (const product of products === 'bf16' ? nodes : []) {
    const [a, b] = product.inputs;
    if ((product.op.name !== 'MatMul' && product.op.name !== 'Gemm') || !bf16Product(a!, b!)) continue;
    const { transA = 0, transB = 0 } = product.attrs;
    const z = product.outputs[0]!;
    const sum = addTo(z);
    const c = sum?.other;
    if (!sum || !c || byLast.has(sum.add) || !((c.rank === 1 && c.shape[0] === z.shape[1]) || sameShape(c, z))) {
      byLast.set(product, { opType: 'GemmBf16', inputs: [a!, b!], attrs: { transA, transB }, output: z });
      continue;
    }
    const relu = onlyReader(sum.add.outputs[0]!);
    const last = relu?.op.name === 'Relu' ? relu : sum.add;
    folded.add(product);
    if (last !== sum.add) folded.add(sum.add);
    byLast.set(last, { opType: 'GemmBf16', inputs: [a!, b!, c], attrs: { transA, transB, ...(last !== sum.add ? { relu: 1 } : {}) }, output: last.outputs[0]! });
  }

  for (const mul of fused ? nodes : []) {
    const [a, b] = mul.inputs;
    const y = mul.outputs[0]!;
    if (mul.op.name !== 'Mul' || y.dtype !== 'float32' || !sameShape(a!, y) || !sameShape(b!, y)) continue;
    const sum = addTo(y);
    if (!sum || !sameShape(sum.other, y) || byLast.has(sum.add) || folded.has(sum.add)) continue;
    folded.add(mul);
    byLast.set(sum.add, { opType: 'MulAdd', inputs: [a!, b!, sum.other], attrs: {}, output: sum.add.outputs[0]! });
  }
  return { byLast, folded };
}
