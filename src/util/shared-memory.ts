/**
 * Typed arrays over SharedArrayBuffers: the weights, optimizer slots and per-step gradients that the
 * trainer's update threads read and write in place, each on a cache-line boundary (cache-aligned.ts).
 * Large ones go on huge pages (see huge-pages.ts).
 */
import { nativeKernels } from '../engine/kernels.js';
import { onHugePages } from './huge-pages.js';
import { cacheAligned } from './cache-aligned.js';

export function sharedFloat32(size: number): Float32Array {
  return onHugePages(cacheAligned(Float32Array, size, true));
}

export function sharedInt32(size: number): Int32Array {
  return onHugePages(cacheAligned(Int32Array, size, true));
}

const plainViews = new WeakMap<object, Float32Array | Int32Array>();
/** Each plain view's array: a view keeps the memory it reads alive. */
const owners = new WeakMap<object, object>();
/** Set once the runtime refused a view: every later call copies without asking again. */
let refused = !nativeKernels;

/**
 * `array` in a form ONNX Runtime takes as an input or a pre-allocated output: the array itself,
 * or, when it is over a SharedArrayBuffer (which ONNX Runtime refuses), a view of the same memory
 * over a plain ArrayBuffer. Undefined for a shared array when no such view can be made (no native
 * addon, or a runtime that forbids external memory, as Electron does): then the caller copies.
 */
export function ortView<T extends Float32Array | Int32Array>(array: T): T | undefined {
  if (!(array.buffer instanceof SharedArrayBuffer)) return array;
  let view = plainViews.get(array);
  if (!view) {
    if (refused) return undefined;
    try {
      view = nativeKernels!.plainView(array);
    } catch {
      refused = true;
      return undefined;
    }
    plainViews.set(array, view);
    owners.set(view, array);
  }
  return view as T;
}
