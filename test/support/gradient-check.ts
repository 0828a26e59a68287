/**
 * Finite-difference gradient check, in float64 through ONNX Runtime: the symbolic gradient of
 * sum(f(inputs) * R) for a fixed random R is compared with central differences element by element.
 */
import assert from 'node:assert/strict';
import { Graph, type Dim, type Sym } from '../../src/engine/graph.js';
import { gradients } from '../../src/engine/autodiff.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { mul, reduceSum } from '../../src/engine/ops.js';
import { OnnxSession, type Feed } from '../../src/engine/runtime.js';
import { Random } from '../../src/util/random.js';
import type { ParameterStore } from '../../src/engine/parameter-store.js';

export interface CheckedInput {
  name: string;
  /** Declared (possibly symbolic) shape. */
  shape: readonly Dim[];
  /** Concrete values' shape. */
  dims: readonly number[];
  /** Values; random in [-1, 1) when omitted. */
  values?: Float64Array;
  /** Inputs that are not differentiated (masks, labels). */
  constant?: boolean;
  kind?: 'data' | 'param';
}

export interface GradientCheckOptions {
  seed?: number;
  eps?: number;
  tolerance?: number;
  /** Values of other (int64/bool) inputs fed as-is. */
  extraFeeds?: Record<string, Feed>;
  /** Weights a layer created during build(): checked too, starting from their stored values. */
  params?: ParameterStore;
}

export async function checkGradients(
  inputs: readonly CheckedInput[],
  build: (syms: Record<string, Sym>, graph: Graph) => Sym,
  { seed = 7, eps = 1e-6, tolerance = 1e-6, extraFeeds = {}, params }: GradientCheckOptions = {},
): Promise<{ maxError: number }> {
  const rng = new Random(seed);
  const graph = new Graph('float64');
  const syms: Record<string, Sym> = {};
  const values: Record<string, Float64Array> = {};
  for (const input of inputs) {
    syms[input.name] = graph.input(input.name, input.shape, input.kind ?? 'data');
    const size = input.dims.reduce((a, b) => a * b, 1);
    values[input.name] = input.values ?? Float64Array.from({ length: size }, () => rng.uniform(-1, 1));
  }
  const output = build(syms, graph);
  const all: CheckedInput[] = [...inputs];
  for (const input of graph.inputs) {
    if (input.kind !== 'param' || syms[input.name]) continue;
    const stored = params?.dense.get(input.name) ?? params?.state.get(input.name);
    if (!stored) throw new Error(`no value for layer weight '${input.name}'`);
    syms[input.name] = input.sym;
    values[input.name] = Float64Array.from(stored.data);
    all.push({ name: input.name, shape: stored.shape, dims: stored.shape, constant: !params!.dense.has(input.name) });
  }
  const outDims = output.shape.map((d) => {
    if (typeof d === 'number') return d;
    throw new Error('gradient check output must have a static shape; reduce symbolic axes in build()');
  });
  const weights = graph.constant(
    Array.from({ length: outDims.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)),
    outDims,
  );
  const loss = reduceSum(mul(output, weights), output.shape.map((_, i) => i));
  const checked = all.filter((i) => !i.constant);
  const grads = gradients(loss, checked.map((i) => syms[i.name]!));
  const outputs: Record<string, Sym> = { loss };
  checked.forEach((input, i) => (outputs[`grad_${input.name}`] = grads[i]!));
  const session = await OnnxSession.create(exportOnnx(graph, { outputs }), { threads: 1 });

  const feeds = (): Record<string, Feed> => ({
    ...extraFeeds,
    ...Object.fromEntries(all.map((i) => [i.name, { data: values[i.name]!, shape: i.dims }])),
  });
  const analytic = await session.run(feeds());
  let maxError = 0;
  for (const input of checked) {
    const v = values[input.name]!;
    const g = analytic[`grad_${input.name}`] as Float64Array;
    assert.equal(g.length, v.length, `gradient of ${input.name} has ${g.length} values for ${v.length} inputs`);
    for (let k = 0; k < v.length; k++) {
      const original = v[k]!;
      v[k] = original + eps;
      const plus = ((await session.run(feeds(), ['loss'])).loss as Float64Array)[0]!;
      v[k] = original - eps;
      const minus = ((await session.run(feeds(), ['loss'])).loss as Float64Array)[0]!;
      v[k] = original;
      const numeric = (plus - minus) / (2 * eps);
      const error = Math.abs(numeric - g[k]!) / Math.max(1, Math.abs(numeric), Math.abs(g[k]!));
      maxError = Math.max(maxError, error);
      assert.ok(error <= tolerance, `d/d${input.name}[${k}]: symbolic ${g[k]} vs numeric ${numeric} (relative error ${error.toExponential(2)})`);
    }
  }
  await session.release();
  return { maxError };
}
