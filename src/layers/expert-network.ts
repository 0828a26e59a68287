/**
 * One expert of a mixture (MMoE, PLE): a plain MLP, without batch norm or dropout as in the
 * papers, its weights named under the expert (`<name>/dense_<i>/kernel`) so each expert's
 * weights can be found and inspected.
 */
import type { Sym } from '../engine/graph.js';
import type { Activation } from './activation.js';
import type { BuildContext } from './build-context.js';
import { Dense } from './dense.js';

export function expertNetwork(name: string, units: readonly number[], activation: Activation): { apply(ctx: BuildContext, x: Sym): Sym } {
  const layers = units.map((u, i) => new Dense({ name: `${name}/dense_${i}`, units: u, activation }));
  return { apply: (ctx, x) => layers.reduce((h, layer) => layer.apply(ctx, h), x) };
}
