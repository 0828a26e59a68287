/**
 * Typed arrays whose first element starts a 64-byte cache line. glibc puts every large
 * allocation, big ArrayBuffers' memory included, 16 bytes past a page boundary: a 128-byte
 * embedding row (dim 32) then spans three cache lines instead of two, and a step's random rows
 * cost half as many misses again. Aligned, on the Zen 4 bench machine with one thread: Adam over
 * an mlp step's rows and dense weights 1.6 -> 1.1 ms and its row gathers 0.26 -> 0.19 ms;
 * embedding-heavy's gathers 1.9 -> 1.2 ms and Adagrad 5.5 -> 4.9 ms (same bits). Without the
 * native addon the address is unknown and an array starts where the allocator put it.
 */
import { nativeKernels } from '../engine/kernels.js';

const CACHE_LINE = 64;

interface TypedArrayType<T> {
  new (buffer: ArrayBuffer | SharedArrayBuffer, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** A new zeroed `Type` of `length` elements on a cache-line boundary, over shared memory when `shared`. */
export function cacheAligned<T extends Float32Array | Int32Array>(Type: TypedArrayType<T>, length: number, shared = false): T {
  const bytes = length * Type.BYTES_PER_ELEMENT + CACHE_LINE;
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const past = nativeKernels ? nativeKernels.cacheLineOffset(new Uint8Array(buffer, 0, 1)) : 0;
  const shift = (CACHE_LINE - past) % CACHE_LINE;
  return new Type(buffer, shift % Type.BYTES_PER_ELEMENT === 0 ? shift : 0, length);
}
