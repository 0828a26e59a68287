/**
 * Dense layers under bf16 products: relu(x · W + b) is one GemmBf16 with the bias and the ReLU
 * applied as it stores each tile, where it would be three nodes and two more passes over the
 * activations. ONNX Runtime fuses the same chain into its own Gemm for float32 products
 * (MatMulAddFusion, FusedGemm), and GemmBf16 is a node it cannot fuse.
 */
import type { Node, Sym } from './graph.js';
import { bf16Product } from './ops.js';

export interface Bf16Epilogue {
  /** The product's operands and the bias added to each row. */
  inputs: [Sym, Sym, Sym];
  relu: boolean;
  /** What the chain computed last (the Add's output, or the Relu's). */
  output: Sym;
}

/**
 * The MatMul -> Add(bias) [-> Relu] chains among `nodes`, by the chain's last node, and every
 * node a chain replaces. A link is only folded when nothing else reads its output (the ReLU's
 * gradient reads the ReLU's output, which the fused node still produces).
 */
export function bf16Epilogues(nodes: readonly Node[], outputs: readonly Sym[]): { chains: Map<Node, Bf16Epilogue>; folded: Set<Node> } {
  const readers = new Map<number, Node[]>();
  for (const node of nodes) for (const input of node.inputs) readers.set(input.id, [...(readers.get(input.id) ?? []), node]);
  const graphOutputs = new Set(outputs.map((s) => s.id));
  const onlyReader = (sym: Sym) => {
    const list = readers.get(sym.id) ?? [];
    return list.length === 1 && !graphOutputs.has(sym.id) ? list[0] : undefined;
  };
  const chains = new Map<Node, Bf16Epilogue>();
  const folded = new Set<Node>();
  for (const product of nodes) {
    const [a, b] = product.inputs;
    if (product.op.name !== 'MatMul' || !bf16Product(a!, b!)) continue;
    const z = product.outputs[0]!;
    const add = onlyReader(z);
    const bias = add?.op.name === 'Add' ? add.inputs.find((s) => s !== z) : undefined;
    if (!add || !bias || add.inputs.length !== 2 || bias.rank !== 1 || bias.shape[0] !== z.shape[1]) continue;
    const relu = onlyReader(add.outputs[0]!);
    const last = relu?.op.name === 'Relu' ? relu : add;
    folded.add(product);
    if (last !== add) folded.add(add);
    chains.set(last, { inputs: [a!, b!, bias], relu: last !== add, output: last.outputs[0]! });
  }
  return { chains, folded };
}
