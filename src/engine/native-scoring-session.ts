/**
 * A NativeSession that allocates each run's outputs, as OnnxSession does, for scoring graphs only
 * deeprank's own sessions run (bf16 products, ai.deeprank.GemmBf16). Each output's shape is the
 * graph's declared one, its symbolic sides read off the feeds of the inputs that declare them.
 */
import onnxProto from 'onnx-proto';
import { NativeSession } from './native-session.js';
import { declaredValue, type DeclaredValue } from './onnx-value-info.js';
import type { Feed, SessionOptions, TensorData } from './runtime.js';

/** A side as declared: a size, or the name of a symbolic one. */
type Side = number | string;

export class NativeScoringSession {
  private constructor(
    private readonly session: NativeSession,
    private readonly inputs: ReadonlyMap<string, Side[]>,
    private readonly outputs: ReadonlyMap<string, Side[]>,
  ) {}

  /** A session over the model, or undefined where deeprank's own sessions are not available (NativeSession.unavailable says why). */
  static create(model: Uint8Array, options: SessionOptions = {}): NativeScoringSession | undefined {
    const graph = onnxProto.onnx.ModelProto.decode(model).graph!;
    const [inputs, outputs] = [(graph.input ?? []).map(declaredValue), (graph.output ?? []).map(declaredValue)];
    const notFloat = outputs.find((o) => o.type !== 'float32');
    if (notFloat) throw new Error(`NativeScoringSession: output '${notFloat.name}' is ${notFloat.type}, not float32`);
    const session = NativeSession.create(model, options);
    const shapes = (values: DeclaredValue[]) => new Map(values.map((v) => [v.name, v.shape]));
    return session && new NativeScoringSession(session, shapes(inputs), shapes(outputs));
  }

  /** One run, as OnnxSession.run: every fetch (default: every output) in a new array. */
  async run(feeds: Readonly<Record<string, Feed>>, fetches: readonly string[] = [...this.outputs.keys()]): Promise<Record<string, TensorData>> {
    const sides = new Map<string, number>();
    for (const [name, feed] of Object.entries(feeds)) {
      this.inputs.get(name)?.forEach((side, i) => {
        if (typeof side === 'string') sides.set(side, feed.shape[i]!);
      });
    }
    const outputs: Record<string, Feed> = {};
    for (const name of fetches) {
      const declared = this.outputs.get(name);
      if (!declared) throw new Error(`NativeScoringSession.run: the graph has no output '${name}'`);
      const shape = declared.map((side) => {
        const size = typeof side === 'string' ? sides.get(side) : side;
        if (size === undefined) throw new Error(`NativeScoringSession.run: no feed gives the side '${side}' of output '${name}'`);
        return size;
      });
      outputs[name] = { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape };
    }
    return this.session.run(feeds, fetches, outputs);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
