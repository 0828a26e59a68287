/**
 * Data-parallel training steps. With T threads, the main thread and the T-1 update helpers each
 * run the training graph, on one ONNX Runtime thread, over their own slice of the batch's rows at
 * the same time, instead of one call spreading every operation over T threads: the elementwise
 * operations of a step (ReLU masks, bias sums, concat and split) do not get faster with intra-op
 * threads, while slices run them side by side, and the row gradients land in shared memory without
 * a staging copy. Measured at 2 threads: the embedding-heavy bench model (batch 4096) trains
 * 10-15% faster than with intra-op threads; the batch-1024 bench models about as fast.
 *
 * Exact when the loss is the mean of a per-row loss and rows do not meet in the forward pass (no
 * batch statistics): the slices run the graph whose loss is the sum of their rows' losses over the
 * whole batch's row count (RankingModel.trainingGraph's `rowSlices`), so each gives exactly its
 * rows' part of the batch's gradient and the parts add up. `dataParallelInputs` decides; other
 * graphs keep intra-op threads.
 */
import { OnnxSession, type Feed } from '../engine/runtime.js';
import type { ParameterStore } from '../engine/parameter-store.js';
import { BATCH_ROWS, type BuiltGraph } from './ranking-model.js';
import type { LookupStage } from './step-updater.js';

/** A per-row input of the training graph: its rows of the batch, staged for the helpers. */
export interface RowInput {
  name: string;
  /** Shape after the batch dimension. */
  tail: number[];
  /** Values per row. */
  width: number;
  /** Over a SharedArrayBuffer, `capacity` rows. */
  staged: Float32Array | BigInt64Array;
}

export interface ForwardLayout {
  /** The training graph (ONNX bytes). */
  graph: Uint8Array;
  rowInputs: RowInput[];
  /** Weights fed whole: the shared arrays the update threads change in place. */
  params: { name: string; shape: number[]; data: Float32Array }[];
  fetches: string[];
  /** Output name of each dense weight's gradient, in the update layout's order. */
  denseGrads: string[];
  /** Output name of each lookup's row gradients, in stage order, and its values per batch row. */
  lookupGrads: { name: string; width: number }[];
  /** Helper k's (1..T-1) dense gradients; index k-1. */
  denseParts: Float32Array[][];
  /** [batch rows, loss of helper 1, ..., loss of helper T-1]. */
  scalars: Float64Array;
}

/**
 * Whether `built`'s training graph may run in row slices, and the per-row inputs it would slice:
 * undefined unless its loss is a mean over rows (`rowLoss`), it keeps no batch statistics and
 * every data input is [batch, fixed sizes...].
 */
export function dataParallelInputs(built: BuiltGraph): { name: string; tail: number[]; int64: boolean }[] | undefined {
  if (!built.rowLoss || built.ctx.stateUpdates.length > 0) return undefined;
  const rows = [];
  for (const input of built.graph.inputs) {
    if (input.kind !== 'data') continue;
    const [batch, ...tail] = input.sym.shape;
    if (typeof batch === 'number' || !tail.every((d): d is number => typeof d === 'number')) return undefined;
    rows.push({ name: input.name, tail, int64: input.sym.dtype === 'int64' });
  }
  return rows;
}

/** Slice `part` of `parts` of n rows: [start, end). */
export function rowRange(n: number, part: number, parts: number): [number, number] {
  return [Math.floor((n * part) / parts), Math.floor((n * (part + 1)) / parts)];
}

/**
 * Writes one slice's results where the update reads them: row gradients at the slice's rows of
 * each lookup stage, dense gradients into `dense`. Returns the slice's part of the loss.
 */
export function writeSlice(layout: ForwardLayout, out: Record<string, unknown>, stages: readonly LookupStage[], dense: readonly Float32Array[], start: number, rows: number): number {
  if (rows === 0) {
    for (const d of dense) d.fill(0);
    return 0;
  }
  layout.lookupGrads.forEach(({ name, width }, l) => stages[l]!.grad.set(out[name] as Float32Array, start * width));
  layout.denseGrads.forEach((name, i) => dense[i]!.set(out[name] as Float32Array));
  return (out.loss as Float32Array)[0]!;
}

/** The main thread's slice: its rows of the full batch's feeds (views, no copy). */
export function mainSliceFeeds(layout: ForwardLayout, feeds: Readonly<Record<string, Feed>>, rows: number, n: number): Record<string, Feed> {
  const own: Record<string, Feed> = { ...feeds, [BATCH_ROWS]: { data: Float32Array.of(n), shape: [1] } };
  for (const { name, tail, width } of layout.rowInputs) own[name] = { data: feeds[name]!.data.subarray(0, rows * width), shape: [rows, ...tail] };
  return own;
}

