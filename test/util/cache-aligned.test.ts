/**
 * cacheAligned: the trainer's weights, optimizer slots, gathered rows and gradients start on a
 * 64-byte cache line, so a 128-byte embedding row spans two lines, not three.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeKernels } from '../../src/engine/kernels.js';
import { cacheAligned } from '../../src/util/cache-aligned.js';
import { sharedFloat32, sharedInt32 } from '../../src/util/shared-memory.js';

const skip = nativeKernels ? false : 'the native addon is not built here: array addresses are unknown to JavaScript';
if (skip) console.log(`# skipped cache-line tests: ${skip}`);

test('cacheLineOffset: the byte offset within a 64-byte line, which moves with a view\'s start', { skip }, () => {
  const aligned = cacheAligned(Float32Array, 64);
  const base = new Uint8Array(aligned.buffer, aligned.byteOffset, 256);
  assert.equal(nativeKernels!.cacheLineOffset(base), 0);
  for (const offset of [1, 16, 63, 64, 100]) assert.equal(nativeKernels!.cacheLineOffset(base.subarray(offset)), offset % 64);
});

test('cacheAligned: small and large arrays, plain and shared, start on a cache line, zeroed and of the length asked', { skip }, () => {
  // Past malloc's mmap threshold (128 KiB by default) an array gets its own mapping, 16 bytes past
  // a page boundary unless shifted; smaller ones lie wherever the heap has room.
  for (const length of [0, 1, 7, 1000, 320_000, 2_560_000]) {
    for (const shared of [false, true]) {
      const a = cacheAligned(Float32Array, length, shared);
      assert.equal(a.length, length);
      assert.equal(a.buffer instanceof SharedArrayBuffer, shared);
      assert.equal(nativeKernels!.cacheLineOffset(a), 0, `${length} floats, shared ${shared}`);
      assert.ok(a.every((x) => x === 0));
    }
  }
  assert.equal(nativeKernels!.cacheLineOffset(sharedFloat32(2_560_000)), 0, 'weights and slots');
  assert.equal(nativeKernels!.cacheLineOffset(sharedInt32(1_000_000)), 0, 'touched-row lists');
});

test('cacheAligned: a shifted array stays within its buffer and writes nothing outside its view', { skip }, () => {
  const a = cacheAligned(Int32Array, 1000, true);
  assert.ok(a.byteOffset + a.byteLength <= a.buffer.byteLength);
  a.fill(-1);
  const whole = new Int32Array(a.buffer);
  const outside = whole.filter((_, i) => i < a.byteOffset / 4 || i >= a.byteOffset / 4 + a.length);
  assert.ok(outside.every((x) => x === 0));
});
