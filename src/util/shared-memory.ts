/**
 * Typed arrays over SharedArrayBuffers: the weights, optimizer slots and per-step gradients that the
 * trainer's update threads read and write in place. Large ones go on huge pages (see huge-pages.ts).
 */
import { onHugePages } from './huge-pages.js';

export function sharedFloat32(size: number): Float32Array {
  return onHugePages(new Float32Array(new SharedArrayBuffer(size * 4)));
}

export function sharedInt32(size: number): Int32Array {
  return onHugePages(new Int32Array(new SharedArrayBuffer(size * 4)));
}