type Values = Float32Array | BigInt64Array;

/** target.set(source, offset) for two arrays of one element type (a row input's). */
function copyInto(target: Values, source: Values, offset = 0): void {
  (target as Float32Array).set(source as Float32Array, offset);
}

/** Copy the rows [from, n) of each per-row feed to where the helpers read them. */
export function stageHelperRows(layout: ForwardLayout, feeds: Readonly<Record<string, Feed>>, from: number, n: number): void {
  for (const { name, width, staged } of layout.rowInputs) copyInto(staged, (feeds[name]!.data as Values).subarray(from * width, n * width), from * width);
}

/** A helper's slice runner: its own single-threaded session and private copies of its feeds (ONNX Runtime takes no SharedArrayBuffer). */
export class SliceRunner {
  private readonly local = new Map<string, Values>();

  private constructor(
    private readonly layout: ForwardLayout,
    private readonly session: OnnxSession,
    private readonly part: number,
    private readonly parts: number,
  ) {
    for (const { name, staged } of layout.rowInputs) local(this.local, name, staged);
    for (const { name, data } of layout.params) local(this.local, name, data);
  }

  static async create(layout: ForwardLayout, part: number, parts: number): Promise<SliceRunner> {
    return new SliceRunner(layout, await OnnxSession.create(layout.graph, { threads: 1 }), part, parts);
  }

  async run(stages: readonly LookupStage[]): Promise<void> {
    const { layout, part } = this;
    const n = layout.scalars[0]!;
    const [start, end] = rowRange(n, part, this.parts);
    const rows = end - start;
    const dense = layout.denseParts[part - 1]!;
    if (rows === 0) {
      layout.scalars[part] = writeSlice(layout, {}, stages, dense, start, 0);
      return;
    }
    const feeds: Record<string, Feed> = { [BATCH_ROWS]: { data: Float32Array.of(n), shape: [1] } };
    for (const { name, tail, width, staged } of layout.rowInputs) {
      const data = this.local.get(name)!.subarray(0, rows * width);
      copyInto(data, staged.subarray(start * width, end * width));
      feeds[name] = { data, shape: [rows, ...tail] };
    }
    for (const { name, shape, data } of layout.params) {
      const copy = this.local.get(name)!;
      copyInto(copy, data);
      feeds[name] = { data: copy, shape };
    }
    const out = await this.session.run(feeds, layout.fetches);
    layout.scalars[part] = writeSlice(layout, out, stages, dense, start, rows);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** A private (non-shared) array as long as `like`, of its type. */
function local(into: Map<string, Values>, name: string, like: Values): void {
  into.set(name, like instanceof BigInt64Array ? new BigInt64Array(like.length) : new Float32Array(like.length));
}

/** What the helpers need to run slices of `built`'s training graph, over fresh shared staging of `capacity` rows. */
export function forwardLayout(graph: Uint8Array, built: BuiltGraph, params: ParameterStore, rowInputs: NonNullable<ReturnType<typeof dataParallelInputs>>, denseNames: readonly string[], capacity: number, parts: number): ForwardLayout {
  const width = (tail: readonly number[]) => tail.reduce((a, b) => a * b, 1);
  return {
    graph,
    rowInputs: rowInputs.map(({ name, tail, int64 }) => {
      const size = capacity * width(tail);
      return { name, tail, width: width(tail), staged: int64 ? new BigInt64Array(new SharedArrayBuffer(size * 8)) : new Float32Array(new SharedArrayBuffer(size * 4)) };
    }),
    params: built.graph.inputs.filter((i) => i.kind === 'param').map((i) => {
      const t = params.dense.get(i.name) ?? params.state.get(i.name)!;
      return { name: i.name, shape: [...t.shape], data: t.data };
    }),
    fetches: ['loss', ...denseNames.map((n) => `grad/${n}`), ...built.ctx.lookups.map((l) => `grad/${l.input}`)],
    denseGrads: denseNames.map((n) => `grad/${n}`),
    lookupGrads: built.ctx.lookups.map((l) => {
      const input = rowInputs.find((r) => r.name === l.input)!;
      return { name: `grad/${l.input}`, width: width(input.tail) };
    }),
    denseParts: Array.from({ length: parts - 1 }, () => denseNames.map((n) => new Float32Array(new SharedArrayBuffer(params.dense.get(n)!.data.length * 4)))),
    scalars: new Float64Array(new SharedArrayBuffer(parts * 8)),
  };
}
