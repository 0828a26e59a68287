/**
 * Training sessions run through ONNX Runtime's C API (native/ort-session.c) where that addon is
 * built. A run writes each output into an array the caller owns, shared memory included, where
 * onnxruntime-node returns a new copy of every output: 0.4 to 0.8 ms of a 6 to 8 ms training step
 * of the bench's MLP, which returns 1.25 MB of gradients. The library is the one onnxruntime-node
 * loaded (runtime.ts imports it, so it is in the process before any session here), the graph
 * and the session options are the same, and so are the results, to the bit.
 * DEEPRANK_ORT=js, or no addon: the trainer runs onnxruntime-node's API.
 */
import { loadAddon } from './native-addon.js';
import { defaultThreads, type Feed, type SessionOptions, type TensorData } from './runtime.js';

/** How GemmBf16 runs its products (native/bf16-gemm.h). */
export type Bf16Kernel = 'amx' | 'avx512bf16' | 'fma' | 'portable';

interface OrtAddon {
  /** null when no ONNX Runtime is loaded in this process (or its C API is not the expected one). */
  ortSession(model: Uint8Array, threads: number, spinWithinRun: boolean): object | null;
  ortRun(session: object, inputNames: readonly string[], inputs: TensorData[], inputShapes: (readonly number[])[], outputNames: readonly string[], outputs: TensorData[], outputShapes: (readonly number[])[]): void;
  ortInputNames(session: object): string[];
  ortRelease(session: object): void;
  ortBf16Kernel(): Bf16Kernel;
  ortLoaded(): boolean;
}

const addon = process.env.DEEPRANK_ORT === 'js' ? undefined : loadAddon<OrtAddon>('deeprank_ort');

export class NativeSession {
  /** The model's inputs: feeds it does not read are left out, as onnxruntime-node leaves them. */
  private readonly inputs: readonly string[];

  private constructor(
    private readonly addon: OrtAddon,
    private readonly handle: object,
  ) {
    this.inputs = addon.ortInputNames(handle);
  }

  /** A session over the model, or undefined where the C API cannot be reached (the caller then uses OnnxSession). */
  static create(model: Uint8Array, { threads = defaultThreads(), spin = 'always' }: SessionOptions = {}): NativeSession | undefined {
    const handle = addon?.ortSession(model, threads, spin === 'within-run');
    return addon && handle ? new NativeSession(addon, handle) : undefined;
  }

  /** Why create() gives no session here, or undefined when it can. */
  static unavailable(): string | undefined {
    if (process.env.DEEPRANK_ORT === 'js') return 'DEEPRANK_ORT=js';
    if (!addon) return 'not built: see npm install\'s output';
    if (!addon.ortLoaded()) return "ONNX Runtime's C API was not found in this process";
    return undefined;
  }

  /**
   * How GemmBf16 runs its products in this process: AMX tiles, AVX512-BF16's VDPBF16PS, or fused
   * multiply-adds (with or without AVX2) giving VDPBF16PS's bits (DEEPRANK_BF16_KERNEL=avx512bf16
   * keeps an AMX CPU on VDPBF16PS, =portable keeps any CPU on multiply-adds).
   */
  static bf16Kernel(): Bf16Kernel | undefined {
    return addon?.ortBf16Kernel();
  }

  /** Whether GemmBf16 runs on bf16 instructions here (AMX or AVX512-BF16), not on emulating multiply-adds. */
  static bf16Native(): boolean {
    const kernel = NativeSession.bf16Kernel();
    return kernel === 'amx' || kernel === 'avx512bf16';
  }

  /** One run, as OnnxSession.run, except that every fetch must have its array in `outputs`; returns those arrays. */
  async run(feeds: Readonly<Record<string, Feed>>, fetches: readonly string[], outputs: Readonly<Record<string, Feed>>): Promise<Record<string, TensorData>> {
    const inputNames = this.inputs.filter((name) => feeds[name]);
    const into = fetches.map((name) => {
      const out = outputs[name];
      if (!out) throw new Error(`NativeSession.run: no array for output '${name}'`);
      return out;
    });
    this.addon.ortRun(
      this.handle,
      inputNames,
      inputNames.map((n) => feeds[n]!.data),
      inputNames.map((n) => feeds[n]!.shape),
      fetches,
      into.map((o) => o.data),
      into.map((o) => o.shape),
    );
    return Object.fromEntries(fetches.map((name, i) => [name, into[i]!.data]));
  }

  async release(): Promise<void> {
    this.addon.ortRelease(this.handle);
  }
}

let warnedBf16Emulated = false;
/** Once a process, where `setting` asks for bf16 products on a CPU without AVX512-BF16 or AMX: they compute VDPBF16PS's bits, but slowly. */
export function warnIfBf16Emulated(setting: string): void {
  if (warnedBf16Emulated || NativeSession.bf16Native()) return;
  warnedBf16Emulated = true;
  process.emitWarning(`${setting}: this CPU has neither AVX512-BF16 nor AMX, so the products run as fused multiply-adds (AVX512-BF16's bits), several times slower than float32 ones`, { code: 'DEEPRANK_BF16_EMULATED' });
}
