/**
 * Symbolic reverse-mode differentiation: appends the backward pass to the same graph, so the
 * training graph exported to ONNX is forward + backward and ONNX Runtime runs both in one call.
 */
import type { Node, Sym } from './graph.js';
import { add, onesScalar, zerosLike } from './ops.js';

/**
 * d(loss)/d(x) for each x in `wrt`. `loss` is usually a scalar; for a non-scalar output the seed
 * gradient `seed` (same shape) is required. A tensor `loss` does not depend on gets zeros.
 */
export function gradients(loss: Sym, wrt: readonly Sym[], seed?: Sym): Sym[] {
  const graph = loss.graph;
  const wanted = new Set(wrt.map((s) => s.id));

  // Nodes on some path from a `wrt` tensor to `loss`: forward reachability from wrt ...
  const dependsOnWrt = new Set<number>(wanted);
  for (const node of graph.nodes) {
    if (node.inputs.some((s) => dependsOnWrt.has(s.id))) for (const o of node.outputs) dependsOnWrt.add(o.id);
  }
  // ... intersected with backward reachability from loss.
  const onPath: Node[] = [];
  const needed = new Set<number>([loss.id]);
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (!node.outputs.some((o) => needed.has(o.id))) continue;
    if (!node.outputs.some((o) => dependsOnWrt.has(o.id))) continue;
    onPath.push(node);
    for (const input of node.inputs) needed.add(input.id);
  }

  const grads = new Map<number, Sym>();
  grads.set(loss.id, seed ?? onesScalar(loss));
  const accumulate = (sym: Sym, g: Sym) => {
    const previous = grads.get(sym.id);
    grads.set(sym.id, previous ? add(previous, g) : g);
  };

  for (const node of onPath) {
    const outputGrads = node.outputs.map((o) => grads.get(o.id));
    if (outputGrads.every((g) => g === undefined)) continue;
    if (!node.op.vjp) throw new Error(`op ${node.op.name} is not differentiable but lies between the loss and a parameter`);
    const inputGrads = node.op.vjp(node, outputGrads);
    node.inputs.forEach((input, i) => {
      const g = inputGrads[i];
      if (g && dependsOnWrt.has(input.id)) accumulate(input, g);
    });
  }
  return wrt.map((x) => grads.get(x.id) ?? zerosLike(x));
}
